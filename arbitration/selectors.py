"""Reads of the arbitration app, scoped to the user: each body's queue holds only the cases handed to it.

A queue is the cases whose ``handling_org`` is one of the organizations where the user has the body's role
(arbitrator for a commission, court clerk for a court; a membership covers the branches below), in the states the
queue is about. Anything else is simply absent, so opening it is a 404. A superuser sees every queue whole.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from disputes.models import Case, CaseDeadline, IssuedDocument
from disputes.states import CaseStatus, ConfirmationRoute
from organizations.models import Organization, Region
from organizations.selectors import scope_for
from organizations.states import OrgType, Role

from .models import EnforcementCase, MinimumWage

S = CaseStatus

REVIEW_STATES = (S.CONFIRMATION_REQUESTED,)
ARBITRATION_STATES = (S.REFERRED_TO_ARBITRATION, S.ARBITRATION_ACCEPTED)
ENFORCEMENT_STATES = (S.ENFORCEMENT,)

# The deadline rules each queue shows (disputes.DeadlineRule codes; the last two are seeded by this app).
DECISION_RULES = {
    "review": ("arb_review.decision",),
    "arbitration": ("arb.acceptance_decision", "arb.award"),
    "judicial": ("jc.decision",),
}


def _org_ids_with_role(user, role: str) -> frozenset[int] | None:
    """The user's organizations with ``role`` (None: a superuser, who is not limited)."""
    scope = scope_for(user)
    if scope.is_superuser:
        return None
    return scope.orgs_with_role(role)


def _handled_by(user, role: str, queryset: QuerySet[Case]) -> QuerySet[Case]:
    orgs = _org_ids_with_role(user, role)
    if orgs is None:
        return queryset
    if not orgs:
        return queryset.none()
    return queryset.filter(handling_org_id__in=orgs)


def works_as(user, role: str) -> bool:
    """Whether the user has ``role`` somewhere (or is a superuser): the queue appears in their admin."""
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.orgs_with_role(role))


def with_next_deadline(queryset: QuerySet[Case], rule_codes: tuple[str, ...]) -> QuerySet[Case]:
    """Annotate each case with its nearest open deadline among ``rule_codes`` (its date and its rule's name)."""
    open_rows = CaseDeadline.objects.filter(
        case=OuterRef("pk"), rule__code__in=rule_codes, is_active=True, met_at__isnull=True
    ).order_by("due_on", "id")
    return queryset.annotate(
        decision_due_on=Subquery(open_rows.values("due_on")[:1]),
        decision_rule=Subquery(open_rows.values("rule__name")[:1]),
    )


def _base(base: QuerySet[Case] | None) -> QuerySet[Case]:
    return base if base is not None else Case.objects.all()


