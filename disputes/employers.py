"""The employer page for officials: one employer's cases, group-dispute warnings, informant risk reports and
prevention work (legal check-ups, outreach visits) together.

An employer is found by its normalized name (:func:`disputes.matching.employer_key`) or its unified social credit
code, with the same rule as everywhere else (:func:`disputes.warnings.employer_q`). Every list is scoped by its own
selector: the cases by :func:`disputes.selectors.case_list_visible_to`, the rest by the official's regions. Workers'
names, ID numbers and phones are masked: officials see the shape of a dispute, not the people in it.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _

from organizations.selectors import scope_for

from .matching import employer_key
from .models import EmployerVisit, GroupWarning, RiskReport
from .pii import normalize
from .risk import risk_report_list_visible_to
from .selectors import case_list_visible_to
from .warnings import employer_q, employer_visit_list_visible_to, group_warning_list_visible_to

CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
CASE_LIMIT = 200


def employer_page_allowed(user) -> bool:
    """Officials (they oversee a region) and superusers."""
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.region_ids)


def mask_name(name: str) -> str:
    """``张伟`` → ``张*``, ``欧阳小明`` → ``欧***``."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * (len(name) - 1)}" if len(name) > 1 else name


@dataclass(frozen=True)
class EmployerCaseRow:
    id: int
    tracking_code: str
    status: str
    status_display: str
    station: str
    region: str
    employer_name: str
    worker_name_masked: str
    worker_id_masked: str
    worker_phone_masked: str
    amount_claimed: object
    created_at: object
    collective: bool


@dataclass
class EmployerPage:
    name: str
    key: str
    credit_code: str
    cases: list[EmployerCaseRow] = field(default_factory=list)
    case_count: int = 0
    open_case_count: int = 0
    warnings: list[GroupWarning] = field(default_factory=list)
    risk_reports: list[RiskReport] = field(default_factory=list)
    visits: list[EmployerVisit] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.case_count or self.warnings or self.risk_reports or self.visits)


def employer_identity(*, name: str = "", key: str = "", credit_code: str = "") -> tuple[str, str]:
    """(key, credit code) from what was typed: a credit code typed in the name box is taken as one."""
    credit_code = normalize(credit_code)
    typed = normalize(name)
    if not credit_code and CREDIT_CODE.fullmatch(typed):
        return "", typed
    return key or employer_key(name), credit_code


def employer_page(*, user, name: str = "", key: str = "", credit_code: str = "") -> EmployerPage:
    """The page for the employer named by ``name``, ``key`` or ``credit_code``, as ``user`` may see it."""
    key, credit_code = employer_identity(name=name, key=key, credit_code=credit_code)
    page = EmployerPage(name=name.strip(), key=key, credit_code=credit_code)
    if not key and not credit_code:
        return page
    match = employer_q(key=key, credit_code=credit_code)
    cases = case_list_visible_to(user=user).filter(match)
    page.case_count = cases.count()
    page.open_case_count = cases.filter(closed_at__isnull=True).count()
    page.names = list(cases.values_list("employer_name", flat=True).distinct().order_by("employer_name")[:10])
    for case in cases.select_related("station", "region").order_by("-created_at", "-id")[:CASE_LIMIT]:
        page.cases.append(
            EmployerCaseRow(
                id=case.pk,
                tracking_code=case.tracking_code,
                status=case.status,
                status_display=case.get_status_display(),
                station=case.station.name if case.station else "",
                region=case.region.name if case.region else "",
                employer_name=case.employer_name,
                worker_name_masked=mask_name(case.worker_name),
                worker_id_masked=case.worker_id_masked,
                worker_phone_masked=case.worker_phone_masked,
                amount_claimed=case.amount_claimed,
                created_at=case.created_at,
                collective=case.collective_id is not None,
            )
        )
    page.warnings = list(
        group_warning_list_visible_to(user=user)
        .filter(match)
        .annotate(case_total=Count("cases", distinct=True))
        .order_by("-opened_at", "-id")
    )
    page.risk_reports = list(
        risk_report_list_visible_to(user=user).filter(match).order_by("-created_at", "-id")
    )
    page.visits = list(employer_visit_list_visible_to(user=user).filter(match).order_by("-visited_on", "-id"))
    if not page.name:
        page.name = (
            (page.names[0] if page.names else "")
            or next((w.employer_name for w in page.warnings), "")
            or next((r.employer_name for r in page.risk_reports), "")
            or next((v.employer_name for v in page.visits), "")
        )
    return page


def employer_search(*, user, q: str, limit: int = 20) -> list[dict]:
    """Employers whose name contains ``q`` among the cases the user may see, with their case counts, for the
    search box (one row per normalized name)."""
    q = (q or "").strip()
    if not q:
        return []
    key = employer_key(q)
    filters = Q(employer_name__icontains=q)
    if key:
        filters |= Q(employer_key__startswith=key)
    return list(
        case_list_visible_to(user=user)
        .filter(filters)
        .exclude(employer_key="")
        .values("employer_key")
        .annotate(cases=Count("id"), name=Max("employer_name"), last=Max("created_at"))
        .order_by("-cases", "employer_key")[:limit]
    )


def employer_page_title(page: EmployerPage) -> str:
    return page.name or page.credit_code or _("用人单位")
