"""Risk reports from monitoring informants: filing one (public, no account), the officials' list, and their
acknowledging and closing it.

Who sees a report: a superuser all; an official the reports of the regions they oversee
(``scope_for(user).region_ids``, their region and the regions below it); nobody else. The services check the same
scope, so an admin action cannot reach past the list it was started from.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from organizations.models import Region
from organizations.selectors import scope_for

from .matching import employer_key
from .models import RiskReport, RiskReportStatus
from .pii import normalize


def risk_report_list_visible_to(*, user) -> QuerySet[RiskReport]:
    scope = scope_for(user)
    qs = RiskReport.objects.select_related("region", "acknowledged_by", "closed_by")
    if scope.is_superuser:
        return qs
    if not scope.region_ids:
        return qs.none()
    return qs.filter(region_id__in=scope.region_ids)


def risk_reports_visible(user) -> bool:
    """Whether the user has any region of risk reports to look at (the admin shows the menu entry only then)."""
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.region_ids)


@transaction.atomic
def risk_report_create(
    *,
    reporter_name: str,
    reporter_phone: str,
    reporter_org: str = "",
    employer_name: str,
    employer_credit_code: str = "",
    region: Region,
    workers_affected: int,
    amount_in_arrears: Decimal | None = None,
    description: str,
) -> RiskReport:
    """Record a report as received (status open). Validated input only: the form checks phone and credit code."""
    if workers_affected < 1:
        raise ValidationError(_("涉及人数至少为1人。"))
    return RiskReport.objects.create(
        reporter_name=reporter_name.strip(),
        reporter_phone=normalize(reporter_phone),
        reporter_org=reporter_org.strip(),
        employer_name=employer_name.strip(),
        employer_credit_code=normalize(employer_credit_code),
        employer_key=employer_key(employer_name),
        region=region,
        workers_affected=workers_affected,
        amount_in_arrears=amount_in_arrears,
        description=description.strip(),
    )


def _locked_visible(*, report_id: int, actor) -> RiskReport:
    report = (
        risk_report_list_visible_to(user=actor).select_for_update(of=("self",)).filter(pk=report_id).first()
    )
    if report is None:
        raise PermissionDenied(_("您无权处理该风险信息报告。"))
    return report


@transaction.atomic
def risk_report_acknowledge(*, report_id: int, actor, note: str = "") -> RiskReport:
    """Mark an open report as taken in hand, recording who and when. A report already acknowledged or closed is
    left as it is (returns it unchanged): two officials clicking at once do not overwrite each other."""
    report = _locked_visible(report_id=report_id, actor=actor)
    if report.status != RiskReportStatus.OPEN:
        return report
    report.save(update_fields=report.mark_acknowledged(actor=actor, note=note))
    return report


@transaction.atomic
def risk_report_close(*, report_id: int, actor, note: str = "") -> RiskReport:
    """Close a report (acknowledging it on the way if nobody had). Closing twice changes nothing."""
    report = _locked_visible(report_id=report_id, actor=actor)
    if report.is_closed:
        return report
    report.save(update_fields=report.mark_closed(actor=actor, note=note))
    return report
