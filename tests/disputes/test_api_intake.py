"""POST /api/v1/intake/: the anonymous claim of SPEC.md's contract, an agency's referral with its token and channel,
the idempotent retry, the rate limit, and 400s in Chinese that write nothing."""

import json
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from disputes.models import Case, CaseEvent, Claim, CollectiveFiling, IntakeReceipt, Respondent
from disputes.pii import decrypt, keyed_hash
from disputes.services import NOTIFY_TASK, case_check_pin
from disputes.states import ActorKind, CaseStatus, Channel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/intake/"
ID_NUMBER = "330302199001011235"
PHONE = "13957712345"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the throttle's counters live in the cache, which outlives a test
    yield
    cache.clear()


@pytest.fixture
def enqueue():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def claim(**overrides) -> dict:
    body = {
        "worker_name": "张伟",
        "worker_id_number": ID_NUMBER,
        "worker_phone": PHONE,
        "employer_name": "温州市顺达速运有限公司",
        "industry": "express_delivery",
        "categories": ["wages", "overtime"],
        "amount_claimed": "9200.50",
        "facts": "2026年1月至2月的工资未发放，每天加班两小时没有加班费。",
        "consent": True,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def post(body, client=None, **headers):
    client = client or APIClient()
    return client.post(URL, json.dumps(body), content_type="application/json", headers=headers)


def counts() -> tuple:
    return tuple(
        m.objects.count() for m in (Case, Claim, CaseEvent, Respondent, CollectiveFiling, IntakeReceipt)
    )


def _raw(case, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM disputes_case WHERE id = %s", [case.pk])  # noqa: S608
        return cursor.fetchone()[0]


# --- Filing --------------------------------------------------------------------------------------------------
def test_anonymous_claim_is_filed_end_to_end(directory, enqueue, django_capture_on_commit_callbacks):
    body = claim(
        station="station-a",
        services=["industry_mediation", "legal_aid"],
        employer_credit_code="",
        employer_site="鹿城区东街网点",
        employment_started_on="2024-03-01",
        still_employed=True,
        confidential=True,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(body)

    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == {"tracking_code", "access_pin", "status", "notices"}
    # The worker chose station-a, which takes express-delivery claims: intake triages the case there at once.
    assert data["status"] == CaseStatus.ASSIGNED
    assert isinstance(data["notices"], list)
    case = Case.objects.get(tracking_code=data["tracking_code"])
    assert case_check_pin(case=case, pin=data["access_pin"])
    assert case.channel == Channel.QR_WEB
    assert case.intake_org is None
    assert case.station == directory.station
    assert case.region == directory.north
    assert case.worker_name == "张伟"
    assert case.employer_name == "温州市顺达速运有限公司"
    assert case.employer_site == "鹿城区东街网点"
    assert case.industry == "express_delivery"
    assert case.amount_claimed == Decimal("9200.50")
    assert case.services == ["industry_mediation", "legal_aid"]
    assert case.still_employed and case.confidential
    assert str(case.employment_started_on) == "2024-03-01"
    assert sorted(Claim.objects.filter(case=case).values_list("category", flat=True)) == ["overtime", "wages"]
    [respondent] = Respondent.objects.filter(case=case)
    assert respondent.is_primary and respondent.name == "温州市顺达速运有限公司"

    # People's data is encrypted at rest, with the keyed hash beside it.
    for column, plain in (("worker_id_number", ID_NUMBER), ("worker_phone", PHONE)):
        raw = _raw(case, column)
        assert raw != plain and plain not in raw and decrypt(raw) == plain
    assert case.worker_id_hash == keyed_hash(ID_NUMBER)

    event, triage = CaseEvent.objects.filter(case=case).order_by("id")
    assert event.transition == "submit"
    assert event.actor is None and event.actor_kind == ActorKind.WORKER
    assert event.payload == {"channel": "qr_web", "station": "station-a"}
    assert (triage.transition, triage.from_state, triage.to_state) == ("triage", "submitted", "assigned")
    assert triage.actor is None and triage.actor_kind == ActorKind.SYSTEM
    assert triage.payload == {"station": "station-a", "rule": None} and triage.note == "劳动者选择"
    assert callbacks
    enqueue.assert_any_call(NOTIFY_TASK, event_id=event.pk)
    enqueue.assert_any_call(NOTIFY_TASK, event_id=triage.pk)


def test_the_notification_waits_for_the_commit(directory, enqueue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(claim())
    assert response.status_code == 201
    enqueue.assert_not_called()
    for callback in callbacks:
        callback()
    event = CaseEvent.objects.get(case__tracking_code=response.json()["tracking_code"])
    enqueue.assert_called_once_with(NOTIFY_TASK, event_id=event.pk)


def test_the_answer_never_echoes_the_id_number_or_phone(directory, enqueue):
    for body in (claim(), claim(worker_phone="12345"), claim(worker_id_number="330302199001011234")):
        text = post(body).content.decode()
        assert ID_NUMBER not in text and "330302199001011234" not in text
        assert PHONE not in text


def test_without_amount_and_station_the_claim_is_still_filed(directory, enqueue):
    response = post(claim(amount_claimed=..., categories=["dismissal"]))
    assert response.status_code == 201, response.json()
    case = Case.objects.get(tracking_code=response.json()["tracking_code"])
    assert case.station is None
    assert case.amount_claimed == Decimal("0")


def test_limitation_notice_is_passed_on(directory, enqueue):
    response = post(claim(knowledge_date="2020-01-01", categories=["dismissal"]))
    assert response.status_code == 201
    codes = [n["code"] for n in response.json()["notices"]]
    assert "limitation_past" in codes
    assert all(n["message"] for n in response.json()["notices"])


def test_duplicate_notice_is_passed_on(directory, enqueue):
    first = post(claim()).json()
    second = post(claim(employer_name="温州市 顺达速运（鹿城）有限公司"))
    assert second.status_code == 201
    [notice] = [n for n in second.json()["notices"] if n["code"] == "duplicate"]
    assert first["tracking_code"][-4:] in notice["message"]


# --- Refusals ------------------------------------------------------------------------------------------------
CHINESE = "\u4e00-\u9fff"


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"consent": False}, "consent", "同意"),
        ({"consent": ...}, "consent", "同意"),
        ({"worker_id_number": "330302199001011234"}, "worker_id_number", "校验不通过"),
        ({"worker_id_number": "33030219900101"}, "worker_id_number", "18位"),
        ({"worker_phone": "1381234567"}, "worker_phone", "手机号"),
        ({"worker_phone": "23812345678"}, "worker_phone", "手机号"),
        ({"station": "no-such-station"}, "station", "不是可选的机构"),
        ({"station": "arb"}, "station", "不是可选的机构"),  # a commission takes no claims at intake
        ({"categories": ["wages", "bonus"]}, "categories", "bonus"),
        ({"categories": []}, "categories", "必填"),
        ({"industry": "mining"}, "industry", "mining"),
        ({"amount_claimed": "-1"}, "amount_claimed", "0"),
        ({"amount_claimed": "八千"}, "amount_claimed", "数"),
        ({"amount_claimed": "1e12"}, "amount_claimed", ""),
        ({"amount_claimed": "NaN"}, "amount_claimed", ""),
        ({"worker_name": "   "}, "worker_name", ""),
        ({"facts": ""}, "facts", ""),
        ({"employer_credit_code": "123"}, "employer_credit_code", "统一社会信用代码"),
        ({"knowledge_date": "2999-01-01"}, "knowledge_date", "不能晚于今天"),
        (
            {"employment_started_on": "2025-05-01", "employment_ended_on": "2025-04-01"},
            "employment_ended_on",
            "不能早于入职日期",
        ),
        ({"still_employed": True, "employment_ended_on": "2025-04-01"}, "employment_ended_on", "仍在职"),
    ],
)
def test_invalid_claims_are_refused_in_chinese_and_write_nothing(
    directory, enqueue, overrides, field, fragment
):
    before = counts()
    response = post(claim(**overrides))

    assert response.status_code == 400, response.json()
    data = response.json()
    assert data["code"] == "invalid"
    assert data["detail"] == "提交的内容有误，请检查。"
    messages = data["errors"][field]
    assert messages and all(any(CHINESE[0] <= ch <= CHINESE[-1] for ch in m) for m in messages), messages
    assert fragment in " ".join(messages)
    assert counts() == before
    enqueue.assert_not_called()


