"""Reads of the summary tables, scoped to the user: the raw sums behind every figure (no suppression, no
labels; :mod:`stats.report` adds those).

A question is answered from the smallest cut that has what it asks for (:func:`stats.definitions.level_for`),
and a period from as few rows as possible: whole years from the yearly rows, whole months from the monthly rows,
the days left over from the daily rows (:func:`period_pieces`). So the work depends on the directory and the
length of the period, never on the number of cases.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from disputes.models import GroupWarning
from disputes.models.related import GroupWarningStatus
from disputes.states import Category, Channel
from organizations.models import Organization, Region
from organizations.selectors import scope_for
from organizations.states import Industry, OrgType, Role

from .definitions import (
    ALL,
    DEADLINE_OUTCOMES,
    GRAIN_DAY,
    GRAIN_MONTH,
    GRAIN_YEAR,
    LEVEL_CATEGORY,
    LEVEL_FULL,
    MEASURE_CODES,
    SERIES,
    level_for,
)
from .models import CloseDaysFact, DeadlineFact, Fact

EARLIEST = date(2000, 1, 1)  # no case is older; the start of "everything up to" sums
FILTER_FIELDS = ("from", "to", "region", "station", "industry", "channel", "category")


# --- Who sees what ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatsScope:
    """Which cases a user's figures cover: everything (superusers), or the cases of their regions (officials: by
    the case's region, or a station of the region) and of their stations and branch outlets (station admins)."""

    everything: bool = False
    region_ids: frozenset[int] = frozenset()
    station_ids: frozenset[int] = frozenset()

    @property
    def allowed(self) -> bool:
        return self.everything or bool(self.region_ids or self.station_ids)


def stats_scope_for(user) -> StatsScope:
    scope = scope_for(user)
    if scope.is_superuser:
        return StatsScope(everything=True)
    return StatsScope(
        region_ids=scope.region_ids, station_ids=scope.orgs_with_role(Role.OFFICIAL, Role.STATION_ADMIN)
    )


def stats_allowed(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and stats_scope_for(user).allowed


def stats_regions_for(scope: StatsScope) -> list[Region]:
    """The regions a user may pick: all, or those of their scope (with the ancestors of their stations' regions)."""
    regions = list(Region.objects.select_related("parent").order_by("code"))
    if scope.everything:
        return regions
    by_id = {r.pk: r for r in regions}
    wanted = set(scope.region_ids)
    for region_id in Organization.objects.filter(pk__in=scope.station_ids).values_list(
        "region_id", flat=True
    ):
        while region_id is not None and region_id not in wanted:
            wanted.add(region_id)
            region_id = by_id[region_id].parent_id if region_id in by_id else None
    return [r for r in regions if r.pk in wanted]


def stats_stations_for(scope: StatsScope) -> list[Organization]:
    """The mediation organizations a user may pick (stations and their branch outlets)."""
    qs = (
        Organization.objects.filter(type__in=OrgType.mediation_types())
        .select_related("parent")
        .order_by("code")
    )
    if scope.everything:
        return list(qs)
    return list(qs.filter(Q(pk__in=scope.station_ids) | Q(region_id__in=scope.region_ids)))


# --- Filters -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StatsFilters:
    date_from: date
    date_to: date
    region: Region | None = None
    station: Organization | None = None
    industry: str = ""
    channel: str = ""
    category: str = ""
    region_ids: frozenset[int] | None = None  # the region and the regions below it
    station_ids: frozenset[int] | None = None  # the station and its branch outlets

    def params(self) -> dict[str, str]:
        """The filters as query parameters (the contract's names), for links and exports."""
        values = {
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "region": self.region.code if self.region else "",
            "station": self.station.code if self.station else "",
            "industry": self.industry,
            "channel": self.channel,
            "category": self.category,
        }
        return {k: v for k, v in values.items() if v}

    @property
    def dimensions(self) -> set[str]:
        return {d for d in ("industry", "channel", "category") if getattr(self, d)}


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    today = today or timezone.localdate()
    month = today.month - 11
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, 1), today


def _descendants(root: int, parents: Mapping[int, int | None]) -> frozenset[int]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for node, parent in parents.items():
        children[parent].append(node)
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(children.get(node, ()))
    return frozenset(seen)


