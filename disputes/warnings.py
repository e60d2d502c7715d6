"""Group-dispute early warning (群体性劳动争议预警): several workers against one employer in one region within a short
time, or one collective filing of many workers, opens a warning for the officials of that region.

The rule (per region, :class:`disputes.models.GroupWarningSetting`, else the nearest ancestor's, else the
defaults): N or more workers' cases against one employer (same normalized name or credit code) created within D
days before the newest, counting a worker once however often they filed; or a collective filing of at least the
set number of workers. While a warning is not closed, new cases of that employer and region join it instead of
opening another: an advisory lock per (region, employer) serializes the checks, and a partial unique constraint
backs it. Opening one records a ``group_warning`` event on the newest case, which the notification fan-out turns
into an in-app message for the region's officials (``referrals.services``).

Who sees and handles warnings: a superuser, and the officials of the region and the regions above it
(``scope_for(user).region_ids``). The services check the same scope.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Region
from organizations.selectors import scope_for

from .exceptions import TransitionConflict
from .matching import employer_key
from .models import Case, EmployerVisit, GroupWarning, GroupWarningSetting, RiskReport, RiskReportStatus
from .models.related import GroupWarningStatus, GroupWarningTrigger
from .permissions import SYSTEM
from .pii import normalize
from .services import case_event_record

DEFAULT_MIN_CASES = 5
DEFAULT_WINDOW_DAYS = 30
DEFAULT_COLLECTIVE_MIN_WORKERS = 10

NOT_CLOSED = (GroupWarningStatus.OPEN, GroupWarningStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class Thresholds:
    min_cases: int = DEFAULT_MIN_CASES
    window_days: int = DEFAULT_WINDOW_DAYS
    collective_min_workers: int = DEFAULT_COLLECTIVE_MIN_WORKERS


class GroupWarningConflict(TransitionConflict):
    """The warning is closed already (409)."""

    def __init__(self, warning: GroupWarning):
        self.name = "group_warning"
        self.current_state = warning.status
        Exception.__init__(self, _("该预警已办结，不能再处理。"))


# --- Thresholds ------------------------------------------------------------------------------------------------
def thresholds_for(*, region_id: int | None) -> Thresholds:
    """The region's own thresholds, else the nearest ancestor's, else the defaults."""
    seen = set()
    while region_id is not None and region_id not in seen:
        seen.add(region_id)
        setting = GroupWarningSetting.objects.filter(region_id=region_id).first()
        if setting is not None:
            return Thresholds(setting.min_cases, setting.window_days, setting.collective_min_workers)
        region_id = Region.objects.filter(pk=region_id).values_list("parent_id", flat=True).first()
    return Thresholds()


# --- Matching one employer -------------------------------------------------------------------------------------
def employer_q(*, key: str, credit_code: str = "", prefix: str = "") -> Q:
    """Rows of one employer: the same credit code, or the same normalized name unless both codes are known and
    differ. ``prefix`` for a related model (``"case__"``)."""
    q = Q()
    if credit_code:
        q |= Q(**{f"{prefix}employer_credit_code": credit_code})
    if key:
        name = Q(**{f"{prefix}employer_key": key})
        if credit_code:
            name &= Q(**{f"{prefix}employer_credit_code": credit_code}) | Q(
                **{f"{prefix}employer_credit_code": ""}
            )
        q |= name
    return q


def _lock_employer(region_id: int, key: str) -> None:
    """Serialize the checks for one employer in one region until the transaction ends (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.sha256(f"group-warning:{region_id}:{key}".encode()).digest()
    lock_id = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _workers_in(cases: list[Case]) -> int:
    """A worker counts once however often they filed; a case without an ID number counts on its own."""
    hashes = {c.worker_id_hash for c in cases if c.worker_id_hash}
    return len(hashes) + sum(1 for c in cases if not c.worker_id_hash)


def _attach_risk_reports(warning: GroupWarning) -> None:
    reports = RiskReport.objects.filter(
        employer_q(key=warning.employer_key, credit_code=warning.employer_credit_code),
        region_id=warning.region_id,
        status__in=(RiskReportStatus.OPEN, RiskReportStatus.ACKNOWLEDGED),
    )
    warning.risk_reports.add(*reports)


def open_warning_for(*, region_id: int, key: str, credit_code: str = "") -> GroupWarning | None:
    return (
        GroupWarning.objects.filter(employer_q(key=key, credit_code=credit_code), region_id=region_id)
        .filter(status__in=NOT_CLOSED)
        .order_by("opened_at", "id")
        .first()
    )


def _check_employer(*, region_id: int, new_cases: list[Case]) -> GroupWarning | None:
    newest = max(new_cases, key=lambda c: (c.created_at, c.pk))
    key, code = newest.employer_key, newest.employer_credit_code
    if not key and not code:
        return None
    _lock_employer(region_id, key or code)
    warning = open_warning_for(region_id=region_id, key=key, credit_code=code)
    if warning is not None:
        warning.cases.add(*new_cases)
        if code and not warning.employer_credit_code:
            warning.employer_credit_code = code
            warning.save(update_fields=["employer_credit_code"])
        _attach_risk_reports(warning)
        return warning

    limits = thresholds_for(region_id=region_id)
    anchor: datetime = newest.created_at
    since = anchor - timedelta(days=limits.window_days)
    # Cases a closed warning already dealt with do not count again: only what came after it can raise another.
    last_closed = (
        GroupWarning.objects.filter(employer_q(key=key, credit_code=code), region_id=region_id)
        .filter(status=GroupWarningStatus.CLOSED, closed_at__isnull=False)
        .order_by("-closed_at")
        .values_list("closed_at", flat=True)
        .first()
    )
    window_q = Q(created_at__gte=max(since, last_closed)) if last_closed else Q(created_at__gte=since)
    window = list(
        Case.objects.filter(
            employer_q(key=key, credit_code=code),
            window_q,
            region_id=region_id,
            created_at__lte=anchor,
        ).only("pk", "worker_id_hash", "created_at", "collective_id")
    )
    collective_sizes = {}
    for case in new_cases:
        if case.collective_id is not None:
            collective_sizes[case.collective_id] = case.collective.worker_count
    if any(size >= limits.collective_min_workers for size in collective_sizes.values()):
        trigger = GroupWarningTrigger.COLLECTIVE
    elif _workers_in(window) >= limits.min_cases:
        trigger = GroupWarningTrigger.THRESHOLD
    else:
        return None
    warning = GroupWarning.objects.create(
        region_id=region_id,
        employer_name=newest.employer_name,
        employer_key=key or code,
        employer_credit_code=code,
        trigger=trigger,
        min_cases=limits.min_cases,
        window_days=limits.window_days,
    )
    warning.cases.add(*{c.pk for c in window} | {c.pk for c in new_cases})
    _attach_risk_reports(warning)
    case_event_record(
        case_id=newest.pk,
        name="group_warning",
        actor=SYSTEM,
        note=_("%(employer)s：%(trigger)s，已提示本地区主管部门。")
        % {"employer": newest.employer_name, "trigger": warning.get_trigger_display()},
        payload={"warning": warning.pk, "employer": newest.employer_name, "trigger": trigger},
    )
    return warning


@transaction.atomic
def group_warning_check(*, case_ids: list[int] = (), cases: list[Case] | None = None) -> list[GroupWarning]:
    """Check the thresholds for new cases (after intake, or again at any time): each case joins the open warning
    of its employer and region, or opens one when the rule is met. Returns the warnings opened or joined.
    ``cases``: the cases as the caller holds them (intake, those it has just filed) instead of ``case_ids``."""
    if cases is None:
        cases = list(Case.objects.filter(pk__in=case_ids).select_related("collective"))
    cases = sorted(
        (c for c in cases if c.region_id is not None and (c.employer_key or c.employer_credit_code)),
        key=lambda c: (c.created_at, c.pk),
    )
    groups: dict[tuple[int, str], list[Case]] = {}
    for case in cases:
        groups.setdefault((case.region_id, case.employer_credit_code or case.employer_key), []).append(case)
    touched = []
    for (region_id, _identity), group in groups.items():
        warning = _check_employer(region_id=region_id, new_cases=group)
        if warning is not None:
            touched.append(warning)
    return touched


@transaction.atomic
def group_warning_attach_risk_report(*, report_id: int) -> GroupWarning | None:
    """Put a new risk report on the open warning of its employer and region, if there is one (for the risk-report
    intake to call; the employer page shows every report side by side in any case)."""
    report = RiskReport.objects.filter(pk=report_id).first()
    if report is None:
        return None
    warning = open_warning_for(
        region_id=report.region_id, key=report.employer_key, credit_code=report.employer_credit_code
    )
    if warning is not None:
        warning.risk_reports.add(report)
    return warning


# --- Officials' list and actions -------------------------------------------------------------------------------
def group_warning_list_visible_to(*, user) -> QuerySet[GroupWarning]:
    scope = scope_for(user)
    qs = GroupWarning.objects.select_related("region", "acknowledged_by", "coordinator", "closed_by")
    if scope.is_superuser:
        return qs
    if not scope.region_ids:
        return qs.none()
    return qs.filter(region_id__in=scope.region_ids)


def group_warnings_visible(user) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or bool(scope.region_ids)


def _locked_visible(*, warning_id: int, actor) -> GroupWarning:
    warning = (
        group_warning_list_visible_to(user=actor)
        .select_for_update(of=("self",))
        .filter(pk=warning_id)
        .first()
    )
    if warning is None:
        raise PermissionDenied(_("您无权处理该预警。"))
    return warning


@transaction.atomic
def group_warning_acknowledge(*, warning_id: int, actor, note: str = "") -> GroupWarning:
    """Take an open warning in hand (who and when). Acknowledged already: unchanged; closed: 409."""
    warning = _locked_visible(warning_id=warning_id, actor=actor)
    if warning.is_closed:
        raise GroupWarningConflict(warning)
    if warning.status == GroupWarningStatus.ACKNOWLEDGED:
        return warning
    warning.save(update_fields=warning.mark_acknowledged(actor=actor, note=note))
    return warning


def coordinator_choices():
    """Who may coordinate: active staff accounts (a coordinator may come from any agency of the region)."""
    return get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")


@transaction.atomic
def group_warning_assign_coordinator(*, warning_id: int, actor, coordinator, note: str = "") -> GroupWarning:
    """Name the person who coordinates the response (acknowledging the warning on the way). Closed: 409."""
    warning = _locked_visible(warning_id=warning_id, actor=actor)
    if warning.is_closed:
        raise GroupWarningConflict(warning)
    if coordinator is None or not coordinator.is_active:
        raise ValidationError({"coordinator": [_("请选择一名在职的工作人员作为协调人。")]})
    now = timezone.now()
    fields = {"coordinator", "coordinator_assigned_at", "note"}
    if warning.status == GroupWarningStatus.OPEN:
        fields.update(warning.mark_acknowledged(actor=actor, at=now))
    warning.coordinator, warning.coordinator_assigned_at = coordinator, now
    label = _("指定协调人：%(name)s") % {"name": coordinator.get_full_name() or coordinator.get_username()}
    warning.journal(label, note, now)
    warning.save(update_fields=fields)
    return warning


@transaction.atomic
def group_warning_close(*, warning_id: int, actor, note: str) -> GroupWarning:
    """Close a warning with a note of how it ended (required). A closed warning is final: new cases of the
    employer may open a new one. Closing twice: 409."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("办结预警时请填写处置情况。")]})
    warning = _locked_visible(warning_id=warning_id, actor=actor)
    if warning.is_closed:
        raise GroupWarningConflict(warning)
    warning.save(update_fields=warning.mark_closed(actor=actor, note=note))
    return warning


# --- Thresholds and prevention work entered by officials -------------------------------------------------------
def regions_managed_by(user) -> QuerySet[Region]:
    scope = scope_for(user)
    if scope.is_superuser:
        return Region.objects.all()
    return Region.objects.filter(pk__in=scope.region_ids)


def employer_visit_list_visible_to(*, user) -> QuerySet[EmployerVisit]:
    scope = scope_for(user)
    qs = EmployerVisit.objects.select_related("region", "recorded_by")
    if scope.is_superuser:
        return qs
    return qs.filter(region_id__in=scope.region_ids) if scope.region_ids else qs.none()


def group_warning_setting_list_visible_to(*, user) -> QuerySet[GroupWarningSetting]:
    scope = scope_for(user)
    qs = GroupWarningSetting.objects.select_related("region", "updated_by")
    if scope.is_superuser:
        return qs
    return qs.filter(region_id__in=scope.region_ids) if scope.region_ids else qs.none()


def _check_region(user, region_id: int | None) -> None:
    scope = scope_for(user)
    if not (scope.is_superuser or region_id in scope.region_ids):
        raise PermissionDenied(_("只能为您主管的区域录入。"))


@transaction.atomic
def employer_visit_save(*, visit: EmployerVisit, actor) -> EmployerVisit:
    """Save a check-up or visit entered by an official of its region (the employer's key and code normalized
    so the employer page finds it)."""
    _check_region(actor, visit.region_id)
    if visit.pk is not None:
        _check_region(actor, EmployerVisit.objects.values_list("region_id", flat=True).get(pk=visit.pk))
    visit.employer_name = visit.employer_name.strip()
    visit.employer_key = employer_key(visit.employer_name)
    visit.employer_credit_code = normalize(visit.employer_credit_code)
    if visit.recorded_by_id is None:
        visit.recorded_by = actor
    visit.save()
    return visit


@transaction.atomic
def group_warning_setting_save(*, setting: GroupWarningSetting, actor) -> GroupWarningSetting:
    """Save a region's thresholds, set by an official of that region."""
    _check_region(actor, setting.region_id)
    if setting.pk is not None:
        _check_region(
            actor, GroupWarningSetting.objects.values_list("region_id", flat=True).get(pk=setting.pk)
        )
    setting.updated_by = actor
    setting.save()
    return setting
