"""disputes.tracking: opening a case with code and PIN (and the lock-out), the worker's view of it, and the worker's
actions (add evidence, withdraw, go to arbitration)."""

import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes.evidence import evidence_check
from disputes.models import Case, CaseEvent, Evidence
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from disputes.states import ActorKind, CaseStatus
from disputes.tracking import (
    TRACK_MAX_FAILURES,
    TrackingLocked,
    arbitration_commission_for,
    history_sentence,
    tracking_evidence_add,
    tracking_open,
    tracking_refer_to_arbitration,
    tracking_withdraw,
    worker_actions,
    worker_view,
)
from tests.factories import OrganizationFactory, RegionFactory

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
STAFF_NOTE = "内部备注：对方态度强硬，先别告诉申请人"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def file_case(station, **kwargs):
    case, pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number=ID_NUMBER,
        worker_phone=PHONE,
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=station,
        **kwargs,
    )
    return case, pin


def jpeg(name="photo.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def mediating(directory):
    """A case accepted and in mediation, with a staff note on the way."""
    case, pin = file_case(directory.station)
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    mediator = directory.staff["mediator"]
    case_transition(
        case_id=case.pk, name="accept", actor=mediator, note=STAFF_NOTE, payload={"mediator": mediator}
    )
    case_transition(case_id=case.pk, name="start_mediation", actor=mediator, note=STAFF_NOTE)
    return Case.objects.get(pk=case.pk), pin


# --- Opening ------------------------------------------------------------------------------------------------
def test_the_right_pin_opens_the_case_code_case_insensitive_and_dash_optional(directory):
    case, pin = file_case(directory.station)
    assert tracking_open(tracking_code=case.tracking_code, pin=pin, client_ip="10.0.0.1") == case
    loose = case.tracking_code.replace("-", "").lower()
    assert tracking_open(tracking_code=f" {loose} ", pin=pin, client_ip="10.0.0.1") == case


def test_a_wrong_pin_and_an_unknown_code_both_give_none(directory):
    case, pin = file_case(directory.station)
    wrong = "000000" if pin != "000000" else "111111"
    assert tracking_open(tracking_code=case.tracking_code, pin=wrong, client_ip="10.0.0.1") is None
    assert tracking_open(tracking_code="ZZZZ-ZZZZ", pin=pin, client_ip="10.0.0.2") is None
    assert tracking_open(tracking_code="", pin="", client_ip="10.0.0.3") is None
    assert tracking_open(tracking_code="x" * 500, pin="1" * 500, client_ip="10.0.0.3") is None


def test_five_failures_on_one_code_lock_that_code_even_for_the_right_pin(directory):
    case, pin = file_case(directory.station)
    other, other_pin = file_case(directory.other)
    for n in range(TRACK_MAX_FAILURES - 1):
        assert tracking_open(tracking_code=case.tracking_code, pin="999999x", client_ip=f"10.1.0.{n}") is None
    with pytest.raises(TrackingLocked) as locked:
        tracking_open(tracking_code=case.tracking_code, pin="999999x", client_ip="10.1.0.99")
    assert 0 < locked.value.retry_after <= 15 * 60
    assert "分钟后再试" in str(locked.value)
    with pytest.raises(TrackingLocked):
        tracking_open(tracking_code=case.tracking_code, pin=pin, client_ip="10.9.9.9")
    # Another code is not affected.
    assert tracking_open(tracking_code=other.tracking_code, pin=other_pin, client_ip="10.9.9.9") == other


def test_five_failures_from_one_address_lock_that_address_for_every_code(directory):
    case, pin = file_case(directory.station)
    for n in range(TRACK_MAX_FAILURES - 1):
        assert tracking_open(tracking_code=f"AAAA-AAA{n}", pin="123456", client_ip="10.2.0.1") is None
    with pytest.raises(TrackingLocked):
        tracking_open(tracking_code="BBBB-BBBB", pin="123456", client_ip="10.2.0.1")
    with pytest.raises(TrackingLocked):
        tracking_open(tracking_code=case.tracking_code, pin=pin, client_ip="10.2.0.1")
    assert tracking_open(tracking_code=case.tracking_code, pin=pin, client_ip="10.2.0.2") == case


def test_a_success_clears_the_codes_count_but_not_the_addresss(directory):
    case, pin = file_case(directory.station)
    for _ in range(TRACK_MAX_FAILURES - 1):
        tracking_open(tracking_code=case.tracking_code, pin="000000x", client_ip="10.3.0.1")
    assert tracking_open(tracking_code=case.tracking_code, pin=pin, client_ip="10.3.0.2") == case
    assert (
        tracking_open(tracking_code=case.tracking_code, pin="000000x", client_ip="10.3.0.3") is None
    )  # 1 of 5
    with pytest.raises(TrackingLocked):
        tracking_open(tracking_code="CCCC-CCCC", pin="1", client_ip="10.3.0.1")  # the address's fifth


# --- The worker's view --------------------------------------------------------------------------------------
def test_the_view_has_status_history_deadlines_and_next_steps_in_plain_words(mediating, directory):
    case, _pin = mediating
    view = worker_view(case=case)
    assert view.status == CaseStatus.IN_MEDIATION
    assert view.status_display == "正在调解"
    texts = [item.text for item in view.history]
    assert texts[0] == "您在网上提交了申请。"
    assert f"您的申请已转交{directory.station.name}。" in texts
    assert "调解组织受理了您的申请，调解员会与您联系。" in texts
    assert "调解开始。" in texts
    codes = {d.code for d in view.deadlines}
    assert codes, "the mediation deadline (15 days from acceptance) applies"
    assert all(d.text and d.due_on and d.state_display for d in view.deadlines)
    assert any("十五日" in d.text for d in view.deadlines)
    assert view.next_steps and any("劳动仲裁" in s for s in view.next_steps)
    assert view.worker_id_masked == "1101**********002X"
    assert view.worker_phone_masked == "139****5678"


def test_the_view_never_holds_a_staff_name_a_note_or_whole_personal_data(mediating, directory):
    case, _pin = mediating
    view = worker_view(case=case)
    dump = repr(view)
    assert STAFF_NOTE not in dump
    for user in directory.staff.values():
        assert user.username not in dump
    assert ID_NUMBER not in dump
    assert PHONE not in dump


def test_every_transition_has_a_plain_sentence_and_an_unknown_one_falls_back(mediating):
    case, _pin = mediating
    event = CaseEvent(case=case, transition="some_future_step", to_state="in_mediation", actor_kind="staff")
    assert history_sentence(event) == "案件进展：正在调解。"
    from disputes.services import transition_names

    for name in transition_names():
        text = history_sentence(CaseEvent(case=case, transition=name, to_state="closed", actor_kind="staff"))
        assert not text.startswith("案件进展"), name


def test_a_reject_reason_from_the_fixed_list_is_shown(directory):
    case, _pin = file_case(directory.station)
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    case_transition(
        case_id=case.pk, name="reject", actor=directory.staff["station_admin"], payload={"reason": "重复申请"}
    )
    view = worker_view(case=Case.objects.get(pk=case.pk))
    assert "调解组织未受理您的申请，原因：重复申请。" in [h.text for h in view.history]
    assert view.status_display == "调解组织未受理，请查看原因和建议"


# --- Actions ------------------------------------------------------------------------------------------------
def test_an_open_case_offers_evidence_withdraw_and_arbitration_with_the_regions_commission(
    mediating, directory
):
    case, _pin = mediating
    actions = worker_actions(case)
    assert actions.add_evidence and actions.withdraw and actions.refer_to_arbitration
    assert actions.commission_name == directory.commission.name  # the city's, above the station's district


def test_the_commission_is_found_in_the_region_or_above_and_may_be_missing(directory):
    case, _pin = file_case(directory.station)
    assert arbitration_commission_for(case) == directory.commission
    near = OrganizationFactory(code="arb-north", name="北区仲裁委", region=directory.north, commission=True)
    assert arbitration_commission_for(case) == near
    lonely = OrganizationFactory(code="lonely", region=RegionFactory(code="lonely-region"))
    far, _pin = file_case(lonely)
    assert arbitration_commission_for(far) is None
    assert not worker_actions(far).refer_to_arbitration
    with pytest.raises(ValidationError):
        tracking_refer_to_arbitration(case_id=far.pk)


def test_after_an_agreement_arbitration_is_no_longer_offered(mediating, directory):
    case, _pin = mediating
    case_transition(
        case_id=case.pk,
        name="record_agreement",
        actor=directory.staff["mediator"],
        payload={"amount_agreed": Decimal("4000")},
    )
    actions = worker_actions(Case.objects.get(pk=case.pk))
    assert not actions.refer_to_arbitration
    assert actions.withdraw


def test_the_worker_withdraws_recorded_as_the_worker(mediating):
    case, _pin = mediating
    tracking_withdraw(case_id=case.pk, reason="单位已付款")
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    event = case.events.order_by("-id").first()
    assert (event.transition, event.actor_kind, event.actor_id) == ("withdraw", ActorKind.WORKER, None)
    view = worker_view(case=case)
    assert view.history[-1].text == "您撤回了申请。"
    assert (
        not view.actions.withdraw and not view.actions.add_evidence and not view.actions.refer_to_arbitration
    )


def test_the_worker_goes_to_arbitration_recorded_as_the_worker(mediating, directory):
    case, _pin = mediating
    tracking_refer_to_arbitration(case_id=case.pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED_TO_ARBITRATION
    assert case.handling_org == directory.commission
    event = case.events.order_by("-id").first()
    assert (event.transition, event.actor_kind) == ("refer_to_arbitration", ActorKind.WORKER)
    assert event.payload["commission"] == directory.commission.code
    view = worker_view(case=case)
    assert view.history[-1].text == f"您申请了劳动仲裁，案件已转交{directory.commission.name}。"
    assert view.handling_org_name == directory.commission.name


def test_evidence_added_by_the_worker_appears_in_the_view(mediating):
    case, _pin = mediating
    added = tracking_evidence_add(case_id=case.pk, files=[evidence_check(jpeg("工资条.jpg"))])
    assert len(added) == 1
    row = Evidence.objects.get(case=case)
    assert row.uploaded_by == ActorKind.WORKER
    assert row.sha256 and row.file.name.startswith("evidence/")
    assert [(e.name, e.by_worker) for e in worker_view(case=case).evidence] == [("工资条.jpg", True)]


def test_evidence_cannot_be_added_to_a_closed_case(mediating):
    case, _pin = mediating
    tracking_withdraw(case_id=case.pk)
    with pytest.raises(ValidationError):
        tracking_evidence_add(case_id=case.pk, files=[evidence_check(jpeg())])
    assert not Evidence.objects.filter(case=case).exists()


def test_evidence_added_by_the_worker_is_recorded_and_told_to_the_station(
    directory, django_capture_on_commit_callbacks
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from disputes.evidence import evidence_check
    from disputes.models import CaseEvent
    from disputes.tracking import tracking_evidence_add
    from referrals.models import Notification

    from ..factories import case_in_state

    case = case_in_state("accepted", station=directory.station, mediator=directory.staff["mediator"])
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    checked = evidence_check(SimpleUploadedFile("chat.jpg", buffer.getvalue(), content_type="image/jpeg"))
    with django_capture_on_commit_callbacks(execute=True):
        tracking_evidence_add(case_id=case.pk, files=[checked])
    event = CaseEvent.objects.get(case=case, transition="add_evidence")
    assert event.actor_kind == "worker" and event.from_state == event.to_state == "accepted"
    assert event.payload == {"files": 1, "sha256": [checked.sha256]}
    told = set(Notification.objects.filter(event=event).values_list("recipient_user__username", flat=True))
    assert told == {
        "admin_a",
        "mediator_a",
    }  # in-app to the station; no SMS to the worker for their own upload


def test_the_officials_group_warning_is_not_in_the_workers_history(directory):
    from disputes.services import case_event_record
    from disputes.tracking import worker_view

    from ..factories import case_in_state

    case = case_in_state("assigned", station=directory.station)
    case_event_record(case_id=case.pk, name="group_warning", actor=None, payload={"warning": 1})
    case_event_record(case_id=case.pk, name="merged_into", actor=None, payload={})
    sentences = [item.text for item in worker_view(case=case).history]
    assert "您的这份申请与您就同一事项提交的另一份申请合并办理。" in sentences
    assert not any("预警" in text for text in sentences) and len(sentences) == 1
