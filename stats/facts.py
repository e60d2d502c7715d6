"""From a case and its history to its snapshot, and from a snapshot to the cells it adds to. Pure: no queries.

:func:`snapshot_for` is the only definition of what a case's history means for the figures; the case effect, the
beat task and the full rebuild all call it. :func:`cells_for` spreads a snapshot over the summary tables' cells
as :data:`stats.definitions.MEASURES` says; the full rebuild's SQL is generated from the same list
(:mod:`stats.rebuild`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter

from django.utils import timezone

from disputes.states import OPEN_STATES, CaseStatus

from .definitions import (
    ALL,
    AWARD_EVENT,
    CATEGORY_BITS,
    CLOSE_DAYS_CAP,
    DEADLINE_LATE,
    DEADLINE_ON_TIME,
    DEADLINE_OPEN,
    GRAIN_DAY,
    GRAIN_MONTH,
    GRAIN_YEAR,
    LEVEL_CATEGORY,
    LEVEL_CHANNEL,
    LEVEL_FULL,
    LEVEL_INDUSTRY,
    LEVEL_REGION_STATION,
    MEASURES,
    MEDIATION_END_TRANSITIONS,
    PAYMENT_TRANSITIONS,
)

S = CaseStatus


def local_day(moment: datetime | None) -> date | None:
    """The calendar day of ``moment`` in ``settings.TIME_ZONE`` (whatever timezone is active)."""
    if moment is None:
        return None
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def fen(amount: Decimal | None) -> int:
    return int((amount or Decimal("0")) * 100)


@dataclass(frozen=True)
class Event:
    """One history row as the figures need it: in time order, with its local day."""

    transition: str
    from_state: str
    to_state: str
    day: date


@dataclass(frozen=True)
class CaseRow:
    """The case fields the figures read."""

    id: int
    status: str
    region_id: int | None
    station_id: int | None
    industry: str
    channel: str
    created_at: datetime
    closed_at: datetime | None
    amount_claimed: Decimal | None
    amount_agreed: Decimal | None
    amount_paid: Decimal | None

    @classmethod
    def of(cls, case) -> CaseRow:
        return cls(**{f.name: getattr(case, f.name) for f in fields(cls)})

    FIELDS = (
        "id",
        "status",
        "region_id",
        "station_id",
        "industry",
        "channel",
        "created_at",
        "closed_at",
        "amount_claimed",
        "amount_agreed",
        "amount_paid",
    )


@dataclass(frozen=True)
class DeadlineRow:
    """A stored deadline (``CaseDeadline``) with the rule fields the outcome needs."""

    rule_id: int
    due_on: date
    met_at: datetime | None
    trigger: str
    active_states: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """Field for field a :class:`stats.models.CaseSnapshot` (plus its deadlines)."""

    case_id: int
    region_id: int = 0
    station_id: int = 0
    industry: str = ""
    channel: str = ""
    categories: int = 0
    received_on: date | None = None
    accepted_on: date | None = None
    mediation_ended_on: date | None = None
    agreed_on: date | None = None
    paid_on: date | None = None
    concluded_on: date | None = None
    referred_on: date | None = None
    arb_accepted_on: date | None = None
    arb_closed_on: date | None = None
    claimed_fen: int = 0
    agreed_fen: int = 0
    paid_fen: int = 0
    was_accepted: int = 0
    was_mediated: int = 0
    was_agreed: int = 0
    was_paid: int = 0
    was_referred: int = 0
    was_arb_accepted: int = 0
    was_awarded: int = 0
    was_arb_closed: int = 0
    mediation_success: int = 0
    is_closed: int = 0
    is_withdrawn: int = 0
    is_rejected: int = 0
    close_days: int = 0
    deadlines: tuple[tuple[int, date, str], ...] = field(default=(), compare=True)

    def row(self) -> dict:
        """The model's fields (without the deadlines)."""
        return dict(zip(ROW_FIELDS, self.values(), strict=True))

    def values(self) -> tuple:
        """The model's fields (without the deadlines) in :data:`ROW_FIELDS` order. Faster than ``asdict``, which
        deep-copies every field: a rebuild writes a million of these."""
        return _row_values(self)


ROW_FIELDS = tuple(f.name for f in fields(Snapshot) if f.name != "deadlines")
_row_values = attrgetter(*ROW_FIELDS)


