"""Legal aid (法律援助法 Arts. 42–44): the worker's request becomes a handoff to the legal-aid centre, the centre
decides with the handoff's answers, assigns a lawyer, and reports the outcome.

Guarantees, and where they are enforced:

- **A request is one transaction.** :func:`legal_aid_request` writes the history event ``legal_aid_requested``,
  the handoff (full packet: the centre works the case) with the request in it, and the
  :class:`~referrals.models.LegalAidRequest`, under the case's row lock; a second request while one is running is a
  409 (:func:`referrals.aftercare.refuse_duplicate`).
- **The law's clock is on the row.** The centre decides within ``LEGAL_AID_DECISION_DAYS`` (7) of receiving the
  request and assigns a lawyer within ``LEGAL_AID_ASSIGN_DAYS`` (3) of granting aid (Art. 43), counted by
  :class:`disputes.workdays.WorkingCalendar` (first day not counted, a last day on a holiday moves to the next
  working day). The assignment due date is set by the case effect :func:`legal_aid_on_case_event` in the
  transaction of the centre's acceptance. What is overdue is computed from these dates (:func:`legal_aid_clock`).
- **Aid first when time is short.** A request made while one of the case's running deadlines (limitation, the
  arbitration windows…) is ``LEGAL_AID_FAST_TRACK_DAYS`` (7) days away or less is marked urgent on the row, in the
  packet and in the inbox (Art. 44: aid may start before the decision).
- **No means test where the law says so.** A migrant worker claiming pay or work-injury compensation is not
  means-tested (Art. 42(3)); the request records it and says so to the centre.
- **Only the centre answers.** Assigning a lawyer and reporting the outcome are for the receiving centre's staff
  (403), on a handoff they may see (404 otherwise), while the handoff is accepted and not completed (409).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.exceptions import TransitionConflict
from disputes.extensions import RecordedEvent
from disputes.models import Case, CaseDeadline
from disputes.services import case_event_record
from disputes.states import OPEN_STATES, ActorKind, Category
from disputes.workdays import WorkingCalendar
from organizations.models import Organization
from organizations.states import OrgType

from .aftercare import (
    check_requester,
    clean_choice,
    clean_text,
    handoff_conflict,
    lock_case,
    nearest_organization,
    receiver_required,
    refuse_duplicate,
    requested_by,
    require_consent,
)
from .handoffs import handoff_answer, handoff_create, handoff_is_receiver, handoff_list_visible_to
from .models import Handoff, LegalAidAssignment, LegalAidRequest
from .states import Affordability, HandoffKind, HandoffStatus, LegalAidResult

LEGAL_AID_REQUESTED = "legal_aid_requested"
LAWYER_ASSIGNED = "legal_aid_lawyer_assigned"
LAW = "《法律援助法》"
# Art. 42(3): 进城务工人员 claiming 劳动报酬 (overtime pay is remuneration too) or 工伤赔偿.
NO_MEANS_TEST_CATEGORIES = frozenset({Category.WAGES, Category.OVERTIME, Category.WORK_INJURY})
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,30}[0-9]$")


# --- What the law says about this case --------------------------------------------------------------------------
def legal_aid_centre_for(*, case: Case) -> Organization | None:
    """The legal-aid centre of the case's region, or of the nearest region above it."""
    return nearest_organization(case=case, org_type=OrgType.LEGAL_AID)


def no_means_test_claims(*, case: Case) -> bool:
    """The case claims pay or work-injury compensation: a migrant worker asking for aid is not means-tested."""
    return case.claims.filter(category__in=NO_MEANS_TEST_CATEGORIES).exists()


