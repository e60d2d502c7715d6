"""Special urgent cases (特事急诊): escalating a case to a joint consultation and recording its one-case-one-plan.

Each step is a history event written through :func:`disputes.services.case_event_record` (the case keeps its
state); the event's fan-out (``referrals.services.case_event_dispatch``) tells each participant in-app, and the
countdown is the deadline rule triggered by :data:`ESCALATE` and met by :data:`RECORD_PLAN` (data, seeded by a
migration, edited by officials).

Who sees a consultation: its participants, the staff of the case's station, and whoever escalated it. A
participant from outside the case's organizations sees the case itself (``case_list_visible_to``), but its
personal data masked (``can_see_personal_data`` is for the staff who work the case).
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Membership, Organization, Region
from organizations.selectors import scope_for
from organizations.states import OrgType, Role

from .exceptions import TransitionConflict
from .models import Case, CaseDeadline, CaseEvent
from .models.urgent import (
    ConsultationRole,
    UrgentConsultation,
    UrgentConsultationMember,
    UrgentConsultationStatus,
)
from .services import case_deadlines_refresh, case_event_record

User = get_user_model()

ESCALATE = "escalate_urgent"
RECORD_PLAN = "record_urgent_plan"
URGENT_EVENTS = (ESCALATE, RECORD_PLAN)
DEADLINE_RULE = "urgent.consultation"

_STATION_ROLES = (Role.STATION_ADMIN, Role.MEDIATOR, Role.INTAKE_CLERK)
# The seats and where each is filled from: organization types, and the roles that count there (None: any role).
SEATS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    ConsultationRole.ARBITRATOR: ((OrgType.ARBITRATION_COMMISSION,), (Role.ARBITRATOR,)),
    ConsultationRole.PEOPLES_MEDIATOR: ((OrgType.PEOPLES_MEDIATION,), (Role.MEDIATOR,)),
    ConsultationRole.LAWYER: ((OrgType.LAW_FIRM, OrgType.LEGAL_AID), None),
}


# --- Predicates ----------------------------------------------------------------------------------------------
def can_escalate_urgent(case: Case, user) -> bool:
    """The station's administrators and mediators, or an official of the case's region."""
    scope = scope_for(user)  # an empty scope for the worker and system sentinels and anonymous users
    if scope.is_superuser:
        return True
    at_station = case.station_id in scope.orgs_with_role(Role.STATION_ADMIN, Role.MEDIATOR)
    return (case.station_id is not None and at_station) or (
        case.region_id is not None and case.region_id in scope.region_ids
    )


def _is_station_staff(case: Case, user) -> bool:
    return case.station_id is not None and case.station_id in scope_for(user).orgs_with_role(*_STATION_ROLES)


def can_record_plan(consultation: UrgentConsultation, user) -> bool:
    """A participant, or the station's administrators and mediators (who often keep the minutes)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    if not getattr(user, "pk", None):
        return False
    case = consultation.case
    return consultation.members.filter(user_id=user.pk).exists() or (
        case.station_id is not None
        and case.station_id in scope.orgs_with_role(Role.STATION_ADMIN, Role.MEDIATOR)
    )


# --- Reads ---------------------------------------------------------------------------------------------------
def consultation_list_visible_to(*, user) -> QuerySet[UrgentConsultation]:
    """Consultations the user takes part in, of cases of the user's stations, or that the user escalated."""
    qs = UrgentConsultation.objects.select_related("case", "escalated_by", "plan_recorded_by")
    scope = scope_for(user)
    if scope.is_superuser:
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    member_of = UrgentConsultationMember.objects.filter(user_id=user.pk).values("consultation_id")
    return qs.filter(
        Q(pk__in=member_of)
        | Q(case__station_id__in=scope.orgs_with_role(*_STATION_ROLES))
        | Q(escalated_by_id=user.pk)
    )


