"""disputes.services.case_create: people's data encrypted, the keyed hash, the tracking code and PIN, the
first history row, the claimed amount."""

import re
from datetime import date, datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from disputes.models import Case, CaseEvent, Claim
from disputes.permissions import WORKER
from disputes.pii import decrypt, keyed_hash, normalize
from disputes.services import (
    NOTIFY_TASK,
    TRACKING_ALPHABET,
    ClaimInput,
    _pin_hash,
    case_check_pin,
    case_create,
    tracking_code_normalize,
)
from disputes.states import ActorKind, CaseStatus, Channel

pytestmark = pytest.mark.django_db

ID_NUMBER = "330302199001011234"
PHONE = "13812345678"
CODE_RE = re.compile(rf"^[{TRACKING_ALPHABET}]{{4}}-[{TRACKING_ALPHABET}]{{4}}$")


@pytest.fixture
def enqueue():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def _create(actor=WORKER, **overrides):
    kwargs = {
        "actor": actor,
        "worker_name": " 张伟 ",
        "worker_id_number": ID_NUMBER,
        "worker_phone": PHONE,
        "employer_name": "某某快递有限公司",
        "industry": "express_delivery",
        "claims": [ClaimInput("wages", Decimal("8000.00")), ClaimInput("overtime", Decimal("1200.50"))],
        "facts": "2026年1月至2月的工资未发放。",
    }
    kwargs.update(overrides)
    return case_create(**kwargs)