def stats_filters_parse(*, params: Mapping[str, str], scope: StatsScope) -> StatsFilters:
    """Read the contract's filters from ``params`` (``from``, ``to`` as YYYY-MM-DD; ``region``, ``station`` as
    codes; ``industry``, ``channel``, ``category`` as choice codes; all optional).

    Raises ``ValidationError`` (400) for a value that is not a date, a code or a choice, or a period that runs
    backwards or outside 2000 to next year; ``PermissionDenied`` (403) for a region or station outside the user's
    scope. A region includes the regions below it; a station its branch outlets."""
    errors: dict[str, list[str]] = {}
    default_from, default_to = default_period()
    dates = {}
    for name, default in (("from", default_from), ("to", default_to)):
        raw = (params.get(name) or "").strip()
        if not raw:
            dates[name] = default
            continue
        try:
            value = parse_date(raw)
        except ValueError:
            value = None
        if value is None:
            errors[name] = [_("日期格式应为 YYYY-MM-DD，例如 2026-01-31。")]
        elif not EARLIEST <= value <= date(timezone.localdate().year + 1, 12, 31):
            errors[name] = [_("日期超出可统计的范围（2000 年至明年）。")]
        else:
            dates[name] = value
    if "from" in dates and "to" in dates and dates["from"] > dates["to"]:
        errors["to"] = [_("结束日期不能早于开始日期。")]

    choices = {"industry": Industry.values, "channel": Channel.values, "category": Category.values}
    chosen = {}
    for name, allowed in choices.items():
        value = (params.get(name) or "").strip()
        if value and value not in allowed:
            errors[name] = [_("未知的代码：%(v)s。") % {"v": value[:40]}]
        chosen[name] = value

    region = station = None
    region_ids = station_ids = None
    code = (params.get("region") or "").strip()
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            errors["region"] = [_("未知的地区代码：%(v)s。") % {"v": code[:40]}]
        else:
            region_ids = _descendants(region.pk, dict(Region.objects.values_list("id", "parent_id")))
    code = (params.get("station") or "").strip()
    if code:
        station = Organization.objects.filter(code=code, type__in=OrgType.mediation_types()).first()
        if station is None:
            errors["station"] = [_("未知的调解组织代码：%(v)s。") % {"v": code[:40]}]
        else:
            station_ids = _descendants(station.pk, dict(Organization.objects.values_list("id", "parent_id")))
    if errors:
        raise ValidationError(errors)
    if not scope.everything:
        if region is not None and not (
            region_ids & scope.region_ids
            or Organization.objects.filter(pk__in=scope.station_ids, region_id__in=region_ids).exists()
        ):
            raise PermissionDenied(_("该地区不在您的统计范围内。"))
        if station is not None and not (
            station_ids & scope.station_ids
            or Organization.objects.filter(pk__in=station_ids, region_id__in=scope.region_ids).exists()
        ):
            raise PermissionDenied(_("该调解组织不在您的统计范围内。"))
    return StatsFilters(
        date_from=dates["from"],
        date_to=dates["to"],
        region=region,
        station=station,
        region_ids=region_ids,
        station_ids=station_ids,
        **chosen,
    )


# --- Periods -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Piece:
    grain: str
    first: date  # the key of the first row (a day, or the first day of a month or year)
    last: date


