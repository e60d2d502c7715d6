"""Extending a legal deadline as the law allows: the award period by up to 15 days with the commission chair's
approval (LDMAL Art. 43), the one-stop mediation period by up to 15 days with both parties' consent. The
extension is a history event the deadline is recomputed from; the API, the case page's form and the worker's
history all show it; nothing else can be extended, and nothing past, met or already extended in full."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from arbitration import services as arbitration
from disputes.deadlines import EXTEND_EVENT
from disputes.exceptions import DeadlineConflict
from disputes.models import CaseDeadline, CaseEvent, DeadlineRule
from disputes.services import case_deadlines_refresh, deadline_extend
from disputes.tracking import worker_view
from disputes.workdays import WorkingCalendar
from referrals.models import Notification
from referrals.states import NotificationChannel
from stats.models import DeadlineSnapshot

from .conftest import file_case, hearing_in

pytestmark = pytest.mark.django_db
APPROVAL = "经仲裁委员会主任张某某于2026年11月20日批准，已书面通知双方当事人。"


@pytest.fixture
def hearing(directory, referred):
    case, _pin = referred
    arbitration.arbitration_accept(
        case_id=case.pk, actor=directory.staff["arbitrator"], hearing=hearing_in(7)
    )
    return case


def award(case) -> CaseDeadline:
    return CaseDeadline.objects.select_related("rule").get(case=case, rule__code="arb.award")


def period_end(deadline, days):
    """Where a period of ``days`` from the deadline's start ends (a last day that is a rest day moves on to the
    next working day: CPL Art. 85)."""
    due, _provisional = WorkingCalendar.from_database().add_period(
        deadline.starts_on, days=days, day_type=deadline.rule.day_type
    )
    return due


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def extend_url(case, code="arb.award"):
    return f"/api/v1/cases/{case.pk}/deadlines/{code}/extend/"


def test_the_award_period_is_extended_once(directory, hearing):
    before = award(hearing)
    assert before.extended_days == 0 and before.rule.max_extension_days == 15

    after = deadline_extend(
        case_id=hearing.pk,
        rule_code="arb.award",
        actor=directory.staff["arbitrator"],
        days=10,
        reason=APPROVAL,
    )

    assert after.due_on == period_end(before, 45 + 10) and after.extended_days == 10
    assert award(hearing).due_on == after.due_on  # stored
    event = CaseEvent.objects.get(case=hearing, transition=EXTEND_EVENT)
    assert event.payload == {
        "rule": "arb.award",
        "rule_name": before.rule.name,
        "days": 10,
        "due_on": after.due_on.isoformat(),
    }
    assert event.note == APPROVAL and event.actor == directory.staff["arbitrator"]
    hearing.refresh_from_db()
    assert hearing.next_due_on == min(
        d.due_on for d in CaseDeadline.objects.filter(case=hearing, is_active=True, met_at__isnull=True)
    )
    # The statistics count against the extended date.
    assert DeadlineSnapshot.objects.get(case_id=hearing.pk, rule_id=before.rule_id).due_on == after.due_on

    # The worker reads the new date, never the approval's wording.
    history = [item.text for item in worker_view(case=hearing).history]
    assert any(f"延长 10 日，现在于 {after.due_on.isoformat()} 届满" in text for text in history)
    assert not any("张某某" in text for text in history)

    # Once: the five days the law would still allow are not granted by a second extension.
    with pytest.raises(DeadlineConflict, match="不能再次延长"):
        deadline_extend(
            case_id=hearing.pk,
            rule_code="arb.award",
            actor=directory.staff["arbitrator"],
            days=5,
            reason=APPROVAL,
        )
    assert CaseEvent.objects.filter(case=hearing, transition=EXTEND_EVENT).count() == 1


def test_more_than_fifteen_days_is_refused(directory, hearing):
    with pytest.raises(ValidationError) as exc:
        deadline_extend(
            case_id=hearing.pk,
            rule_code="arb.award",
            actor=directory.staff["arbitrator"],
            days=16,
            reason=APPROVAL,
        )
    assert "1 到 15" in str(exc.value.message_dict["days"])
    full = deadline_extend(
        case_id=hearing.pk,
        rule_code="arb.award",
        actor=directory.staff["arbitrator"],
        days=15,
        reason=APPROVAL,
    )
    assert full.due_on == period_end(award(hearing), 45 + 15) and full.extended_days == 15


def test_only_the_commission_hearing_the_case_may_extend_and_only_with_a_reason(directory, hearing):
    for who in ("mediator", "court_clerk", "official"):
        with pytest.raises(PermissionDenied):
            deadline_extend(
                case_id=hearing.pk, rule_code="arb.award", actor=directory.staff[who], days=5, reason=APPROVAL
            )
    with pytest.raises(ValidationError) as exc:
        deadline_extend(
            case_id=hearing.pk,
            rule_code="arb.award",
            actor=directory.staff["arbitrator"],
            days=0,
            reason="  ",
        )
    assert set(exc.value.message_dict) == {"days", "reason"}
    assert not CaseEvent.objects.filter(case=hearing, transition=EXTEND_EVENT).exists()


def test_a_deadline_the_law_does_not_extend_or_that_is_met_or_past_is_refused(directory, hearing):
    arbitrator = directory.staff["arbitrator"]
    # The acceptance decision was met when the commission accepted: even were its rule extendable, it is done.
    DeadlineRule.objects.filter(code="arb.acceptance_decision").update(max_extension_days=5)
    with pytest.raises(DeadlineConflict, match="已完成或不再计算"):
        deadline_extend(
            case_id=hearing.pk, rule_code="arb.acceptance_decision", actor=arbitrator, days=1, reason=APPROVAL
        )
    fixed = CaseDeadline.objects.filter(case=hearing, rule__max_extension_days=0).values_list(
        "rule__code", flat=True
    )
    assert fixed  # the limitation period, the station's acceptance…
    with pytest.raises(DeadlineConflict, match="依法不能延长"):
        deadline_extend(case_id=hearing.pk, rule_code=fixed[0], actor=arbitrator, days=1, reason=APPROVAL)
    with pytest.raises(CaseDeadline.DoesNotExist):
        deadline_extend(
            case_id=hearing.pk, rule_code="jc.decision", actor=arbitrator, days=1, reason=APPROVAL
        )
    CaseDeadline.objects.filter(case=hearing, rule__code="arb.award").update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(DeadlineConflict, match="届满后不能再延长"):
        deadline_extend(case_id=hearing.pk, rule_code="arb.award", actor=arbitrator, days=1, reason=APPROVAL)


def test_the_mediation_period_is_extended_by_the_station_with_both_parties_consent(directory):
    case, pin = file_case(directory)
    deadline = CaseDeadline.objects.select_related("rule").get(case=case, rule__code="mediation.arb_unlock")
    assert deadline.rule.max_extension_days == 15 and "双方当事人同意" in deadline.rule.extension_basis
    with pytest.raises(PermissionDenied):
        deadline_extend(
            case_id=case.pk, rule_code="mediation.arb_unlock", actor=directory.staff["other_mediator"], days=15,
            reason="双方同意",
        )  # fmt: skip
    extended = deadline_extend(
        case_id=case.pk,
        rule_code="mediation.arb_unlock",
        actor=directory.staff["mediator"],
        days=15,
        reason="双方当事人于11月20日电话表示同意延长调解期限。",
    )
    assert extended.due_on == period_end(deadline, 15 + 15) > deadline.due_on
    # Every later change recomputes the deadlines from the history, which keeps the extension.
    case_deadlines_refresh(case=case)
    assert CaseDeadline.objects.get(pk=extended.pk).due_on == extended.due_on

    # The worker reads the new date and that it was extended, in the API and on the page.
    answer = APIClient().post("/api/v1/track/", {"tracking_code": case.tracking_code, "access_pin": pin})
    row = next(d for d in answer.json()["deadlines"] if d["code"] == "mediation.arb_unlock")
    assert row["due_on"] == extended.due_on.isoformat() and row["extended_days"] == 15
    page = worker_view(case=case)
    assert next(d for d in page.deadlines if d.code == "mediation.arb_unlock").extended_days == 15


def test_the_api_extends_and_answers_each_refusal_with_its_status(directory, hearing):
    arbitrator = as_user(directory.staff["arbitrator"])
    answer = arbitrator.get(f"/api/v1/cases/{hearing.pk}/").json()
    row = next(d for d in answer["deadlines"] if d["code"] == "arb.award")
    assert row["extended_days"] == 0 and row["extendable_days"] == 15

    assert (
        arbitrator.post(
            extend_url(hearing, "no.such.rule"), {"days": 1, "reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        as_user(directory.staff["mediator"]).post(extend_url(hearing), {"days": 1, "reason": "x"}, format="json").status_code
        == 403
    )  # fmt: skip
    bad = arbitrator.post(extend_url(hearing), {"days": 0, "reason": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"days", "reason"}
    too_many = arbitrator.post(extend_url(hearing), {"days": 16, "reason": APPROVAL}, format="json")
    assert too_many.status_code == 400 and "1 到 15" in str(too_many.json()["errors"]["days"])

    done = arbitrator.post(extend_url(hearing), {"days": 15, "reason": APPROVAL}, format="json")
    assert done.status_code == 200
    row = next(d for d in done.json()["deadlines"] if d["code"] == "arb.award")
    assert row["extended_days"] == 15 and row["extendable_days"] == 0
    again = arbitrator.post(extend_url(hearing), {"days": 1, "reason": APPROVAL}, format="json")
    assert again.status_code == 409 and "不能再次延长" in again.json()["detail"]


def test_the_case_page_links_the_form_for_the_arbitrator_only(client, directory, hearing):
    page_url = reverse("admin:disputes_case_change", args=[hearing.pk])
    form_url = reverse("admin:disputes_casedeadline_extend", args=[hearing.pk, "arb.award"])

    client.force_login(directory.staff["official"])
    assert form_url not in client.get(page_url).content.decode()
    assert client.get(form_url).status_code == 403

    client.force_login(directory.staff["arbitrator"])
    assert form_url in client.get(page_url).content.decode()
    form = client.get(form_url)
    assert form.status_code == 200 and "最多还能延长 15 日" in form.content.decode()
    refused = client.post(form_url, {"days": "16", "reason": APPROVAL})
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    done = client.post(form_url, {"days": "15", "reason": APPROVAL}, follow=True)
    assert "已延长" in done.content.decode() and "已依法延长 15 日" in done.content.decode()
    assert form_url not in done.content.decode()  # nothing left to extend
    assert (
        client.get(reverse("admin:disputes_casedeadline_extend", args=[hearing.pk, "x"])).status_code == 404
    )


def test_the_worker_is_told_by_sms_and_the_station_in_app(
    directory, settings, django_capture_on_commit_callbacks
):
    settings.SMS_QUIET_HOURS = ""
    case, _pin = file_case(directory)
    with django_capture_on_commit_callbacks(execute=True):
        deadline_extend(
            case_id=case.pk,
            rule_code="mediation.arb_unlock",
            actor=directory.staff["station_admin"],
            days=7,
            reason="双方当事人书面同意延长七日。",
        )
    event = CaseEvent.objects.get(case=case, transition=EXTEND_EVENT)
    sms = Notification.objects.get(event=event, to_worker=True, channel=NotificationChannel.SMS)
    assert sms.body == (
        f"【一站式劳动争议调处】您的申请（查询码 {case.tracking_code}）：依法延长期限。"
        "请凭查询码和密码查看新的届满日期。"
    )
    assert "书面同意" not in sms.body
    mediator = Notification.objects.get(event=event, recipient_user=directory.staff["mediator"])
    assert mediator.body == f"案件 {case.tracking_code}：依法延长期限"