def legal_aid_urgent_deadline(*, case: Case, today: date | None = None) -> CaseDeadline | None:
    """The nearest running deadline of the case due within ``LEGAL_AID_FAST_TRACK_DAYS`` (today included), or
    None: with one, aid may start before the decision (Art. 44). A deadline already past is not running."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.LEGAL_AID_FAST_TRACK_DAYS)
    return (
        CaseDeadline.objects.filter(
            case=case, is_active=True, met_at__isnull=True, due_on__gte=today, due_on__lte=horizon
        )
        .select_related("rule")
        .order_by("due_on", "id")
        .first()
    )


def _due(start: date, days: int, calendar: WorkingCalendar | None = None) -> tuple[date, bool]:
    calendar = calendar or WorkingCalendar.from_database()
    return calendar.add_period(start, days=days, day_type=settings.LEGAL_AID_DAY_TYPE)


# --- The request -------------------------------------------------------------------------------------------------
@transaction.atomic
def legal_aid_request(
    *,
    case_id: int,
    actor,
    reason: str,
    affordability: str,
    migrant_worker: bool,
    consent: bool,
    today: date | None = None,
) -> LegalAidRequest:
    """Ask the legal-aid centre of the case's region (or the nearest above it) for legal aid, as the worker or as
    staff who work the case recording the worker's request.

    While the case is open only (409); one running request at a time (409); no centre is a 400 naming 12348; the
    worker's consent to hand their data to the centre is required (400). Returns the request, whose handoff is
    published after commit.
    """
    case = lock_case(case_id)
    check_requester(case=case, actor=actor)
    if case.status not in OPEN_STATES:
        raise _case_conflict(
            case,
            reason=_("案件已经办结，不能再通过本案申请法律援助。需要帮助的，请拨打 12348 法律服务热线。"),
        )
    refuse_duplicate(
        case=case,
        kind=HandoffKind.LEGAL_AID,
        name=LEGAL_AID_REQUESTED,
        message=_("已有一份法律援助申请正在办理，请等待法律援助中心的决定。"),
    )
    reason = clean_text(reason, field="reason", label=_("申请理由"), max_length=2000)
    affordability = clean_choice(affordability, field="affordability", choices=Affordability)
    require_consent(consent)
    centre = receiver_required(
        case=case,
        org_type=OrgType.LEGAL_AID,
        missing=_("本地区还没有登记法律援助中心，请拨打 12348 法律服务热线申请法律援助。"),
    )
    today = today or timezone.localdate()
    exempt = bool(migrant_worker) and no_means_test_claims(case=case)
    urgent = legal_aid_urgent_deadline(case=case, today=today)
    decision_due, provisional = _due(today, settings.LEGAL_AID_DECISION_DAYS)
    event = case_event_record(
        case_id=case.pk,
        name=LEGAL_AID_REQUESTED,
        actor=actor,
        note=reason,
        payload={
            "kind": HandoffKind.LEGAL_AID,
            "to": centre.code,
            "urgent": urgent is not None,
            "decision_due_on": decision_due,
        },
    )
    details = {
        "type": HandoffKind.LEGAL_AID,
        "requested_by": requested_by(actor),
        "reason": reason,
        "affordability": affordability,
        "migrant_worker": bool(migrant_worker),
        "means_test_exempt": exempt,
        "means_test_basis": f"{LAW}第四十二条" if exempt else "",
        "urgent": urgent is not None,
        "urgent_deadline": (
            {"rule": urgent.rule.code, "name": urgent.rule.name, "due_on": urgent.due_on.isoformat()}
            if urgent is not None
            else None
        ),
        "decision_due_on": decision_due.isoformat(),
    }
    handoff = handoff_create(
        case=case,
        kind=HandoffKind.LEGAL_AID,
        to_org=centre,
        actor=actor,
        event=event,
        note=reason,
        details=details,
    )
    return LegalAidRequest.objects.create(
        handoff=handoff,
        case=case,
        requested_by=requested_by(actor),
        reason=reason,
        affordability=affordability,
        migrant_worker=bool(migrant_worker),
        means_test_exempt=exempt,
        urgent=urgent is not None,
        urgent_deadline=urgent.rule.name if urgent is not None else "",
        urgent_due_on=urgent.due_on if urgent is not None else None,
        decision_due_on=decision_due,
        due_provisional=provisional,
        created_at=event.created_at,
    )


def _case_conflict(case: Case, *, reason: str) -> TransitionConflict:
    return TransitionConflict(
        name=LEGAL_AID_REQUESTED,
        current_state=case.status,
        current_label=str(case.get_status_display()),
        reason=reason,
    )


def legal_aid_on_case_event(*, case: Case, event) -> None:
    """The case effect (disputes.extensions): when the centre accepts a legal-aid handoff (grants aid), the
    3-day clock for assigning a lawyer starts, in the acceptance's own transaction."""
    payload = event.payload or {}
    if event.transition != "handoff_accepted" or payload.get("kind") != HandoffKind.LEGAL_AID:
        return
    request = LegalAidRequest.objects.filter(handoff_id=payload.get("handoff")).first()
    if request is None or request.assign_due_on is not None:
        return
    due, provisional = _due(timezone.localdate(event.created_at), settings.LEGAL_AID_ASSIGN_DAYS)
    request.assign_due_on = due
    request.due_provisional = request.due_provisional or provisional
    request.save(update_fields=["assign_due_on", "due_provisional"])