def _month_last(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_pieces(start: date, end: date, *, years: bool = True) -> list[Piece]:
    """``start``..``end`` (inclusive) as runs of whole years, whole months and single days, fewest rows first."""
    pieces: list[Piece] = []
    day = start
    while day <= end:
        if years and day.month == 1 and day.day == 1 and date(day.year, 12, 31) <= end:
            grain, following = GRAIN_YEAR, date(day.year + 1, 1, 1)
        elif day.day == 1 and _month_last(day) <= end:
            grain, following = GRAIN_MONTH, _next_month(day)
        else:
            grain, following = GRAIN_DAY, day + timedelta(days=1)
        if pieces and pieces[-1].grain == grain:
            pieces[-1] = Piece(grain, pieces[-1].first, day)
        else:
            pieces.append(Piece(grain, day, day))
        day = following
    return pieces


# --- Cells -------------------------------------------------------------------------------------------------------
# The questions are a handful of shapes asked many times a page; their SQL is written here rather than composed
# by the ORM, whose compilation of two dozen sums over a dozen OR-ed ranges cost more than running them.
def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _in(column: str, values) -> tuple[str, list]:
    values = sorted(values)
    if not values:
        return "1 = 0", []
    return f"{_q(column)} IN ({', '.join(['%s'] * len(values))})", values


@dataclass(frozen=True)
class Where:
    sql: str
    params: list


def _cells_where(
    filters: StatsFilters, scope: StatsScope, *, start: date, end: date, group: str | None = None, years=True
) -> Where:
    """The rows to sum: the smallest level that has what the question asks for, the period as runs of years,
    months and days, the filters and the user's scope."""
    wanted = set(filters.dimensions)
    if group in ("industry", "channel", "category"):
        wanted.add(group)
    level = level_for(wanted)
    parts, params = [f"{_q('level')} = %s"], [level]
    ranges = []
    for piece in period_pieces(start, end, years=years):
        ranges.append(f"({_q('grain')} = %s AND {_q('day')} >= %s AND {_q('day')} <= %s)")
        params += [piece.grain, piece.first.isoformat(), piece.last.isoformat()]
    parts.append("(" + (" OR ".join(ranges) or "1 = 0") + ")")
    if not scope.everything:
        regions, region_params = _in("region_id", scope.region_ids)
        stations, station_params = _in("station_id", scope.station_ids)
        parts.append(f"({regions} OR {stations})")
        params += region_params + station_params
    for column, chosen in (("region_id", filters.region_ids), ("station_id", filters.station_ids)):
        if chosen is not None:
            sql, values = _in(column, chosen)
            parts.append(sql)
            params += values
    for dimension in ("industry", "channel"):
        if getattr(filters, dimension):
            parts.append(f"{_q(dimension)} = %s")
            params.append(getattr(filters, dimension))
    if filters.category:
        parts.append(f"{_q('category')} = %s")
        params.append(filters.category)
    elif level == LEVEL_FULL and group != "category":
        parts.append(f"{_q('category')} = %s")  # the "any category" rows
        params.append(ALL)
    elif level in (LEVEL_FULL, LEVEL_CATEGORY):
        parts.append(f"{_q('category')} <> %s")
        params.append(ALL)
    return Where(" AND ".join(parts), params)


def _select(model, columns: list[str], where: Where, group: list[str] = ()) -> list[tuple]:
    table = _q(model._meta.db_table)
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {where.sql}"  # noqa: S608 (names from the code)  # nosec B608
    if group:
        sql += f" GROUP BY {', '.join(group)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, where.params)
        return cursor.fetchall()


def _sums(codes) -> list[str]:
    return [f"SUM({_q(code)})" for code in codes]


def _clean(values) -> dict[str, int]:
    return {code: int(value or 0) for code, value in zip(MEASURE_CODES, values, strict=True)}


def stats_totals(*, filters: StatsFilters, scope: StatsScope) -> dict[str, int]:
    """Every measure summed over the period."""
    where = _cells_where(filters, scope, start=filters.date_from, end=filters.date_to)
    return _clean(_select(Fact, _sums(MEASURE_CODES), where)[0])


def stats_in_progress(*, filters: StatsFilters, scope: StatsScope) -> int:
    """Cases received by the end of the period and not concluded by then."""
    where = _cells_where(filters, scope, start=EARLIEST, end=filters.date_to)
    received, concluded = _select(Fact, _sums(("received", "concluded")), where)[0]
    return int(received or 0) - int(concluded or 0)


def stats_close_days(*, filters: StatsFilters, scope: StatsScope) -> list[tuple[int, int]]:
    """(days, how many cases) for the cases closed in the period, by days."""
    where = _cells_where(filters, scope, start=filters.date_from, end=filters.date_to)
    rows = _select(CloseDaysFact, [_q("days"), f"SUM({_q('n')})"], where, [_q("days")])
    return sorted((int(days), int(n)) for days, n in rows if n)


def median(histogram: list[tuple[int, int]]) -> float | None:
    """The median of the values a (value, count) histogram in ascending order describes; for an even count, the
    mean of the two middle values. None when empty."""
    total = sum(n for _value, n in histogram)
    if total <= 0:
        return None
    lower_rank, upper_rank = (total + 1) // 2, total // 2 + 1
    lower = upper = None
    seen = 0
    for value, n in histogram:
        seen += n
        if lower is None and seen >= lower_rank:
            lower = value
        if seen >= upper_rank:
            upper = value
            break
    return (lower + upper) / 2


@dataclass
class DeadlineCounts:
    rule_id: int
    on_time: int = 0
    late: int = 0
    overdue_open: int = 0

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.overdue_open


def stats_deadlines(
    *, filters: StatsFilters, scope: StatsScope, today: date | None = None
) -> list[DeadlineCounts]:
    """Per rule, the deadlines that fell due in the period, on a day already past: met on time, late (met after,
    or left the stage after), and still open."""
    today = today or timezone.localdate()
    end = min(filters.date_to, today - timedelta(days=1))
    if end < filters.date_from:
        return []
    where = _cells_where(filters, scope, start=filters.date_from, end=end)
    rows = _select(DeadlineFact, [_q("rule_id"), *_sums(DEADLINE_OUTCOMES)], where, [_q("rule_id")])
    result = [DeadlineCounts(int(r[0]), *(int(v or 0) for v in r[1:])) for r in sorted(rows)]
    return [r for r in result if r.due]


@dataclass(frozen=True)
class WarningCounts:
    open_now: int
    raised: int
    applicable: bool  # False: the user oversees no region (warnings are raised per region)


def stats_warnings(*, filters: StatsFilters, scope: StatsScope) -> WarningCounts:
    """Group-dispute warnings of the user's regions (filtered by region only): not closed now, raised in the
    period."""
    if not (scope.everything or scope.region_ids):
        return WarningCounts(0, 0, False)
    qs = GroupWarning.objects.all()
    if not scope.everything:
        qs = qs.filter(region_id__in=scope.region_ids)
    if filters.region_ids is not None:
        qs = qs.filter(region_id__in=filters.region_ids)
    counts = qs.aggregate(
        open_now=Count("pk", filter=~Q(status=GroupWarningStatus.CLOSED)),
        raised=Count(
            "pk", filter=Q(opened_at__date__gte=filters.date_from, opened_at__date__lte=filters.date_to)
        ),
    )
    return WarningCounts(open_now=counts["open_now"], raised=counts["raised"], applicable=True)


# --- Breakdowns ------------------------------------------------------------------------------------------------
@dataclass
class SeriesRow:
    key: object  # a date (month), a choice code, or an id (0: none)
    values: dict[str, int] = field(default_factory=dict)


def stats_series(
    *, dimension: str, filters: StatsFilters, scope: StatsScope, names: Names | None = None
) -> list[SeriesRow]:
    """The measures by month (every month of the period from the first with any figure, empty ones too) or by a
    dimension's value (those with any figure). Stations are counted with their branch outlets under the
    station."""
    if dimension not in SERIES:
        raise ValueError(dimension)
    column = SERIES[dimension].level_dimension
    if dimension == "month":
        where = _cells_where(filters, scope, start=filters.date_from, end=filters.date_to, years=False)
        month = _trunc_month(_q("day"))
        found = {}
        for row in _select(Fact, [month, *_sums(MEASURE_CODES)], where, [month]):
            key = row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0])[:10])
            found[key] = _clean(row[1:])
        months, month_start = [], filters.date_from.replace(day=1)
        while month_start <= filters.date_to:
            months.append(month_start)
            month_start = _next_month(month_start)
        rows = [SeriesRow(m, found.get(m, _clean([0] * len(MEASURE_CODES)))) for m in months]
        # A period that starts before the first case (a request from 2000) starts at the first month with one.
        while len(rows) > 1 and not any(rows[0].values.values()):
            rows.pop(0)
        return rows
    where = _cells_where(filters, scope, start=filters.date_from, end=filters.date_to, group=column)
    merged: dict[object, dict[str, int]] = {}
    if dimension == "station":
        names = names or Names.load()
    for row in _select(Fact, [_q(column), *_sums(MEASURE_CODES)], where, [_q(column)]):
        key = names.top_station(row[0]) if dimension == "station" else row[0]
        target = merged.setdefault(key, dict.fromkeys(MEASURE_CODES, 0))
        for code, value in _clean(row[1:]).items():
            target[code] += value
    result = [SeriesRow(k, v) for k, v in merged.items() if any(v.values())]
    result.sort(key=lambda row: (-row.values["received"], -row.values["concluded"], str(row.key)))
    return result


def _trunc_month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


@dataclass(frozen=True)
class Names:
    """The directory as the breakdowns need it, read once per request: organizations and regions by id."""

    orgs: dict[int, tuple[str, str, int | None, str]]  # id → (code, name, parent id, type)
    regions: dict[int, tuple[str, str]]  # id → (code, name)

    @classmethod
    def load(cls) -> Names:
        return cls(
            orgs={
                i: (code, name, parent, kind)
                for i, code, name, parent, kind in Organization.objects.values_list(
                    "id", "code", "name", "parent_id", "type"
                )
            },  # fmt: skip
            regions={i: (code, name) for i, code, name in Region.objects.values_list("id", "code", "name")},
        )

    def top_station(self, org_id: int) -> int:
        """A branch outlet's station; any other organization itself."""
        code, name, parent, kind = self.orgs.get(org_id, ("", "", None, ""))
        return parent if kind == OrgType.BRANCH_OUTLET and parent else org_id