def _raw(case, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM disputes_case WHERE id = %s", [case.pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.parametrize(("column", "plain"), [("worker_id_number", ID_NUMBER), ("worker_phone", PHONE)])
def test_personal_data_is_encrypted_at_rest(enqueue, column, plain):
    case, _pin = _create()
    raw = _raw(case, column)
    assert raw and raw != plain
    assert plain not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token (version byte 0x80), not a masked or truncated copy
    assert decrypt(raw) == plain
    assert getattr(Case.objects.get(pk=case.pk), column) == plain


def test_two_encryptions_of_the_same_number_differ(enqueue):
    first, _ = _create()
    second, _ = _create()
    assert _raw(first, "worker_id_number") != _raw(second, "worker_id_number")
    assert first.worker_id_hash == second.worker_id_hash


@pytest.mark.parametrize(
    "raw_id",
    [ID_NUMBER, "３３０３０２１９９００１０１１２３４", "330302 19900101 1234", "3303-0219-9001-011234"],
)
def test_keyed_hash_is_of_the_normalized_number(enqueue, raw_id):
    case, _ = _create(worker_id_number=raw_id, worker_phone="１３８ １２３４ ５６７８")
    saved = Case.objects.get(pk=case.pk)
    assert saved.worker_id_number == ID_NUMBER
    assert saved.worker_id_hash == keyed_hash(normalize(raw_id)) == keyed_hash(ID_NUMBER)
    assert saved.worker_id_hash != ID_NUMBER and len(saved.worker_id_hash) == 64
    assert saved.worker_phone == PHONE
    assert saved.worker_phone_hash == keyed_hash(PHONE)
    assert _raw(case, "worker_id_hash") == keyed_hash(ID_NUMBER)


def test_id_number_with_lower_case_x_is_upper_cased(enqueue):
    case, _ = _create(worker_id_number="33030219900101123x")
    saved = Case.objects.get(pk=case.pk)
    assert saved.worker_id_number == "33030219900101123X"
    assert saved.worker_id_hash == keyed_hash("33030219900101123X")
    assert saved.worker_id_masked == "3303**********123X"


def test_tracking_code_format(enqueue):
    codes = {_create()[0].tracking_code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert CODE_RE.match(code), code
        assert not set(code) & set("01OIL")


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{nodash}", " {lower} "])
def test_tracking_code_as_typed_is_normalized(enqueue, typed):
    case, _ = _create()
    code = case.tracking_code
    text = typed.format(code=code, lower=code.lower(), nodash=code.replace("-", ""))
    assert tracking_code_normalize(text) == code


def test_pin_is_six_digits_and_checked(enqueue):
    case, pin = _create()
    assert re.fullmatch(r"\d{6}", pin)
    saved = Case.objects.get(pk=case.pk)
    assert pin not in saved.access_pin_hash
    assert case_check_pin(case=saved, pin=pin)
    assert case_check_pin(case=saved, pin=f" {pin} ")
    wrong = f"{(int(pin) + 1) % 10**6:06d}"
    for other in (wrong, "", None, pin[:5], pin + "0", "abcdef"):
        assert not case_check_pin(case=saved, pin=other)


def test_the_pin_hash_is_bound_to_the_tracking_code(enqueue):
    """The same PIN gives a different hash under another code: a PIN of one case does not open another."""
    first, first_pin = _create()
    second, _ = _create()
    assert _pin_hash(second.tracking_code, first_pin) != first.access_pin_hash
    with mock.patch("disputes.services.secrets.randbelow", return_value=123456):
        third, third_pin = _create()
        fourth, fourth_pin = _create()
    assert third_pin == fourth_pin == "123456"
    assert third.access_pin_hash != fourth.access_pin_hash
    assert case_check_pin(case=third, pin="123456") and case_check_pin(case=fourth, pin="123456")


def test_first_event_is_submit(enqueue):
    case, _ = _create()
    [event] = list(CaseEvent.objects.filter(case=case))
    assert event.transition == "submit"
    assert (event.from_state, event.to_state) == ("", CaseStatus.SUBMITTED)
    assert event.actor is None
    assert event.actor_kind == ActorKind.WORKER
    assert event.payload == {"channel": Channel.QR_WEB, "station": None}
    assert case.status == CaseStatus.SUBMITTED


def test_staff_intake_records_the_clerk_and_the_station(directory, enqueue):
    clerk = directory.staff["intake_clerk"]
    case, _ = _create(
        actor=clerk, channel=Channel.WALK_IN, station=directory.station, intake_org=directory.station
    )
    event = CaseEvent.objects.get(case=case)
    assert event.actor == clerk
    assert event.actor_kind == ActorKind.STAFF
    assert event.payload == {"channel": "walk_in", "station": "station-a"}
    assert case.region == directory.north  # defaults to the station's region


def test_amount_claimed_is_the_sum_of_claims(enqueue):
    case, _ = _create()
    saved = Case.objects.get(pk=case.pk)
    assert saved.amount_claimed == Decimal("9200.50")
    assert sorted(Claim.objects.filter(case=case).values_list("category", "amount")) == [
        ("overtime", Decimal("1200.50")),
        ("wages", Decimal("8000.00")),
    ]


def test_no_claims_gives_zero(enqueue):
    case, _ = _create(claims=[])
    assert Case.objects.get(pk=case.pk).amount_claimed == Decimal("0")


def test_names_are_trimmed(enqueue):
    case, _ = _create(employer_name="  某某快递有限公司 ")
    saved = Case.objects.get(pk=case.pk)
    assert saved.worker_name == "张伟"
    assert saved.employer_name == "某某快递有限公司"


def test_notification_enqueued_after_commit(enqueue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case, _ = _create()
    assert callbacks
    enqueue.assert_not_called()
    for callback in callbacks:
        callback()
    event = CaseEvent.objects.get(case=case)
    enqueue.assert_called_once_with(NOTIFY_TASK, event_id=event.pk)


def test_rollback_leaves_no_case(enqueue, django_capture_on_commit_callbacks):
    before = Case.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _create()
        raise RuntimeError
    assert callbacks == []
    enqueue.assert_not_called()
    assert Case.objects.count() == before


def test_backdated_filing_starts_the_restarted_limitation(enqueue):
    """Applying for mediation restarts the limitation period (LDMAL Art. 27 ¶2): one year from the filing."""
    import importlib

    from disputes.models import CaseDeadline, DeadlineRule

    seed = importlib.import_module("disputes.migrations.0002_history_append_only_and_deadline_rules")
    for rule in seed.RULES:
        DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)
    at = datetime(2025, 3, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    case, _ = _create(at=at, knowledge_date=date(2025, 1, 6))
    assert case.created_at == at
    restarted = CaseDeadline.objects.get(case=case, rule__code="limitation.restarted")
    assert (restarted.starts_on, restarted.due_on) == (date(2025, 3, 3), date(2026, 3, 3))
    general = CaseDeadline.objects.get(case=case, rule__code="limitation.general")
    assert general.due_on == date(2026, 1, 6)