def consultation_get_visible(*, user, consultation_id) -> UrgentConsultation:
    try:
        return consultation_list_visible_to(user=user).get(pk=consultation_id)
    except (UrgentConsultation.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该会商。")) from None


def consultation_open_for(*, case: Case) -> UrgentConsultation | None:
    return case.urgent_consultations.filter(status=UrgentConsultationStatus.OPEN).first()


def consultation_deadline(*, consultation: UrgentConsultation) -> CaseDeadline | None:
    """The countdown of the case's latest consultation (the rule counts from the latest escalation)."""
    latest = consultation.case.urgent_consultations.order_by("-escalated_at", "-id").first()
    if latest is None or latest.pk != consultation.pk:
        return None
    return (
        CaseDeadline.objects.select_related("rule")
        .filter(case_id=consultation.case_id, rule__code=DEADLINE_RULE)
        .first()
    )


def consultation_member_ids(*, consultation_id) -> list[int]:
    """The participants' user ids: who hears of the consultation's events."""
    return list(
        UrgentConsultationMember.objects.filter(consultation_id=consultation_id).values_list(
            "user_id", flat=True
        )
    )


def _region_chain(case: Case) -> list[Region]:
    region = case.region or (case.station.region if case.station_id else None)
    chain, seen = [], set()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        chain.append(region)
        region = region.parent
    return chain


@dataclass(frozen=True)
class Candidate:
    user_id: int
    username: str
    name: str
    organization: Organization
    open_consultations: int


def consultation_candidates(*, case: Case) -> dict[str, list[Candidate]]:
    """Eligible staff per seat, best first; the first is the default.

    Arbitrators: of the arbitration commission of the case's region or, failing one, of the nearest region above
    (LDMAL Art. 21). People's mediators and lawyers (any staff of a law firm or legal aid centre): of the case's
    region and the regions above it, nearest first. Only active accounts marked available; within a region the
    one with the fewest open consultations comes first.
    """
    result: dict[str, list[Candidate]] = {}
    chain = _region_chain(case)
    for seat, (org_types, roles) in SEATS.items():
        found: list[Candidate] = []
        seen: set[int] = set()
        for region in chain:
            memberships = Membership.objects.filter(
                organization__type__in=org_types,
                organization__region=region,
                organization__is_active=True,
                user__is_active=True,
                is_available=True,
            )
            if roles is not None:
                memberships = memberships.filter(role__in=roles)
            if seat == ConsultationRole.ARBITRATOR:
                # One commission has jurisdiction: the first by code in the nearest region that has one.
                commission = (
                    Organization.objects.filter(type__in=org_types, region=region, is_active=True)
                    .order_by("code")
                    .first()
                )
                if commission is None:
                    continue
                memberships = memberships.filter(organization=commission)
            rows = (
                memberships.select_related("user", "organization")
                .annotate(
                    load=Count(
                        "user__urgent_consultation_seats",
                        filter=Q(
                            user__urgent_consultation_seats__consultation__status=UrgentConsultationStatus.OPEN
                        ),
                        distinct=True,
                    )
                )
                .order_by("load", "user__username", "organization__code")
            )
            for row in rows:
                if row.user_id in seen:
                    continue
                seen.add(row.user_id)
                found.append(
                    Candidate(
                        user_id=row.user_id,
                        username=row.user.get_username(),
                        name=row.user.get_full_name() or row.user.get_username(),
                        organization=row.organization,
                        open_consultations=row.load,
                    )
                )
            if seat == ConsultationRole.ARBITRATOR:
                break
        result[seat] = found
    return result


# --- Writes --------------------------------------------------------------------------------------------------
def _conflict(case: Case, name: str, reason: str) -> TransitionConflict:
    return TransitionConflict(
        name=name, current_state=case.status, current_label=case.get_status_display(), reason=reason
    )


def _choose(seat: str, candidates: list[Candidate], username: str | None, errors: dict) -> Candidate | None:
    if not candidates:
        errors[seat] = [_("本区域没有可参加会商的%(seat)s。") % {"seat": ConsultationRole(seat).label}]
        return None
    if not username:
        return candidates[0]
    for candidate in candidates:
        if candidate.username == username:
            return candidate
    errors[seat] = [
        _("“%(name)s”不是可选的%(seat)s。") % {"name": username, "seat": ConsultationRole(seat).label}
    ]
    return None


def escalation_guard(*, case: Case, actor) -> None:
    """Raise unless ``actor`` may escalate ``case`` now: a closed case or an open consultation is a conflict
    (409), then an actor who may not escalate is refused (403). The API calls it before validating input."""
    if not case.is_open:
        raise _conflict(case, ESCALATE, _("案件已结束，不能列为特事急诊。"))
    if consultation_open_for(case=case) is not None:
        raise _conflict(case, ESCALATE, _("该案件已有进行中的特事急诊会商。"))
    if not can_escalate_urgent(case, actor):
        raise PermissionDenied(_("您不能将该案件列为特事急诊。"))


@transaction.atomic
def case_escalate_urgent(
    *,
    case_id: int,
    actor,
    reason: str,
    arbitrator: str | None = None,
    peoples_mediator: str | None = None,
    lawyer: str | None = None,
) -> UrgentConsultation:
    """Escalate the case as special urgent: convene a consultation with one participant per seat (the given
    usernames, or the default candidate), record ``escalate_urgent`` in the history (which starts the countdown
    and, after commit, notifies each participant), and return the consultation.

    Answers, in this order: a closed case or one with an open consultation is a conflict (409), an actor who may
    not escalate is refused (403), a missing reason or an ineligible participant is invalid (400). The case row is
    locked, so of two concurrent escalations one wins; the partial unique constraint backs this.
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("station", "region").get(pk=case_id)
    escalation_guard(case=case, actor=actor)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("请说明列为特事急诊的理由。")]
    candidates = consultation_candidates(case=case)
    picked = {
        seat: _choose(seat, candidates[seat], username, errors)
        for seat, username in (
            (ConsultationRole.ARBITRATOR, arbitrator),
            (ConsultationRole.PEOPLES_MEDIATOR, peoples_mediator),
            (ConsultationRole.LAWYER, lawyer),
        )
    }
    if not errors:
        users = [c.user_id for c in picked.values()]
        if len(set(users)) != len(users):
            errors["non_field_errors"] = [_("三个席位须由三位不同的人员担任。")]
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            consultation = UrgentConsultation.objects.create(case=case, reason=reason, escalated_by=actor)
    except IntegrityError:
        raise _conflict(case, ESCALATE, _("该案件已有进行中的特事急诊会商。")) from None
    UrgentConsultationMember.objects.bulk_create(
        [
            UrgentConsultationMember(
                consultation=consultation, role=seat, user_id=c.user_id, organization=c.organization
            )
            for seat, c in picked.items()
        ]
    )
    case_event_record(
        case_id=case.pk,
        name=ESCALATE,
        actor=actor,
        note=reason,
        payload={"consultation": consultation.pk, **{seat: c.username for seat, c in picked.items()}},
    )
    case_deadlines_refresh(case=case)
    return consultation


@dataclass(frozen=True)
class PlanAction:
    what: str
    who: str
    due_on: date


def plan_guard(*, consultation: UrgentConsultation, actor) -> None:
    """Raise unless ``actor`` may record the plan now: a closed consultation is a conflict (409), then an actor
    who is neither a participant nor an administrator or mediator of the case's station is refused (403)."""
    if not consultation.is_open:
        raise _conflict(consultation.case, RECORD_PLAN, _("该会商已形成一案一策并结束。"))
    if not can_record_plan(consultation, actor):
        raise PermissionDenied(_("只有会商参加人或调解站工作人员可以记录一案一策。"))


@transaction.atomic
def consultation_record_plan(
    *, consultation_id: int, actor, summary: str, actions: list[PlanAction]
) -> UrgentConsultation:
    """Record the one-case-one-plan the participants agreed, close the consultation, record
    ``record_urgent_plan`` in the history (which meets the countdown) and notify the participants after commit.

    Answers: a consultation already closed is a conflict (409); an actor who is neither a participant nor an
    administrator or mediator of the case's station is refused (403); an empty plan is invalid (400). The case
    row is locked first (as escalation does), then the consultation, so two recordings cannot both win.
    """
    case_id = UrgentConsultation.objects.values_list("case_id", flat=True).get(pk=consultation_id)
    case = Case.objects.select_for_update().get(pk=case_id)
    consultation = UrgentConsultation.objects.select_for_update().get(pk=consultation_id)
    consultation.case = case
    plan_guard(consultation=consultation, actor=actor)
    summary = (summary or "").strip()
    errors: dict[str, list[str]] = {}
    if not summary:
        errors["summary"] = [_("请写明商定的措施。")]
    if not actions:
        errors["actions"] = [_("请至少列出一项分工（事项、负责方、完成日期）。")]
    elif any(not a.what.strip() or not a.who.strip() or a.due_on is None for a in actions):
        errors["actions"] = [_("每项分工都须写明事项、负责方和完成日期。")]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    consultation.plan_summary = summary
    consultation.plan_actions = [
        {"what": a.what.strip(), "who": a.who.strip(), "due_on": a.due_on.isoformat()} for a in actions
    ]
    consultation.plan_recorded_by = actor
    consultation.plan_recorded_at = now
    consultation.status = UrgentConsultationStatus.CLOSED
    consultation.save()
    case_event_record(
        case_id=case.pk,
        name=RECORD_PLAN,
        actor=actor,
        note=summary,
        payload={"consultation": consultation.pk, "actions": len(actions)},
    )
    case_deadlines_refresh(case=case)
    return consultation


def consultation_events(*, consultation: UrgentConsultation) -> QuerySet[CaseEvent]:
    """The consultation's own history events."""
    return consultation.case.events.filter(
        transition__in=URGENT_EVENTS, payload__consultation=consultation.pk
    ).order_by("created_at", "id")
