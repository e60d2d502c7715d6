"""Reads of mediation records. Lists for staff start from :func:`disputes.selectors.case_list_visible_to`, so the
rows of a case the user may not see are simply absent (a 404, never a 403)."""

from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from disputes.models import Case
from disputes.selectors import case_list_visible_to
from organizations.models import Organization
from organizations.states import MediationLegalType, OrgType

from .models import Agreement, ContactLog, Instalment, MediationSession, Payment, ReopenRequest
from .states import CURRENT_AGREEMENT_STATES, AgreementStatus, InstalmentStatus


def agreement_current(*, case: Case) -> Agreement | None:
    """The case's agreement that is not void (a draft, one awaiting signatures, or the effective one)."""
    return (
        Agreement.objects.filter(case=case, status__in=CURRENT_AGREEMENT_STATES)
        .select_related("created_by", "employer_signature_recorded_by")
        .order_by("-created_at", "-id")
        .first()
    )


def agreement_effective(*, case: Case) -> Agreement | None:
    return Agreement.objects.filter(case=case, status=AgreementStatus.EFFECTIVE).first()


def agreement_list_visible_to(*, user) -> QuerySet[Agreement]:
    return Agreement.objects.filter(case__in=case_list_visible_to(user=user).values("pk")).select_related(
        "case", "created_by"
    )


def session_list_visible_to(*, user) -> QuerySet[MediationSession]:
    return MediationSession.objects.filter(
        case__in=case_list_visible_to(user=user).values("pk")
    ).select_related("case", "recorded_by")


def contact_list_visible_to(*, user) -> QuerySet[ContactLog]:
    return ContactLog.objects.filter(case__in=case_list_visible_to(user=user).values("pk")).select_related(
        "case", "recorded_by"
    )


def payment_list_visible_to(*, user) -> QuerySet[Payment]:
    return Payment.objects.filter(
        agreement__case__in=case_list_visible_to(user=user).values("pk")
    ).select_related("agreement", "agreement__case", "instalment", "recorded_by")


def reopen_request_list_visible_to(*, user) -> QuerySet[ReopenRequest]:
    return ReopenRequest.objects.filter(case__in=case_list_visible_to(user=user).values("pk")).select_related(
        "case", "agreement", "handled_by"
    )


def agreement_paid_total(*, agreement: Agreement) -> Decimal:
    return agreement.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def instalments_overdue(*, agreement: Agreement, today: date) -> list[Instalment]:
    """The instalments of ``agreement`` past their due date and not paid in full: the missed payments."""
    if agreement.status != AgreementStatus.EFFECTIVE:
        return []
    return list(
        agreement.instalments.filter(due_on__lt=today)
        .exclude(status=InstalmentStatus.PAID)
        .order_by("sequence")
    )


def _walk_up(region, org_type: str) -> Organization | None:
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


def station_region(case: Case):
    return case.station.region if case.station_id else None


def commission_where_station(*, case: Case) -> Organization | None:
    """Arbitration review goes to the commission where the mediation organization is (legal-rules.md rule 6)."""
    return _walk_up(station_region(case), OrgType.ARBITRATION_COMMISSION)


def court_where_station(*, case: Case) -> Organization | None:
    """The basic court where the mediation organization sits (judicial confirmation, legal-rules.md rule 7; the
    payment order is sent there too, with the agreement)."""
    return _walk_up(station_region(case), OrgType.COURT)


def station_legal_type(*, case: Case) -> str:
    """The station's legal type; a branch outlet without its own takes its parent station's."""
    station = case.station
    if station is None:
        return MediationLegalType.NONE
    if station.mediation_legal_type:
        return station.mediation_legal_type
    parent = station.parent if station.parent_id else None
    return parent.mediation_legal_type if parent is not None else MediationLegalType.NONE