def review_cases_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Every agreement filed for arbitration review with the user's commissions that is still theirs (pending or
    decided), with its decision deadline. ``base``: the queryset to start from (the admin passes its proxy's)."""
    qs = _base(base).filter(confirmation_route=ConfirmationRoute.ARBITRATION_REVIEW)
    qs = _handled_by(user, Role.ARBITRATOR, qs)
    return with_next_deadline(qs.select_related("station", "handling_org"), DECISION_RULES["review"])


def review_queue_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The review queue: agreements waiting for the commission's decision."""
    return review_cases_for(user=user, base=base).filter(status__in=REVIEW_STATES)


def arbitration_cases_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases referred to the user's commissions for arbitration (not agreements filed for review): waiting for the
    acceptance decision, accepted, or closed there."""
    qs = _base(base).filter(
        status__in=(*ARBITRATION_STATES, S.CLOSED), confirmation_route=ConfirmationRoute.NONE
    )
    qs = _handled_by(user, Role.ARBITRATOR, qs)
    return with_next_deadline(qs.select_related("station", "handling_org"), DECISION_RULES["arbitration"])


def arbitration_queue_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The commission's open arbitration cases: waiting for the acceptance decision, or accepted."""
    return arbitration_cases_for(user=user, base=base).filter(status__in=ARBITRATION_STATES)


def judicial_cases_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Every agreement filed for judicial confirmation with the user's courts that is still theirs."""
    qs = _base(base).filter(confirmation_route=ConfirmationRoute.JUDICIAL_CONFIRMATION)
    qs = _handled_by(user, Role.COURT_CLERK, qs)
    return with_next_deadline(qs.select_related("station", "handling_org"), DECISION_RULES["judicial"])


def judicial_queue_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The court's confirmation queue: agreements waiting for its ruling."""
    return judicial_cases_for(user=user, base=base).filter(status__in=REVIEW_STATES)


def enforcement_cases_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases enforced by the user's courts: under enforcement there now, or enforced there before."""
    orgs = _org_ids_with_role(user, Role.COURT_CLERK)
    qs = _base(base)
    enforced = EnforcementCase.objects.all()
    if orgs is not None:
        if not orgs:
            return qs.none()
        enforced = enforced.filter(court_id__in=orgs)
        qs = qs.filter(
            Q(status__in=ENFORCEMENT_STATES, handling_org_id__in=orgs) | Q(pk__in=enforced.values("case_id"))
        )
    else:
        qs = qs.filter(Q(status__in=ENFORCEMENT_STATES) | Q(pk__in=enforced.values("case_id")))
    return qs.select_related("station", "handling_org")


def enforcement_queue_for(*, user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The court's running enforcements."""
    return enforcement_cases_for(user=user, base=base).filter(status__in=ENFORCEMENT_STATES)


def enforcement_open(*, case: Case) -> EnforcementCase | None:
    return EnforcementCase.objects.filter(case=case, ended_at__isnull=True).select_related("court").first()


def enforcement_latest(*, case: Case) -> EnforcementCase | None:
    return (
        EnforcementCase.objects.filter(case=case)
        .select_related("court")
        .order_by("-applied_at", "-id")
        .first()
    )


def documents_of(*, case: Case) -> QuerySet[IssuedDocument]:
    """The documents the platform issued for the case, oldest first."""
    return (
        IssuedDocument.objects.filter(case=case, revoked_at__isnull=True)
        .select_related("issuer")
        .order_by("issued_at", "id")
    )


# --- Where things go -----------------------------------------------------------------------------------------------
def _walk_up(region: Region | None, org_type: str) -> Organization | None:
    """The active organization of ``org_type`` in ``region``, or in the nearest region above it."""
    seen: set[int] = set()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        found = (
            Organization.objects.filter(type=org_type, is_active=True, region_id=region.pk)
            .order_by("code")
            .first()
        )
        if found is not None:
            return found
        region = region.parent
    return None


def case_region(case: Case) -> Region | None:
    """Where the case is: the station's region, else the region the worker gave (the place of work)."""
    if case.station_id and case.station.region_id:
        return case.station.region
    return case.region


def enforcement_court_for(*, case: Case) -> Organization | None:
    """The basic court that enforces: for a judicial confirmation, the court that confirmed it; otherwise the court
    of the station's region (else the case's), the nearest up the region tree."""
    if case.handling_org_id and case.handling_org.type == OrgType.COURT:
        return case.handling_org
    return _walk_up(case_region(case), OrgType.COURT)


def minimum_wage_for(*, case: Case, on: date | None = None) -> MinimumWage | None:
    """The monthly minimum wage in force on ``on`` where the work was done (the case's region, else the station's),
    from the nearest region up the tree that has one."""
    on = on or timezone.localdate()
    region = case.region if case.region_id else (case.station.region if case.station_id else None)
    seen: set[int] = set()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        row = (
            MinimumWage.objects.filter(region_id=region.pk, effective_from__lte=on)
            .order_by("-effective_from")
            .first()
        )
        if row is not None:
            return row
        region = region.parent
    return None


@dataclass(frozen=True)
class DeadlineBadge:
    state: str  # overdue, today, soon, later, none
    text: str
    due_on: date | None
    rule: str


def decision_badge(case: Case, today: date | None = None) -> DeadlineBadge:
    """The decision deadline of a queue row (annotated by :func:`with_next_deadline`) as words: overdue is said in
    the text, not by colour alone."""
    from django.utils.translation import gettext as _

    due_on = getattr(case, "decision_due_on", None)
    rule = getattr(case, "decision_rule", None) or ""
    if due_on is None:
        return DeadlineBadge("none", "—", None, rule)
    left = (due_on - (today or timezone.localdate())).days
    if left < 0:
        return DeadlineBadge("overdue", _("已超期 %(n)d 天") % {"n": -left}, due_on, rule)
    if left == 0:
        return DeadlineBadge("today", _("今天到期"), due_on, rule)
    return DeadlineBadge("soon" if left <= 3 else "later", _("还剩 %(n)d 天") % {"n": left}, due_on, rule)


def mediation_agreement_facts(*, case: Case):
    """What the filing checks (disputes.confirmation) need from the mediation app's effective agreement: when it
    took effect and whether it only obliges payment. None when the case has no effective agreement there."""
    from disputes.confirmation import AgreementFacts
    from mediation.selectors import agreement_effective

    if case.pk is None:
        return None
    agreement = agreement_effective(case=case)
    if agreement is None:
        return None
    return AgreementFacts(effective_at=agreement.effective_at, payment_only=agreement.payment_only)