def test_wrong_types_and_wrong_values_are_reported_together(directory, enqueue):
    response = post(claim(worker_name={"first": "伟"}, categories="wages", consent="yes", worker_phone="123"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["worker_name"] == ["应为文本。"]
    assert errors["categories"] == ['应为文本的列表，如 ["wages"]。']
    assert errors["consent"] == ["应为 true 或 false。"]
    assert "手机号" in errors["worker_phone"][0]
    assert Case.objects.count() == 0


def test_an_anonymous_channel_is_ignored(directory, enqueue):
    response = post(claim(channel="court_referral"))
    assert response.status_code == 201
    assert Case.objects.get(tracking_code=response.json()["tracking_code"]).channel == Channel.QR_WEB


@pytest.mark.parametrize("raw", ["[]", '"a claim"', "42", "null", "true", '[{"worker_name": "张伟"}]'])
def test_a_body_that_is_not_an_object_is_refused(db, raw):
    response = APIClient().post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"non_field_errors": ["请求体应为 JSON 对象。"]}
    assert response.json()["detail"] == "请求体应为 JSON 对象。"


@pytest.mark.parametrize("raw", ["{", '{"worker_name": }', "{'a': 1}", "\x00\x01", '{"a": NaN}', "1" * 5000])
def test_malformed_json_is_refused(db, raw):
    response = APIClient().post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "JSON" in response.json()["detail"]


def test_a_form_encoded_body_is_refused_as_unsupported(db):
    response = APIClient().post(URL, {"worker_name": "张伟"})
    assert response.status_code == 415
    assert Case.objects.count() == 0


def test_an_empty_body_lists_the_required_fields(db):
    response = APIClient().post(URL, "", content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {
        "worker_name",
        "worker_id_number",
        "worker_phone",
        "employer_name",
        "industry",
        "categories",
    } <= set(errors)
    assert {"facts", "consent"} <= set(errors)


# --- Idempotency ---------------------------------------------------------------------------------------------
def test_a_retry_with_the_same_key_gives_the_first_answer_and_creates_nothing(directory, enqueue):
    first = post(claim(), **{"Idempotency-Key": "retry-7f3a"})
    assert first.status_code == 201
    before = counts()

    again = post(claim(), **{"Idempotency-Key": "retry-7f3a"})

    assert again.status_code == 200
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert again.json()["access_pin"] == first.json()["access_pin"]
    assert not [n for n in again.json()["notices"] if n["code"] == "duplicate"]  # not its own duplicate
    assert counts() == before
    assert IntakeReceipt.objects.count() == 1


def test_a_new_key_files_a_new_case(directory, enqueue):
    first = post(claim(), **{"Idempotency-Key": "key-1"}).json()
    second = post(claim(), **{"Idempotency-Key": "key-2"})
    assert second.status_code == 201
    assert second.json()["tracking_code"] != first["tracking_code"]
    assert Case.objects.count() == 2


def test_another_worker_reusing_a_key_gets_a_case_of_their_own(directory, enqueue):
    """A key is bound to the worker: a guessed or reused key never hands over another filer's code and PIN."""
    first = post(claim(), **{"Idempotency-Key": "1"}).json()
    other = post(claim(worker_id_number="330302198505055675", worker_name="李娜"), **{"Idempotency-Key": "1"})
    assert other.status_code == 201
    assert other.json()["tracking_code"] != first["tracking_code"]
    assert Case.objects.count() == 2


def test_an_overlong_key_is_refused(directory, enqueue):
    response = post(claim(), **{"Idempotency-Key": "k" * 65})
    assert response.status_code == 400
    assert "幂等键" in response.json()["errors"]["idempotency_key"][0]
    assert Case.objects.count() == 0
    assert post(claim(), **{"Idempotency-Key": "k" * 64}).status_code == 201


# --- Agencies ------------------------------------------------------------------------------------------------
def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_an_agency_refers_with_its_token_and_channel(directory, enqueue):
    clerk = directory.staff["court_clerk"]
    response = post(claim(channel="court_referral", station="station-a"), client=_token_client(clerk))

    assert response.status_code == 201, response.json()
    case = Case.objects.get(tracking_code=response.json()["tracking_code"])
    assert case.channel == Channel.COURT_REFERRAL
    assert case.intake_org == directory.court
    assert case.station == directory.station
    event = CaseEvent.objects.filter(case=case).order_by("id").first()
    assert event.actor == clerk and event.actor_kind == ActorKind.STAFF
    assert event.payload["channel"] == "court_referral"


def test_an_agency_must_say_its_channel(directory, enqueue):
    client = _token_client(directory.staff["court_clerk"])
    for channel in (..., "qr_web", "carrier_pigeon"):
        response = post(claim(channel=channel), client=client)
        assert response.status_code == 400
        assert response.json()["errors"]["channel"]
    assert Case.objects.count() == 0


def test_a_bad_token_is_401(directory):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = post(claim(), client=client)
    assert response.status_code == 401
    assert Case.objects.count() == 0


def test_an_account_of_no_organization_is_403(directory, enqueue):
    loner = UserFactory(username="loner")
    response = post(claim(channel="hotline"), client=_token_client(loner))
    assert response.status_code == 403
    assert "机构" in response.json()["detail"]
    assert Case.objects.count() == 0


def test_an_agencys_idempotency_key_is_its_own(directory, enqueue):
    agency = _token_client(directory.staff["court_clerk"])
    first = post(claim(channel="court_referral"), client=agency, **{"Idempotency-Key": "ref-1"})
    again = post(claim(channel="court_referral"), client=agency, **{"Idempotency-Key": "ref-1"})
    anonymous = post(claim(), **{"Idempotency-Key": "ref-1"})
    assert (first.status_code, again.status_code, anonymous.status_code) == (201, 200, 201)
    assert again.json()["tracking_code"] == first.json()["tracking_code"]
    assert anonymous.json()["tracking_code"] != first.json()["tracking_code"]


# --- Rate limit ----------------------------------------------------------------------------------------------
def test_too_many_filings_are_429_in_chinese(directory, enqueue, monkeypatch):
    # DRF reads the rates once, at import: override them on the class.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"intake": "2/hour"})
    cache.clear()
    assert post(claim()).status_code == 201
    assert post(claim(worker_id_number="330302198505055675")).status_code == 201
    before = counts()

    response = post(claim(worker_id_number="11010519491231002X"))

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "频繁" in response.json()["detail"]
    assert "Expected" not in response.json()["detail"]
    assert int(response.headers["Retry-After"]) > 0
    assert counts() == before


def test_the_limit_is_per_address(directory, enqueue, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"intake": "1/hour"})
    cache.clear()
    assert post(claim(), client=APIClient(REMOTE_ADDR="10.0.0.1")).status_code == 201
    assert post(claim(), client=APIClient(REMOTE_ADDR="10.0.0.1")).status_code == 429
    assert post(claim(), client=APIClient(REMOTE_ADDR="10.0.0.2")).status_code == 201


def test_the_rate_is_a_setting():
    from django.conf import settings

    assert "intake" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