def _first(events: list[Event], predicate) -> Event | None:
    return next((e for e in events if predicate(e)), None)


def deadline_outcome(deadline: DeadlineRow, *, status: str, events: list[Event]) -> str | None:
    """How a deadline counts: met on or before its due date (on time); met after it, or still running when it fell
    due and left unmet since (late); still running and unmet (open: overdue once its due date has passed, which is
    decided when the figures are read); or None, not counted: the case left the stage the deadline applies to
    before it fell due (withdrawn before acceptance, say)."""
    met_on = local_day(deadline.met_at)
    if met_on is not None:
        return DEADLINE_ON_TIME if met_on <= deadline.due_on else DEADLINE_LATE
    active = deadline.active_states or tuple(OPEN_STATES)
    if status in active:
        return DEADLINE_OPEN
    # It stopped applying when the case left its stage: after the deadline's trigger, the first step out of it.
    start = 0
    for i, event in enumerate(events):
        if event.transition == deadline.trigger:
            start = i + 1
    left = _first(events[start:], lambda e: e.to_state not in active)
    if left is not None and left.day > deadline.due_on:
        return DEADLINE_LATE
    return None


def snapshot_for(
    *,
    case: CaseRow,
    events: list[Event],
    categories: Iterable[str],
    deadlines: Iterable[DeadlineRow] = (),
) -> Snapshot:
    """The case's snapshot: what its current fields and its history (``events`` in time order) mean for each
    measure. Guarantees, for every case: ``received_on`` is its filing day; a step's day is the day of its first
    occurrence in the history, except the payment (the last); amounts are in fen and count only once their step
    has happened; ``close_days`` is set for cases closed (结案) only."""
    received_on = local_day(case.created_at)
    # One pass over the history: the first day of each step, the last payment, how mediation ended.
    first: dict[str, date] = {}
    payment = None
    ended: Event | None = None
    for event in events:
        name = event.transition
        if name not in first:
            first[name] = event.day
        if name in PAYMENT_TRANSITIONS:
            payment = event
        if ended is None and (
            name in MEDIATION_END_TRANSITIONS
            or (name == "refer_to_arbitration" and event.from_state == S.IN_MEDIATION)
        ):
            ended = event
    accepted_on = first.get("accept")
    agreed_on = first.get("record_agreement")
    referred_on = first.get("refer_to_arbitration")
    arb_accepted_on = first.get("accept_arbitration")
    arb_closed_on = first.get("close_arbitration")

    terminal = case.status in (S.CLOSED, S.WITHDRAWN, S.REJECTED)
    concluded_on = local_day(case.closed_at) if terminal else None
    if terminal and concluded_on is None:  # closed_at missing (a row written outside the services)
        concluded_on = events[-1].day if events else received_on
    paid_fen = fen(case.amount_paid) if payment is not None else 0
    is_closed = int(case.status == S.CLOSED)
    bits = 0
    for category in categories:
        bits |= CATEGORY_BITS.get(category, 0)
    outcomes = []
    for deadline in deadlines:
        outcome = deadline_outcome(deadline, status=case.status, events=events)
        if outcome is not None:
            outcomes.append((deadline.rule_id, deadline.due_on, outcome))
    return Snapshot(
        case_id=case.id,
        region_id=case.region_id or 0,
        station_id=case.station_id or 0,
        industry=case.industry,
        channel=case.channel,
        categories=bits,
        received_on=received_on,
        accepted_on=accepted_on,
        mediation_ended_on=ended.day if ended else None,
        agreed_on=agreed_on,
        paid_on=payment.day if payment else None,
        concluded_on=concluded_on,
        referred_on=referred_on,
        arb_accepted_on=arb_accepted_on,
        arb_closed_on=arb_closed_on,
        claimed_fen=fen(case.amount_claimed),
        agreed_fen=fen(case.amount_agreed) if agreed_on is not None else 0,
        paid_fen=paid_fen,
        was_accepted=int(accepted_on is not None),
        was_mediated=int("start_mediation" in first),
        was_agreed=int(agreed_on is not None),
        was_paid=int(paid_fen > 0),
        was_referred=int(referred_on is not None),
        was_arb_accepted=int(arb_accepted_on is not None),
        was_awarded=int(AWARD_EVENT in first),
        was_arb_closed=int(arb_closed_on is not None),
        mediation_success=int(ended is not None and ended.transition == "record_agreement"),
        is_closed=is_closed,
        is_withdrawn=int(case.status == S.WITHDRAWN),
        is_rejected=int(case.status == S.REJECTED),
        close_days=(concluded_on - received_on).days if is_closed and concluded_on and received_on else 0,
        deadlines=tuple(sorted(outcomes)),
    )


