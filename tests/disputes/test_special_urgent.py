"""Special urgent cases (特事急诊): who may escalate, who is convened and told, the countdown, the one-case-one-plan,
one open consultation per case, and who sees what (participants see the case, personal data masked)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from disputes.exceptions import TransitionConflict
from disputes.models import CaseDeadline, CaseEvent, DeadlineRule
from disputes.models.urgent import ConsultationRole, UrgentConsultation, UrgentConsultationStatus
from disputes.permissions import can_see_case, can_see_personal_data
from disputes.selectors import case_list_visible_to
from disputes.states import CaseStatus as S
from disputes.tracking import history_sentence
from disputes.urgent import (
    ESCALATE,
    RECORD_PLAN,
    PlanAction,
    case_escalate_urgent,
    consultation_candidates,
    consultation_list_visible_to,
    consultation_record_plan,
)
from organizations.models import Membership
from organizations.states import OrgType, Role
from referrals.models import Notification
from referrals.states import NotificationChannel

from ..factories import OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db

# The seed the migration adds (reported to the lead); the tests run with --no-migrations, so they add it.
URGENT_RULE = {
    "code": "urgent.consultation",
    "name": "特事急诊会商期限（三个工作日）",
    "worker_text": "您的案件已列为特事急诊，联合会商将在三个工作日内制定处理方案",
    "source": "本平台特事急诊工作规则（非法定期限）",
    "source_status": "verified",
    "trigger": "escalate_urgent",
    "period_days": 3,
    "day_type": "working",
    "active_states": [],
    "met_by": ["record_urgent_plan"],
    "remind_days_before": [1],
    "consequence": "逾期未形成一案一策的，提醒调解站管理员和主管部门督办。",
}


@pytest.fixture
def urgent(directory):
    """The directory plus a people's mediation committee and a law firm in the north district, a legal aid
    centre in the city, and one staff member each; the deadline rule; a case in mediation at station A."""
    DeadlineRule.objects.get_or_create(code=URGENT_RULE["code"], defaults=URGENT_RULE)
    pm = OrganizationFactory(
        code="pm-north", name="北区人民调解委员会", region=directory.north, type=OrgType.PEOPLES_MEDIATION
    )
    firm = OrganizationFactory(
        code="firm-north", name="北区公益律师事务所", region=directory.north, type=OrgType.LAW_FIRM
    )
    aid = OrganizationFactory(
        code="aid-city", name="示范市法律援助中心", region=directory.city, type=OrgType.LEGAL_AID
    )
    directory.pm, directory.firm, directory.aid = pm, firm, aid
    directory.staff.update(
        {
            "peoples_mediator": make_staff(org=pm, role=Role.MEDIATOR, username="pm_north"),
            "lawyer": make_staff(org=firm, role=Role.LEGAL_AID, username="lawyer_north"),
            "aid_lawyer": make_staff(org=aid, role=Role.LEGAL_AID, username="aid_city"),
        }
    )
    directory.case = case_in_state(S.IN_MEDIATION, station=directory.station)
    return directory


def escalate(d, actor_key="station_admin", **kwargs):
    return case_escalate_urgent(
        case_id=d.case.pk,
        actor=d.staff[actor_key],
        reason=kwargs.pop("reason", "三十名骑手集体欠薪"),
        **kwargs,
    )


def plan(d, consultation, actor_key="arbitrator"):
    return consultation_record_plan(
        consultation_id=consultation.pk,
        actor=d.staff[actor_key],
        summary="平台先行垫付，站点补签用工协议",
        actions=[
            PlanAction(what="垫付两个月工资", who="平台", due_on=date(2026, 12, 1)),
            PlanAction(what="出具法律意见", who="公益律师", due_on=date(2026, 11, 25)),
        ],
    )


# --- Who is convened ---------------------------------------------------------------------------------------
def test_candidates_come_from_the_nearest_commission_and_the_case_region(urgent):
    candidates = consultation_candidates(case=urgent.case)
    assert [c.username for c in candidates[ConsultationRole.ARBITRATOR]] == ["arbitrator"]
    assert (
        candidates[ConsultationRole.ARBITRATOR][0].organization == urgent.commission
    )  # city: nearest parent
    assert [c.username for c in candidates[ConsultationRole.PEOPLES_MEDIATOR]] == ["pm_north"]
    # the north district's law firm first (the default), then the city's legal aid centre
    assert [c.username for c in candidates[ConsultationRole.LAWYER]] == ["lawyer_north", "aid_city"]


def test_unavailable_staff_are_skipped(urgent):
    Membership.objects.filter(user=urgent.staff["lawyer"]).update(is_available=False)
    candidates = consultation_candidates(case=urgent.case)
    assert [c.username for c in candidates[ConsultationRole.LAWYER]] == ["aid_city"]


def test_the_default_is_the_least_loaded_candidate(urgent):
    second = make_staff(org=urgent.commission, role=Role.ARBITRATOR, username="arbitrator_2")
    other_case = case_in_state(S.ACCEPTED, station=urgent.station)
    case_escalate_urgent(
        case_id=other_case.pk, actor=urgent.staff["station_admin"], reason="x"
    )  # "arbitrator"
    candidates = consultation_candidates(case=urgent.case)[ConsultationRole.ARBITRATOR]
    assert [c.username for c in candidates] == [second.username, "arbitrator"]
    assert [c.open_consultations for c in candidates] == [0, 1]


def test_escalation_convenes_the_defaults_and_notifies_each_participant_in_app(
    urgent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        consultation = escalate(urgent)
    seats = {m.role: m.user.username for m in consultation.members.select_related("user")}
    assert seats == {
        ConsultationRole.ARBITRATOR: "arbitrator",
        ConsultationRole.PEOPLES_MEDIATOR: "pm_north",
        ConsultationRole.LAWYER: "lawyer_north",
    }
    event = CaseEvent.objects.get(case=urgent.case, transition=ESCALATE)
    assert event.from_state == event.to_state == S.IN_MEDIATION  # a history event, not a state change
    assert event.actor == urgent.staff["station_admin"]
    assert event.note == "三十名骑手集体欠薪"
    assert event.payload["consultation"] == consultation.pk
    notified = set(
        Notification.objects.filter(event=event, channel=NotificationChannel.IN_APP).values_list(
            "recipient_user__username", flat=True
        )
    )
    assert {"arbitrator", "pm_north", "lawyer_north"} <= notified
    assert "admin_a" not in notified  # the one who escalated is not told of their own step
    assert not Notification.objects.filter(event=event, to_worker=True).exists()
    body = Notification.objects.get(event=event, recipient_user=urgent.staff["lawyer"]).body
    assert urgent.case.tracking_code in body and "特事急诊" in body


def test_the_escalating_user_may_pick_each_participant(urgent):
    consultation = escalate(urgent, lawyer="aid_city")
    assert consultation.members.get(role=ConsultationRole.LAWYER).user == urgent.staff["aid_lawyer"]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"lawyer": "mediator_b"}, "lawyer"),  # staff of a station, not of a law firm or legal aid centre
        ({"arbitrator": "pm_north"}, "arbitrator"),
        ({"reason": "  "}, "reason"),
    ],
)
def test_an_ineligible_pick_or_a_missing_reason_is_invalid_and_writes_nothing(urgent, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        escalate(urgent, **kwargs)
    assert field in exc.value.message_dict
    assert not UrgentConsultation.objects.exists()
    assert not CaseEvent.objects.filter(transition=ESCALATE).exists()


def test_a_region_without_an_arbitrator_cannot_convene(urgent):
    Membership.objects.filter(role=Role.ARBITRATOR).delete()
    with pytest.raises(ValidationError) as exc:
        escalate(urgent)
    assert "arbitrator" in exc.value.message_dict


# --- Who may escalate ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["station_admin", "mediator", "official"])
def test_the_station_admin_a_mediator_of_the_station_or_an_official_of_the_region_may_escalate(urgent, who):
    consultation = escalate(urgent, actor_key=who)
    assert consultation.escalated_by == urgent.staff[who]


@pytest.mark.parametrize(
    "who", ["intake_clerk", "other_admin", "arbitrator", "court_clerk", "peoples_mediator"]
)
def test_others_may_not_escalate(urgent, who):
    user = urgent.staff[who]
    with pytest.raises(PermissionDenied):
        case_escalate_urgent(case_id=urgent.case.pk, actor=user, reason="x")
    assert not UrgentConsultation.objects.exists()


def test_a_closed_case_cannot_be_escalated(urgent):
    urgent.case = case_in_state(S.CLOSED, station=urgent.station)
    with pytest.raises(TransitionConflict):
        escalate(urgent)


def test_only_one_open_consultation_per_case(urgent):
    first = escalate(urgent)
    with pytest.raises(TransitionConflict) as exc:
        escalate(urgent, actor_key="mediator")
    assert "进行中" in str(exc.value)
    plan(urgent, first)
    second = escalate(urgent, actor_key="mediator")  # once the plan is recorded, a new one may open
    assert second.pk != first.pk and second.status == UrgentConsultationStatus.OPEN


# --- Countdown and plan --------------------------------------------------------------------------------------
def test_the_countdown_starts_with_the_escalation_and_is_met_by_the_plan(
    urgent, django_capture_on_commit_callbacks
):
    consultation = escalate(urgent)
    deadline = CaseDeadline.objects.get(case=urgent.case, rule__code="urgent.consultation")
    assert deadline.met_at is None and deadline.is_active
    assert (deadline.due_on - deadline.starts_on).days >= 3  # three working days
    with django_capture_on_commit_callbacks(execute=True):
        closed = plan(urgent, consultation, actor_key="peoples_mediator")
    deadline.refresh_from_db()
    assert deadline.met_at is not None
    assert closed.status == UrgentConsultationStatus.CLOSED
    assert closed.plan_recorded_by == urgent.staff["peoples_mediator"]
    assert closed.plan_actions[0] == {"what": "垫付两个月工资", "who": "平台", "due_on": "2026-12-01"}
    event = CaseEvent.objects.get(case=urgent.case, transition=RECORD_PLAN)
    assert event.from_state == event.to_state == S.IN_MEDIATION
    told = set(Notification.objects.filter(event=event).values_list("recipient_user__username", flat=True))
    assert {"arbitrator", "lawyer_north"} <= told and "pm_north" not in told


def test_the_case_page_shows_the_countdown(urgent, client):
    escalate(urgent)
    client.force_login(urgent.staff["mediator"])
    page = client.get(reverse("admin:disputes_case_change", args=[urgent.case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert URGENT_RULE["name"] in html
    assert reverse("admin:disputes_urgentconsultation_escalate", args=[urgent.case.pk]) in html


def test_a_plan_is_recorded_once(urgent):
    consultation = escalate(urgent)
    plan(urgent, consultation)
    with pytest.raises(TransitionConflict):
        plan(urgent, consultation, actor_key="lawyer")
    assert CaseEvent.objects.filter(transition=RECORD_PLAN).count() == 1


def test_an_empty_plan_is_invalid(urgent):
    consultation = escalate(urgent)
    with pytest.raises(ValidationError) as exc:
        consultation_record_plan(
            consultation_id=consultation.pk, actor=urgent.staff["lawyer"], summary="", actions=[]
        )
    assert {"summary", "actions"} <= set(exc.value.message_dict)
    consultation.refresh_from_db()
    assert consultation.is_open


@pytest.mark.parametrize("who", ["official", "other_admin", "intake_clerk"])
def test_only_participants_and_the_station_record_the_plan(urgent, who):
    consultation = escalate(urgent)
    with pytest.raises(PermissionDenied):
        plan(urgent, consultation, actor_key=who)


# --- Who sees what -------------------------------------------------------------------------------------------
def test_participants_see_the_case_with_personal_data_masked(urgent):
    lawyer = urgent.staff["lawyer"]
    assert not can_see_case(urgent.case, lawyer)
    assert not case_list_visible_to(user=lawyer).filter(pk=urgent.case.pk).exists()
    escalate(urgent)
    for key in ("lawyer", "peoples_mediator", "arbitrator"):
        user = urgent.staff[key]
        assert can_see_case(urgent.case, user)
        assert list(case_list_visible_to(user=user).filter(pk=urgent.case.pk)) == [urgent.case]
        assert not can_see_personal_data(urgent.case, user)
    other = case_in_state(S.IN_MEDIATION, station=urgent.station)
    assert not can_see_case(other, lawyer)  # only the consultation's case
    assert not case_list_visible_to(user=lawyer).filter(pk=other.pk).exists()


def test_the_consultation_is_seen_by_participants_station_staff_and_the_escalating_official_only(urgent):
    consultation = escalate(urgent, actor_key="official")
    for who in (
        "arbitrator",
        "peoples_mediator",
        "lawyer",
        "station_admin",
        "mediator",
        "intake_clerk",
        "official",
    ):
        assert list(consultation_list_visible_to(user=urgent.staff[who])) == [consultation], who
    for who in ("other_admin", "other_mediator", "court_clerk", "aid_lawyer"):
        assert not consultation_list_visible_to(user=urgent.staff[who]).exists(), who


def test_the_admin_consultation_page_masks_personal_data_for_outside_participants(urgent, client):
    consultation = escalate(urgent)
    url = reverse("admin:disputes_urgentconsultation_change", args=[consultation.pk])
    client.force_login(urgent.staff["lawyer"])
    html = client.get(url).content.decode()
    assert "330302199001011234" not in html and "13812345678" not in html
    assert urgent.case.worker_id_masked in html and urgent.case.facts in html
    assert 'id="plan-form"' in html
    listing = client.get(reverse("admin:disputes_urgentconsultation_changelist"))
    assert listing.status_code == 200 and urgent.case.tracking_code in listing.content.decode()
    # the case page itself opens for the participant, masked as well
    case_page = client.get(reverse("admin:disputes_case_change", args=[urgent.case.pk]))
    assert case_page.status_code == 200 and "330302199001011234" not in case_page.content.decode()
    client.force_login(urgent.staff["mediator"])
    assert "330302199001011234" in client.get(url).content.decode()
    client.force_login(urgent.staff["other_admin"])
    assert client.get(url).status_code == 404


def test_the_admin_escalation_and_plan_pages(urgent, client, django_capture_on_commit_callbacks):
    client.force_login(urgent.staff["station_admin"])
    url = reverse("admin:disputes_urgentconsultation_escalate", args=[urgent.case.pk])
    form = client.get(url)
    assert form.status_code == 200 and "pm_north" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            url,
            {
                "reason": "集体欠薪",
                "arbitrator": "arbitrator",
                "peoples_mediator": "pm_north",
                "lawyer": "aid_city",
            },
        )
    consultation = UrgentConsultation.objects.get()
    page = reverse("admin:disputes_urgentconsultation_change", args=[consultation.pk])
    assert answer.status_code == 302 and answer["Location"] == page
    assert consultation.members.get(role=ConsultationRole.LAWYER).user.username == "aid_city"
    assert client.get(url)["Location"] == page  # the open consultation opens instead of a second form

    client.force_login(urgent.staff["aid_lawyer"])
    answer = client.post(
        page,
        {
            "plan-summary": "先行垫付",
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "0",
            "actions-0-what": "垫付工资",
            "actions-0-who": "平台",
            "actions-0-due_on": "2026-12-01",
            "actions-1-what": "",
            "actions-1-who": "",
            "actions-1-due_on": "",
        },
    )
    assert answer.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == UrgentConsultationStatus.CLOSED
    assert consultation.plan_actions == [{"what": "垫付工资", "who": "平台", "due_on": "2026-12-01"}]
    assert "垫付工资" in client.get(page).content.decode()

    client.force_login(urgent.staff["intake_clerk"])  # sees the case, may not escalate it
    urgent.case = case_in_state(S.ACCEPTED, station=urgent.station)
    assert (
        client.get(reverse("admin:disputes_urgentconsultation_escalate", args=[urgent.case.pk])).status_code
        == 403
    )


def test_the_worker_reads_the_steps_in_plain_words_without_the_note(urgent):
    consultation = escalate(urgent)
    plan(urgent, consultation)
    for event in CaseEvent.objects.filter(transition__in=[ESCALATE, RECORD_PLAN]):
        sentence = history_sentence(event)
        assert "特事急诊" in sentence or "一案一策" in sentence
        assert event.note not in sentence