# --- Reading ------------------------------------------------------------------------------------------------------
def legal_aid_list_visible_to(*, user):
    """Requests whose handoff the user may see: the centre that received it, the station that sent it."""
    return LegalAidRequest.objects.filter(
        handoff__in=handoff_list_visible_to(user=user).values("pk")
    ).select_related("case", "handoff__to_org", "handoff__from_org")


def legal_aid_overdue_q(*, today: date) -> Q:
    """Requests whose decision or lawyer is overdue today (for lists and filters)."""
    no_lawyer = ~Exists(LegalAidAssignment.objects.filter(request_id=OuterRef("pk")))
    decision_overdue = Q(
        handoff__decided_at__isnull=True, decision_due_on__lt=today, handoff__completed_at__isnull=True
    )
    assign_overdue = Q(
        handoff__status=HandoffStatus.ACCEPTED, assign_due_on__lt=today, handoff__completed_at__isnull=True
    ) & Q(no_lawyer)
    return decision_overdue | assign_overdue


@dataclass(frozen=True)
class LegalAidClock:
    """Where a request stands against the law's deadlines today."""

    decision_due_on: date
    decided: bool
    decision_overdue: bool
    assign_due_on: date | None
    assigned: bool
    assign_overdue: bool
    provisional: bool

    @property
    def overdue(self) -> bool:
        return self.decision_overdue or self.assign_overdue


def legal_aid_clock(
    request: LegalAidRequest, *, today: date | None = None, assigned: bool | None = None
) -> LegalAidClock:
    """The request's deadlines and what is overdue today (pure but for ``assigned``, read when not given)."""
    today = today or timezone.localdate()
    handoff = request.handoff
    finished = handoff.completed_at is not None
    decided = handoff.decided_at is not None
    if assigned is None:
        assigned = request.assignments.exists()
    granted = handoff.status == HandoffStatus.ACCEPTED
    return LegalAidClock(
        decision_due_on=request.decision_due_on,
        decided=decided,
        decision_overdue=not decided and not finished and today > request.decision_due_on,
        assign_due_on=request.assign_due_on,
        assigned=assigned,
        assign_overdue=(
            granted
            and not assigned
            and not finished
            and request.assign_due_on is not None
            and today > request.assign_due_on
        ),
        provisional=request.due_provisional,
    )


# --- The centre's work -------------------------------------------------------------------------------------------
def _locked_for_centre(*, request_id: int, actor, action: str) -> LegalAidRequest:
    """The request (``LegalAidRequest.DoesNotExist`` if the actor may not see it), its handoff locked against
    concurrent answers; only the receiving centre's staff may go on (403)."""
    request = legal_aid_list_visible_to(user=actor).get(pk=request_id)
    handoff = Handoff.objects.select_for_update().select_related("to_org").get(pk=request.handoff_id)
    request.handoff = handoff
    if not handoff_is_receiver(handoff=handoff, user=actor):
        raise PermissionDenied(_("只有接收申请的法律援助中心可以%(action)s。") % {"action": action})
    return request