# --- Cells ---------------------------------------------------------------------------------------------------
def grain_day(grain: str, day: date) -> date:
    if grain == GRAIN_MONTH:
        return day.replace(day=1)
    if grain == GRAIN_YEAR:
        return date(day.year, 1, 1)
    return day


def category_keys(bits: int) -> list[str]:
    """ "" (any category) and each category in ``bits``."""
    return [ALL, *(code for code, bit in CATEGORY_BITS.items() if bits & bit)]


def cell_keys(snapshot: Snapshot, day: date, category: str) -> list[tuple]:
    """Every summary cell (grain, level, day, region, station, industry, channel, category) a case's
    contribution on ``day`` under ``category`` ("" for any) goes to."""
    r, s, i, c = snapshot.region_id, snapshot.station_id, snapshot.industry, snapshot.channel
    if category == ALL:
        cuts = [
            (LEVEL_REGION_STATION, ALL, ALL, ALL),
            (LEVEL_INDUSTRY, i, ALL, ALL),
            (LEVEL_CHANNEL, ALL, c, ALL),
            (LEVEL_FULL, i, c, ALL),
        ]
    else:
        cuts = [(LEVEL_CATEGORY, ALL, ALL, category), (LEVEL_FULL, i, c, category)]
    return [
        (grain, level, grain_day(grain, day), r, s, ind, ch, cat)
        for grain in (GRAIN_DAY, GRAIN_MONTH, GRAIN_YEAR)
        for level, ind, ch, cat in cuts
    ]


@dataclass
class Cells:
    """Additions to the three summary tables, by cell key."""

    facts: dict[tuple, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    close_days: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))  # key + (days,)
    deadlines: dict[tuple, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )  # key + (rule_id,)

    def add(self, snapshot: Snapshot | None, sign: int) -> None:
        if snapshot is None or snapshot.received_on is None:
            return
        keys = category_keys(snapshot.categories)
        by_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for measure in MEASURES:
            day = getattr(snapshot, measure.on)
            if day is None:
                continue
            value = measure.value if isinstance(measure.value, int) else getattr(snapshot, measure.value)
            if value:
                by_day[day][measure.code] += value
        for day, values in by_day.items():
            for category in keys:
                for key in cell_keys(snapshot, day, category):
                    cell = self.facts[key]
                    for code, value in values.items():
                        cell[code] += sign * value
        if snapshot.is_closed and snapshot.concluded_on is not None:
            days = min(snapshot.close_days, CLOSE_DAYS_CAP)
            for category in keys:
                for key in cell_keys(snapshot, snapshot.concluded_on, category):
                    self.close_days[(*key, days)] += sign
        for rule_id, due_on, outcome in snapshot.deadlines:
            for category in keys:
                for key in cell_keys(snapshot, due_on, category):
                    self.deadlines[(*key, rule_id)][outcome] += sign

    def nonzero(self) -> Cells:
        """The same additions without the cells (and values) that cancel out."""
        out = Cells()
        for key, values in self.facts.items():
            kept = {code: v for code, v in values.items() if v}
            if kept:
                out.facts[key].update(kept)
        for key, value in self.close_days.items():
            if value:
                out.close_days[key] = value
        for key, values in self.deadlines.items():
            kept = {code: v for code, v in values.items() if v}
            if kept:
                out.deadlines[key].update(kept)
        return out

    def __bool__(self) -> bool:
        return bool(self.facts or self.close_days or self.deadlines)


def cells_for(snapshot: Snapshot | None) -> Cells:
    cells = Cells()
    cells.add(snapshot, +1)
    return cells


def cells_changed(old: Snapshot | None, new: Snapshot | None) -> Cells:
    """What to add to the summary tables when a case's snapshot goes from ``old`` to ``new``."""
    cells = Cells()
    cells.add(old, -1)
    cells.add(new, +1)
    return cells.nonzero()
