"""Computing a case's legal deadlines from its events, its dates and the rules (pure: no writes).

The stored copy (:class:`~disputes.models.CaseDeadline`) is refreshed by
:func:`disputes.services.case_deadlines_refresh` in the same transaction as every case change.

Its inputs that are reference data (the active rules, the working-day calendar) are read by
:func:`active_deadline_rules` and :func:`working_calendar`: from the database on every call, except inside
:func:`deadline_inputs_reused`, where the first read is kept for the rest of the block.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .states import OPEN_STATES, Category
from .workdays import WorkingCalendar

# Triggers that are dates the worker gave at intake rather than events of the case.
CASE_DATE_TRIGGERS = ("knowledge_date", "employment_ended_on")
# The history event that extends a deadline the law lets be extended (payload: the rule's code and the days;
# disputes.services.deadline_extend). Its days lengthen the rule's period, up to the rule's maximum.
EXTEND_EVENT = "extend_deadline"
DUE_SOON_DAYS = 3

# The reference data read so far inside deadline_inputs_reused(); None outside it.
_reused: ContextVar[dict | None] = ContextVar("deadline_inputs_reused", default=None)


@contextmanager
def deadline_inputs_reused() -> Iterator[None]:
    """Inside the block, the active rules and the calendar are read from the database at most once each.

    For one short business action that computes deadlines several times (a filing: its notices, the new case,
    its triage) and never edits rules or holidays itself: an edit committed meanwhile by someone else is seen by
    the next action, as it would be had the action started a moment later. Nested blocks share the outer one's
    reads. Not for long-running loops (a batch job would keep stale rules for its whole run)."""
    if _reused.get() is not None:
        yield
        return
    token = _reused.set({})
    try:
        yield
    finally:
        _reused.reset(token)


def _read_once(name: str, load):
    memo = _reused.get()
    if memo is None:
        return load()
    if name not in memo:
        memo[name] = load()
    return memo[name]


def active_deadline_rules() -> list:
    """The active :class:`~disputes.models.DeadlineRule` rows, in the model's order (by code)."""
    from .models import DeadlineRule

    return list(_read_once("rules", lambda: list(DeadlineRule.objects.filter(is_active=True))))


def working_calendar() -> WorkingCalendar:
    """The working-day calendar with the officials' holiday notices (:meth:`WorkingCalendar.from_database`)."""
    return _read_once("calendar", WorkingCalendar.from_database)


@dataclass(frozen=True)
class ComputedDeadline:
    rule_id: int
    starts_on: date
    due_on: date
    provisional: bool
    met_at: datetime | None
    is_active: bool
    extended_days: int = 0


def _extended_days(rule, events, triggered_at: datetime | None) -> int:
    """The days ``events`` extended ``rule`` by since it was triggered, never more than the rule allows (the
    service records one extension; a history with more is counted up to the maximum)."""
    if not rule.max_extension_days:
        return 0
    days = sum(
        int((e.payload or {}).get("days") or 0)
        for e in events
        if e.transition == EXTEND_EVENT
        and (e.payload or {}).get("rule") == rule.code
        and (triggered_at is None or e.created_at >= triggered_at)
    )
    return min(max(days, 0), rule.max_extension_days)


def _applies(rule, case, categories: set[str]) -> bool:
    if rule.categories and not categories.intersection(rule.categories):
        return False
    wages_only = bool(categories) and categories <= {Category.WAGES}
    return not (rule.wage_arrears_exempt and case.still_employed and wages_only)


def compute_case_deadlines(*, case, events, rules, categories: set[str], calendar: WorkingCalendar):
    """The deadlines each active rule gives this case; ``events`` in time order (an :data:`EXTEND_EVENT` among
    them needs its ``payload``)."""
    results = []
    for rule in rules:
        if not _applies(rule, case, categories):
            continue
        if rule.trigger in CASE_DATE_TRIGGERS:
            start = getattr(case, rule.trigger)
            triggered_at = None
        else:
            triggers = [e for e in events if e.transition == rule.trigger]
            if not triggers:
                continue
            triggered_at = triggers[-1].created_at
            start = timezone.localdate(triggered_at)
        if start is None:
            continue
        extended = _extended_days(rule, events, triggered_at)
        due, provisional = calendar.add_period(
            start,
            years=rule.period_years,
            months=rule.period_months,
            days=rule.period_days + extended,
            day_type=rule.day_type,
        )
        met_at = next(
            (
                e.created_at
                for e in events
                if e.transition in rule.met_by and (triggered_at is None or e.created_at >= triggered_at)
            ),
            None,
        )
        active_states = rule.active_states or OPEN_STATES
        results.append(
            ComputedDeadline(
                rule_id=rule.pk,
                starts_on=start,
                due_on=due,
                provisional=provisional,
                met_at=met_at,
                is_active=case.status in active_states,
                extended_days=extended,
            )
        )
    return results


def nearest_open_due(deadlines: Iterable[ComputedDeadline]) -> date | None:
    """The nearest due date of the active, unmet ``deadlines``: ``Case.next_due_on`` as the database keeps it from
    the stored rows (the trigger of migration 0013). A service that knows a case's deadlines before writing them
    sets it on the row first, so the trigger finds nothing to change."""
    return min((d.due_on for d in deadlines if d.is_active and d.met_at is None), default=None)


def deadline_extendable_days(deadline, today: date | None = None) -> int:
    """How many days a stored deadline may lawfully be extended by now (once, up to its rule's maximum): none
    once it is met, no longer counted, past or extended already, or when its rule allows no extension."""
    today = today or timezone.localdate()
    if (
        deadline.met_at is not None
        or not deadline.is_active
        or deadline.due_on < today
        or deadline.extended_days
    ):
        return 0
    return deadline.rule.max_extension_days


def deadline_state(deadline, today: date | None = None) -> tuple[str, str]:
    """(code, label) for display: met, inactive, overdue, due_soon or open."""
    today = today or timezone.localdate()
    if deadline.met_at:
        return "met", str(_("已完成"))
    if not deadline.is_active:
        return "inactive", str(_("不再计算"))
    remaining = (deadline.due_on - today).days
    if remaining < 0:
        return "overdue", str(_("已超期 %(n)d 天") % {"n": -remaining})
    if remaining <= DUE_SOON_DAYS:
        return "due_soon", str(_("%(n)d 天内到期") % {"n": remaining}) if remaining else str(_("今天到期"))
    return "open", str(_("还有 %(n)d 天") % {"n": remaining})