@transaction.atomic
def legal_aid_lawyer_assign(
    *, request_id: int, actor, lawyer_name: str, law_firm: str, lawyer_phone: str, note: str = ""
) -> LegalAidAssignment:
    """The centre assigns a lawyer (or replaces one) after granting aid: the assignment, the handoff's assignee,
    and a history event whose sentence tells the worker who their lawyer is (the phone is on ``/track/``, not in
    the message). Before the centre accepted the request, or after it reported the outcome, a 409."""
    request = _locked_for_centre(request_id=request_id, actor=actor, action=_("指派律师"))
    handoff = request.handoff
    if handoff.status != HandoffStatus.ACCEPTED:
        raise handoff_conflict(
            handoff=handoff, name=LAWYER_ASSIGNED, message=_("请先决定给予法律援助（接收办理），再指派律师。")
        )
    if handoff.completed_at is not None:
        raise handoff_conflict(handoff=handoff, name=LAWYER_ASSIGNED, message=_("这件法律援助已经办结。"))
    lawyer_name = clean_text(lawyer_name, field="lawyer_name", label=_("律师姓名"), max_length=64)
    law_firm = clean_text(law_firm, field="law_firm", label=_("律师事务所"), max_length=200)
    lawyer_phone = clean_text(lawyer_phone, field="lawyer_phone", label=_("律师联系电话"), max_length=32)
    if not PHONE_RE.match(lawyer_phone):
        raise ValidationError({"lawyer_phone": _("请填写正确的联系电话（数字，可含区号和“-”）。")})
    note = clean_text(note, field="note", label=_("备注"), max_length=2000, required=False)
    assignment = LegalAidAssignment.objects.create(
        request=request,
        lawyer_name=lawyer_name,
        law_firm=law_firm,
        lawyer_phone=lawyer_phone,
        note=note,
        assigned_by=actor if getattr(actor, "pk", None) else None,
    )
    Handoff.objects.filter(pk=handoff.pk).update(assignee_name=lawyer_name[:64])
    case_event_record(
        case_id=request.case_id,
        name=LAWYER_ASSIGNED,
        actor=actor,
        note=note,
        payload={
            "kind": HandoffKind.LEGAL_AID,
            "to": handoff.to_org.code,
            "handoff": handoff.pk,
            "lawyer": lawyer_name,
            "law_firm": law_firm,
        },
    )
    return assignment


@transaction.atomic
def legal_aid_outcome_record(*, request_id: int, actor, result: str, outcome: str) -> LegalAidRequest:
    """The centre reports what the aid achieved: the result on the request and the handoff completed with the
    outcome (its ``handoff_completed`` event tells the worker; the outcome shows on ``/track/``). Repeating the
    report changes nothing; reporting before aid was granted is a 409 (the handoff's answers decide)."""
    request = _locked_for_centre(request_id=request_id, actor=actor, action=_("反馈援助结果"))
    if request.handoff.completed_at is not None:
        return request
    if request.handoff.status != HandoffStatus.ACCEPTED:
        raise handoff_conflict(
            handoff=request.handoff,
            name="handoff_completed",
            message=_("请先决定给予法律援助（接收办理），再反馈援助结果。"),
        )
    result = clean_choice(result, field="result", choices=LegalAidResult)
    outcome = clean_text(outcome, field="outcome", label=_("办理结果"), max_length=4000)
    handoff_answer(
        handoff_id=request.handoff_id,
        action="complete",
        actor=actor,
        outcome=f"{LegalAidResult(result).label}：{outcome}",
    )
    request.result = result
    request.save(update_fields=["result"])
    return request


# --- History sentences ---------------------------------------------------------------------------------------------
def _org_name(event) -> str:
    code = (event.payload or {}).get("to") or ""
    return Organization.objects.filter(code=code).values_list("name", flat=True).first() or _("法律援助中心")


def _requested(event) -> str:
    payload = event.payload or {}
    names = {"org": _org_name(event), "due": str(payload.get("decision_due_on") or "")[:10]}
    if event.actor_kind == ActorKind.WORKER:
        text = _("您申请了法律援助，申请已转交%(org)s。法律援助机构应在 %(due)s 前决定是否给予援助。") % names
    else:
        text = _("工作人员已为您向%(org)s申请法律援助。法律援助机构应在 %(due)s 前决定是否给予援助。") % names
    if payload.get("urgent"):
        text += _("您的案件有期限即将届满，可以先行提供法律援助。")
    return text


def _lawyer_assigned(event) -> str:
    payload = event.payload or {}
    return _("%(org)s已指派%(firm)s的%(lawyer)s律师为您提供法律援助，联系电话见本页“法律援助”。") % {
        "org": _org_name(event),
        "firm": str(payload.get("law_firm") or "")[:200],
        "lawyer": str(payload.get("lawyer") or "")[:64],
    }


EVENTS = [
    RecordedEvent(LEGAL_AID_REQUESTED, gettext_lazy("申请法律援助"), _requested),
    RecordedEvent(LAWYER_ASSIGNED, gettext_lazy("指派法律援助律师"), _lawyer_assigned),
]
