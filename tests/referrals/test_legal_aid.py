"""Legal aid (法律援助法 Arts. 42–44): the request becomes a handoff to the nearest legal-aid centre, with the law's
clock, the urgent flag and the means-test exemption; the centre decides with the handoff's answers, assigns a
lawyer the worker then sees on /track/, and reports the outcome."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from disputes.exceptions import TransitionConflict
from disputes.models import CaseDeadline, CaseEvent, DeadlineRule
from disputes.permissions import WORKER
from disputes.states import ActorKind, CaseStatus
from disputes.tracking import worker_view
from disputes.workdays import WorkingCalendar
from organizations.states import OrgType, Role
from referrals import handoffs
from referrals.legal_aid import (
    legal_aid_clock,
    legal_aid_lawyer_assign,
    legal_aid_on_case_event,
    legal_aid_outcome_record,
    legal_aid_overdue_q,
    legal_aid_request,
)
from referrals.models import Handoff, HandoffDelivery, LegalAidRequest
from referrals.states import HandoffKind, HandoffStatus

from ..factories import TEST_PIN, OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def centres(directory):
    """The city's legal-aid centre (the case's district has none: the nearest one up the tree), another in the
    south district, and a staff member of each."""
    city = OrganizationFactory(
        code="la-city",
        name="示范市法律援助中心",
        region=directory.city,
        type=OrgType.LEGAL_AID,
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )
    south = OrganizationFactory(
        code="la-south",
        name="南区法律援助工作站",
        region=directory.south,
        type=OrgType.LEGAL_AID,
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )
    return SimpleNamespace(
        city=city,
        south=south,
        staff=make_staff(org=city, role=Role.LEGAL_AID, username="aid_city"),
        south_staff=make_staff(org=south, role=Role.LEGAL_AID, username="aid_south"),
    )


@pytest.fixture
def case(directory):
    return case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)


def _ask(case, *, actor=WORKER, **overrides):
    data = {
        "reason": "单位拖欠三个月工资，我不懂仲裁程序，想请律师。",
        "affordability": "cannot",
        "migrant_worker": True,
        "consent": True,
    }
    data.update(overrides)
    return legal_aid_request(case_id=case.pk, actor=actor, **data)


def _granted(aid, centres):
    handoffs.handoff_answer(
        handoff_id=aid.handoff_id, action="accept", actor=centres.staff, reference="援字1号"
    )
    aid.refresh_from_db()
    return aid


# --- The request ----------------------------------------------------------------------------------------------
def test_a_worker_request_becomes_a_handoff_to_the_nearest_centre_up_the_region_tree(
    case, centres, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        aid = _ask(case)
    handoff = aid.handoff
    assert (handoff.kind, handoff.to_org, handoff.from_org) == (
        HandoffKind.LEGAL_AID,
        centres.city,
        case.station,
    )
    assert handoff.event.transition == "legal_aid_requested"
    assert handoff.event.actor_kind == ActorKind.WORKER
    assert aid.requested_by == ActorKind.WORKER
    # The centre works the case: the whole packet (ID number included), with the request in it.
    packet = handoff.packet
    assert packet["worker"]["id_number"] == case.worker_id_number
    assert packet["request"]["reason"].startswith("单位拖欠")
    assert packet["request"]["means_test_exempt"] is True
    assert packet["request"]["urgent"] is False
    assert packet["request"]["decision_due_on"] == aid.decision_due_on.isoformat()
    assert HandoffDelivery.objects.filter(handoff=handoff).count() == 1
    assert len(callbacks) == 2  # the history event's announcement and the inbox delivery, after commit
    assert not CaseEvent.objects.filter(
        case=case, transition="handoff_sent"
    ).exists()  # the request is the event


def test_the_decision_is_due_seven_days_after_receipt_and_moves_past_a_holiday(case, centres):
    assert _ask(case, today=date(2026, 3, 2)).decision_due_on == date(2026, 3, 9)
    Handoff.objects.filter(case=case).update(status=HandoffStatus.DECLINED)
    calendar = WorkingCalendar.from_database()
    received = date(2026, 9, 26)  # seven days later is 3 October, in the National Day holiday
    due = _ask(case, today=received).decision_due_on
    assert due > received + timedelta(days=7)
    assert calendar.is_working_day(due)
    assert not any(
        calendar.is_working_day(received + timedelta(days=n)) for n in range(7, (due - received).days)
    )


@pytest.mark.parametrize(
    ("categories", "migrant", "exempt"),
    [
        (["wages"], True, True),
        (["work_injury"], True, True),
        (["overtime", "dismissal"], True, True),
        (["dismissal"], True, False),
        (["wages"], False, False),
    ],
)
def test_no_means_test_for_a_migrant_worker_claiming_pay_or_injury_compensation(
    directory, centres, categories, migrant, exempt
):
    case = case_in_state(
        CaseStatus.ACCEPTED, station=directory.station, region=directory.north, claims=categories
    )
    aid = _ask(case, migrant_worker=migrant)
    assert aid.means_test_exempt is exempt
    assert aid.handoff.packet["request"]["means_test_basis"] == ("《法律援助法》第四十二条" if exempt else "")


def _deadline(case, *, days: int, name="劳动仲裁时效"):
    rule, _ = DeadlineRule.objects.get_or_create(
        code=f"test.rule.{days}",
        defaults={
            "name": name,
            "worker_text": name,
            "source": "劳动争议调解仲裁法第二十七条",
            "trigger": "submit",
        },
    )
    return CaseDeadline.objects.create(
        case=case,
        rule=rule,
        starts_on=timezone.localdate(),
        due_on=timezone.localdate() + timedelta(days=days),
    )


def test_a_request_with_a_deadline_seven_days_away_or_less_is_urgent(case, centres):
    _deadline(case, days=10, name="较远的期限")
    _deadline(case, days=7)
    aid = _ask(case)
    assert aid.urgent is True
    assert (aid.urgent_deadline, aid.urgent_due_on) == (
        "劳动仲裁时效",
        timezone.localdate() + timedelta(days=7),
    )
    assert aid.handoff.packet["request"]["urgent_deadline"]["name"] == "劳动仲裁时效"
    texts = [item.text for item in worker_view(case=case).history]
    assert any("可以先行提供法律援助" in text for text in texts)


def test_a_deadline_further_away_or_already_met_is_not_urgent(case, centres):
    _deadline(case, days=8)
    met = _deadline(case, days=2, name="已完成的期限")
    CaseDeadline.objects.filter(pk=met.pk).update(met_at=timezone.now())
    assert _ask(case).urgent is False


def test_one_running_request_at_a_time(case, centres):
    first = _ask(case)
    with pytest.raises(TransitionConflict) as refused:
        _ask(case)
    assert "正在办理" in str(refused.value)
    handoffs.handoff_answer(
        handoff_id=first.handoff_id, action="decline", actor=centres.staff, reason="不属于本中心受理范围"
    )
    assert _ask(case).pk != first.pk  # a declined request may be followed by a new one


def test_refusals_say_why(directory, case, centres):
    with pytest.raises(ValidationError) as no_consent:
        _ask(case, consent=False)
    assert "consent" in no_consent.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        _ask(case, reason="  ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(PermissionDenied):
        _ask(case, actor=directory.staff["other_mediator"])
    closed = case_in_state(CaseStatus.CLOSED, station=directory.station, region=directory.north)
    with pytest.raises(TransitionConflict):
        _ask(closed)
    assert not LegalAidRequest.objects.exists()


def test_without_a_centre_the_worker_is_told_to_call_12348(directory):
    lonely = case_in_state(CaseStatus.ACCEPTED, station=directory.station, region=directory.north)
    with pytest.raises(ValidationError) as refused:
        _ask(lonely)
    assert "12348" in " ".join(refused.value.messages)


def test_staff_working_the_case_record_the_request(case, centres, directory):
    aid = _ask(case, actor=directory.staff["mediator"])
    assert aid.requested_by == ActorKind.STAFF
    texts = [item.text for item in worker_view(case=case).history]
    assert any(text.startswith("工作人员已为您向示范市法律援助中心申请法律援助") for text in texts)


def test_a_rolled_back_request_leaves_nothing_and_publishes_nothing(
    case, centres, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        _ask(case)
        raise RuntimeError("the request failed afterwards")
    assert not LegalAidRequest.objects.exists()
    assert not Handoff.objects.exists()
    assert callbacks == []


# --- The centre decides and assigns ------------------------------------------------------------------------------
def test_granting_aid_starts_the_three_day_clock_for_the_lawyer(case, centres):
    aid = _ask(case)
    assert aid.assign_due_on is None
    aid = _granted(aid, centres)
    today = timezone.localdate()
    assert aid.assign_due_on >= today + timedelta(days=3)
    assert WorkingCalendar.from_database().is_working_day(aid.assign_due_on)


def test_the_assignment_clock_counts_from_the_day_of_the_grant(case, centres):
    aid = _ask(case)
    granted_on_thursday = SimpleNamespace(
        transition="handoff_accepted",
        payload={"kind": HandoffKind.LEGAL_AID, "handoff": aid.handoff_id},
        created_at=datetime(2026, 3, 5, 16, 0, tzinfo=SHANGHAI),
    )
    legal_aid_on_case_event(case=case, event=granted_on_thursday)
    aid.refresh_from_db()
    assert aid.assign_due_on == date(2026, 3, 9)  # 8 March is a Sunday: the next working day
    other = SimpleNamespace(
        transition="handoff_accepted", payload={"kind": "arbitration"}, created_at=timezone.now()
    )
    legal_aid_on_case_event(case=case, event=other)  # another kind of handoff: nothing to do


def test_only_the_centre_assigns_a_lawyer_and_only_after_granting_aid(case, centres, directory):
    aid = _ask(case)
    lawyer = {"lawyer_name": "王律师", "law_firm": "示范律师事务所", "lawyer_phone": "0577-88889999"}
    with pytest.raises(TransitionConflict):
        legal_aid_lawyer_assign(request_id=aid.pk, actor=centres.staff, **lawyer)
    _granted(aid, centres)
    with pytest.raises(PermissionDenied):  # the station sent it and sees it, but does not assign
        legal_aid_lawyer_assign(request_id=aid.pk, actor=directory.staff["mediator"], **lawyer)
    with pytest.raises(LegalAidRequest.DoesNotExist):  # another centre does not even see it
        legal_aid_lawyer_assign(request_id=aid.pk, actor=centres.south_staff, **lawyer)
    with pytest.raises(ValidationError):
        legal_aid_lawyer_assign(
            request_id=aid.pk, actor=centres.staff, **{**lawyer, "lawyer_phone": "call me"}
        )
    assignment = legal_aid_lawyer_assign(request_id=aid.pk, actor=centres.staff, **lawyer)
    assert aid.lawyer == assignment
    assert Handoff.objects.get(pk=aid.handoff_id).assignee_name == "王律师"
    event = CaseEvent.objects.get(case=case, transition="legal_aid_lawyer_assigned")
    assert "lawyer_phone" not in event.payload and "0577" not in str(event.payload)
    texts = [item.text for item in worker_view(case=case).history]
    assert any("已指派示范律师事务所的王律师律师" in text for text in texts)


def test_a_new_assignment_replaces_the_lawyer(case, centres):
    aid = _granted(_ask(case), centres)
    legal_aid_lawyer_assign(
        request_id=aid.pk,
        actor=centres.staff,
        lawyer_name="王律师",
        law_firm="甲所",
        lawyer_phone="13800000001",
    )
    legal_aid_lawyer_assign(
        request_id=aid.pk,
        actor=centres.staff,
        lawyer_name="李律师",
        law_firm="乙所",
        lawyer_phone="13800000002",
    )
    assert aid.lawyer.lawyer_name == "李律师"
    assert aid.assignments.count() == 2


def test_the_outcome_completes_the_handoff_once(case, centres):
    aid = _ask(case)
    with pytest.raises(TransitionConflict) as early:
        legal_aid_outcome_record(request_id=aid.pk, actor=centres.staff, result="advice", outcome="已解答")
    assert "请先决定给予法律援助" in str(early.value)
    aid = _granted(aid, centres)
    with pytest.raises(ValidationError):
        legal_aid_outcome_record(request_id=aid.pk, actor=centres.staff, result="won", outcome="胜诉")
    legal_aid_outcome_record(
        request_id=aid.pk, actor=centres.staff, result="represented_arbitration", outcome="代理仲裁，调解结案"
    )
    legal_aid_outcome_record(request_id=aid.pk, actor=centres.staff, result="advice", outcome="再来一次")
    aid.refresh_from_db()
    assert aid.result == "represented_arbitration"
    assert aid.handoff.completed_at is not None
    assert aid.handoff.outcome == "代理劳动仲裁：代理仲裁，调解结案"
    assert CaseEvent.objects.filter(case=case, transition="handoff_completed").count() == 1
    with pytest.raises(TransitionConflict):
        legal_aid_lawyer_assign(
            request_id=aid.pk,
            actor=centres.staff,
            lawyer_name="王律师",
            law_firm="甲所",
            lawyer_phone="13800000001",
        )


def test_overdue_decisions_and_assignments(case, centres):
    aid = _ask(case)
    today = timezone.localdate()
    LegalAidRequest.objects.filter(pk=aid.pk).update(decision_due_on=today - timedelta(days=1))
    aid.refresh_from_db()
    assert legal_aid_clock(aid).decision_overdue is True
    assert list(LegalAidRequest.objects.filter(legal_aid_overdue_q(today=today))) == [aid]
    aid = _granted(aid, centres)
    assert legal_aid_clock(aid).decision_overdue is False  # decided, late or not
    LegalAidRequest.objects.filter(pk=aid.pk).update(assign_due_on=today - timedelta(days=1))
    aid.refresh_from_db()
    assert legal_aid_clock(aid).assign_overdue is True
    assert LegalAidRequest.objects.filter(legal_aid_overdue_q(today=today)).count() == 1
    legal_aid_lawyer_assign(
        request_id=aid.pk,
        actor=centres.staff,
        lawyer_name="王律师",
        law_firm="甲所",
        lawyer_phone="13800000001",
    )
    assert legal_aid_clock(aid).assign_overdue is False
    assert not LegalAidRequest.objects.filter(legal_aid_overdue_q(today=today)).exists()


# --- The worker's pages ---------------------------------------------------------------------------------------------
def _open(client, case):
    response = client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": TEST_PIN})
    assert response.status_code == 302
    return client


def test_the_worker_asks_on_track_and_later_sees_the_lawyer(client, case, centres):
    url = reverse("referrals:track-legal-aid")
    assert client.get(url).status_code == 302  # no opened case: back to the code and PIN
    _open(client, case)
    page = client.get("/track/").content.decode()
    assert 'data-testid="legal-aid-apply"' in page
    assert "不需要审查经济困难状况" in page
    form = client.get(url).content.decode()
    assert "示范市法律援助中心" in form
    refused = client.post(url, {"reason": "请律师", "affordability": "cannot"})
    assert refused.status_code == 200
    assert "请先勾选同意" in refused.content.decode()
    assert not LegalAidRequest.objects.exists()
    done = client.post(
        url,
        {"reason": "请律师帮我申请仲裁", "affordability": "cannot", "migrant_worker": "on", "consent": "on"},
    )
    assert done.status_code == 302 and done["Location"].endswith("/track/#legal-aid")
    aid = LegalAidRequest.objects.get(case=case)
    assert aid.requested_by == ActorKind.WORKER and aid.means_test_exempt
    page = client.get("/track/").content.decode()
    assert "等待决定是否给予法律援助" in page
    assert 'data-testid="legal-aid-apply"' not in page
    again = client.get(url)
    assert again.status_code == 302  # one running request: the form is not offered again

    _granted(aid, centres)
    legal_aid_lawyer_assign(
        request_id=aid.pk,
        actor=centres.staff,
        lawyer_name="王律师",
        law_firm="示范律师事务所",
        lawyer_phone="13800001111",
    )
    page = client.get("/track/").content.decode()
    assert "王律师" in page and "示范律师事务所" in page and 'href="tel:13800001111"' in page
    legal_aid_outcome_record(
        request_id=aid.pk, actor=centres.staff, result="advice", outcome="已解答并代写仲裁申请书"
    )
    page = client.get("/track/").content.decode()
    assert "已代写仲裁申请书" in page or "已解答并代写仲裁申请书" in page
    assert "法律援助已经办结" in page


def test_a_declined_request_shows_the_reason_and_where_to_object(client, case, centres):
    aid = _ask(case)
    handoffs.handoff_answer(
        handoff_id=aid.handoff_id, action="decline", actor=centres.staff, reason="已有代理律师"
    )
    page = _open(client, case).get("/track/").content.decode()
    assert "决定不予法律援助" in page and "已有代理律师" in page and "第四十九条" in page
    assert 'data-testid="legal-aid-apply"' in page  # and may ask again


# --- The admin ------------------------------------------------------------------------------------------------------
def test_the_inbox_shows_the_clock_and_the_urgent_flag_and_takes_the_lawyer(client, case, centres):
    _deadline(case, days=3)
    aid = _ask(case)
    client.force_login(centres.staff)
    listing = client.get(
        reverse("admin:referrals_handoff_changelist") + "?direction=received"
    ).content.decode()
    assert (
        case.tracking_code in listing and "先行援助" in listing and aid.decision_due_on.isoformat() in listing
    )
    urgent_only = client.get(
        reverse("admin:referrals_handoff_changelist") + "?legal_aid=urgent"
    ).content.decode()
    assert case.tracking_code in urgent_only
    change = reverse("admin:referrals_handoff_change", args=[aid.handoff_id])
    page = client.get(change).content.decode()
    assert 'data-testid="legal-aid-urgent"' in page and "单位拖欠三个月工资" in page
    assert 'data-aftercare="lawyer"' not in page  # aid not granted yet
    client.post(reverse("admin:referrals_handoff_answer", args=[aid.handoff_id, "accept"]), {})
    page = client.get(change).content.decode()
    assert 'data-aftercare="lawyer"' in page and 'data-testid="assign-due"' in page
    lawyer_url = reverse("admin:referrals_handoff_aftercare", args=[aid.handoff_id, "lawyer"])
    response = client.post(
        lawyer_url, {"lawyer_name": "周律师", "law_firm": "公益律师事务所", "lawyer_phone": "13900002222"}
    )
    assert response.status_code == 302
    assert aid.lawyer.lawyer_name == "周律师"
    outcome_url = reverse("admin:referrals_handoff_aftercare", args=[aid.handoff_id, "outcome"])
    client.post(outcome_url, {"result": "represented_arbitration", "outcome": "代理仲裁"})
    aid.refresh_from_db()
    assert aid.result == "represented_arbitration"


def test_the_station_records_a_request_in_the_admin_and_others_see_nothing(client, case, centres, directory):
    client.force_login(directory.staff["mediator"])
    changelist = reverse("admin:referrals_legalaidrequest_changelist")
    assert 'id="aftercare-request-link"' in client.get(changelist).content.decode()
    url = reverse("admin:referrals_legalaidrequest_request")
    unknown = client.post(
        url, {"tracking_code": "ZZZZ-ZZZZ", "reason": "x", "affordability": "unsure", "consent": "on"}
    )
    assert "未找到该案件" in unknown.content.decode()
    response = client.post(
        url,
        {
            "tracking_code": case.tracking_code,
            "reason": "劳动者电话申请",
            "affordability": "unsure",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    aid = LegalAidRequest.objects.get(case=case)
    assert aid.requested_by == ActorKind.STAFF
    client.force_login(directory.staff["other_mediator"])
    assert case.tracking_code not in client.get(changelist).content.decode()
    assert client.get(reverse("admin:referrals_legalaidrequest_change", args=[aid.pk])).status_code == 404
    assert client.get(reverse("admin:referrals_handoff_change", args=[aid.handoff_id])).status_code == 404
    client.force_login(centres.staff)
    page = client.get(reverse("admin:referrals_legalaidrequest_change", args=[aid.pk])).content.decode()
    assert "劳动者电话申请" in page
