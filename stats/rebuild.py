"""Rebuilding the summary tables from the snapshots in SQL (PostgreSQL and SQLite), for ``stats_rebuild``.

The statements are generated from :data:`stats.definitions.MEASURES`, the list the incremental path
(:meth:`stats.facts.Cells.add`) reads, so both spread a snapshot over the same cells. First the finest cut (level
"full", by day) is summed from the snapshots, grouping by the case's set of categories before splitting it into
one row per category (most cases share a few sets, so the split works on far fewer rows); every other cut and
every month and year is then summed from the one below it.
"""

from __future__ import annotations

from django.db import connection, transaction

from .definitions import (
    ALL,
    CATEGORY_BITS,
    CLOSE_DAYS_CAP,
    DEADLINE_OUTCOMES,
    GRAIN_DAY,
    GRAIN_MONTH,
    GRAIN_YEAR,
    LEVEL_CATEGORY,
    LEVEL_CHANNEL,
    LEVEL_FULL,
    LEVEL_INDUSTRY,
    LEVEL_REGION_STATION,
    MEASURE_CODES,
    MEASURES,
)
from .models import CaseSnapshot, CloseDaysFact, DeadlineFact, DeadlineSnapshot, Fact

DIMS = ("region_id", "station_id", "industry", "channel")


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model) -> str:
    return q(model._meta.db_table)


def _trunc(grain: str, column: str) -> str:
    unit = {GRAIN_MONTH: "month", GRAIN_YEAR: "year"}[grain]
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('{unit}', {column}) AS date)"
    return f"date({column}, 'start of {unit}')"


def _category_split() -> str:
    """A derived table of (category, bit): "" with bit 0 (any category), then each category with its bit."""
    rows = [f"SELECT '{ALL}' AS category, 0 AS bit"]
    rows += [f"SELECT '{code}', {bit}" for code, bit in CATEGORY_BITS.items()]
    return "(" + " UNION ALL ".join(rows) + ")"


_SPLIT_ON = "(k.bit = 0 OR (x.categories & k.bit) <> 0)"


def _fact_sql() -> str:
    """Level "full", grain day, from the snapshots: one SELECT per date field, each measure counted on its
    field's day and 0 in the others."""
    snap = table(CaseSnapshot)
    codes = [m.code for m in MEASURES]
    parts = []
    for on in dict.fromkeys(m.on for m in MEASURES):
        values = []
        for m in MEASURES:
            if m.on != on:
                values.append(f"0 AS {q(m.code)}")
            elif isinstance(m.value, int):
                values.append(f"{m.value} AS {q(m.code)}")
            else:
                values.append(f"s.{q(m.value)} AS {q(m.code)}")
        parts.append(
            f"SELECT s.{q(on)} AS day, {', '.join('s.' + q(d) for d in DIMS)}, s.categories, {', '.join(values)} "  # table and column names from the code, values never interpolated  # nosec B608
            f"FROM {snap} s WHERE s.{q(on)} IS NOT NULL AND s.received_on IS NOT NULL"
        )
    dims = ", ".join(q(d) for d in DIMS)
    sums = ", ".join(f"SUM({q(c)}) AS {q(c)}" for c in codes)
    grouped = f"SELECT day, {dims}, categories, {sums} FROM ({' UNION ALL '.join(parts)}) u GROUP BY day, {dims}, categories"  # table and column names from the code, values never interpolated  # nosec B608
    columns = ", ".join(q(c) for c in ("grain", "level", "day", *DIMS, "category", *codes))
    return (
        f"INSERT INTO {table(Fact)} ({columns}) "  # table and column names from the code, values never interpolated  # nosec B608
        f"SELECT '{GRAIN_DAY}', {LEVEL_FULL}, x.day, {', '.join('x.' + q(d) for d in DIMS)}, k.category, "
        f"{', '.join(f'SUM(x.{q(c)})' for c in codes)} "
        f"FROM ({grouped}) x JOIN {_category_split()} k ON {_SPLIT_ON} "
        f"GROUP BY x.day, {', '.join('x.' + q(d) for d in DIMS)}, k.category"
    )


def _close_days_sql() -> str:
    snap = table(CaseSnapshot)
    dims = ", ".join("s." + q(d) for d in DIMS)
    days = f"CASE WHEN s.close_days > {CLOSE_DAYS_CAP} THEN {CLOSE_DAYS_CAP} ELSE s.close_days END"
    grouped = (
        f"SELECT s.concluded_on AS day, {dims}, s.categories, {days} AS days, COUNT(*) AS n FROM {snap} s "  # table and column names from the code, values never interpolated  # nosec B608
        "WHERE s.is_closed = 1 AND s.concluded_on IS NOT NULL AND s.received_on IS NOT NULL "
        f"GROUP BY s.concluded_on, {dims}, s.categories, {days}"
    )
    columns = ", ".join(q(c) for c in ("grain", "level", "day", *DIMS, "category", "days", "n"))
    xdims = ", ".join("x." + q(d) for d in DIMS)
    return (
        f"INSERT INTO {table(CloseDaysFact)} ({columns}) "  # table and column names from the code, values never interpolated  # nosec B608
        f"SELECT '{GRAIN_DAY}', {LEVEL_FULL}, x.day, {xdims}, k.category, x.days, SUM(x.n) "
        f"FROM ({grouped}) x JOIN {_category_split()} k ON {_SPLIT_ON} "
        f"GROUP BY x.day, {xdims}, k.category, x.days"
    )


def _deadline_sql() -> str:
    snap, dead = table(CaseSnapshot), table(DeadlineSnapshot)
    dims = ", ".join("s." + q(d) for d in DIMS)
    counts = ", ".join(
        f"SUM(CASE WHEN d.outcome = '{o}' THEN 1 ELSE 0 END) AS {q(o)}" for o in DEADLINE_OUTCOMES
    )
    grouped = (
        f"SELECT d.due_on AS day, {dims}, s.categories, d.rule_id, {counts} "  # table and column names from the code, values never interpolated  # nosec B608
        f"FROM {dead} d JOIN {snap} s ON s.case_id = d.case_id WHERE s.received_on IS NOT NULL "
        f"GROUP BY d.due_on, {dims}, s.categories, d.rule_id"
    )
    columns = ", ".join(
        q(c) for c in ("grain", "level", "day", *DIMS, "category", "rule_id", *DEADLINE_OUTCOMES)
    )
    xdims = ", ".join("x." + q(d) for d in DIMS)
    return (
        f"INSERT INTO {table(DeadlineFact)} ({columns}) "  # table and column names from the code, values never interpolated  # nosec B608
        f"SELECT '{GRAIN_DAY}', {LEVEL_FULL}, x.day, {xdims}, k.category, x.rule_id, "
        f"{', '.join(f'SUM(x.{q(o)})' for o in DEADLINE_OUTCOMES)} "
        f"FROM ({grouped}) x JOIN {_category_split()} k ON {_SPLIT_ON} "
        f"GROUP BY x.day, {xdims}, k.category, x.rule_id"
    )


# Each coarser cut: (level, its industry and channel columns, the category rows of "full" it sums).
_CUTS = (
    (LEVEL_REGION_STATION, False, False, "= ''"),
    (LEVEL_INDUSTRY, True, False, "= ''"),
    (LEVEL_CHANNEL, False, True, "= ''"),
    (LEVEL_CATEGORY, False, False, "<> ''"),
)


def _derive_sql(model, extra: tuple[str, ...], values: tuple[str, ...]) -> list[str]:
    """The coarser cuts by day from level "full", then months from days and years from months, per level."""
    t = table(model)
    columns = ", ".join(q(c) for c in ("grain", "level", "day", *DIMS, "category", *extra, *values))
    sums = ", ".join(f"SUM({q(v)})" for v in values)
    extra_cols = "".join(f", {q(e)}" for e in extra)
    statements = []
    for level, industry, channel, category in _CUTS:
        split = [q("industry")] if industry else []
        split += [q("channel")] if channel else []
        split += [q("category")] if level == LEVEL_CATEGORY else []
        group = ", ".join([q("day"), q("region_id"), q("station_id"), *split, *(q(e) for e in extra)])
        ind = q("industry") if industry else "''"
        ch = q("channel") if channel else "''"
        cat = q("category") if level == LEVEL_CATEGORY else "''"
        statements.append(
            f"INSERT INTO {t} ({columns}) SELECT '{GRAIN_DAY}', {level}, {q('day')}, {q('region_id')}, "  # table and column names from the code, values never interpolated  # nosec B608
            f"{q('station_id')}, {ind}, {ch}, {cat}{extra_cols}, {sums} FROM {t} "
            f"WHERE grain = '{GRAIN_DAY}' AND level = {LEVEL_FULL} AND category {category} GROUP BY {group}"
        )
    keys = (
        f"{q('region_id')}, {q('station_id')}, {q('industry')}, {q('channel')}, {q('category')}{extra_cols}"
    )
    for level in (LEVEL_REGION_STATION, LEVEL_INDUSTRY, LEVEL_CHANNEL, LEVEL_CATEGORY, LEVEL_FULL):
        for grain, source in ((GRAIN_MONTH, GRAIN_DAY), (GRAIN_YEAR, GRAIN_MONTH)):
            start = _trunc(grain, q("day"))
            statements.append(
                f"INSERT INTO {t} ({columns}) SELECT '{grain}', {level}, {start}, {keys}, {sums} FROM {t} "  # table and column names from the code, values never interpolated  # nosec B608
                f"WHERE grain = '{source}' AND level = {level} GROUP BY {start}, {keys}"
            )
    return statements


def tables_rebuild() -> int:
    """Empty the three summary tables and fill them from the snapshots, in one transaction that holds the
    snapshot tables against writers (on PostgreSQL; SQLite serializes writers anyway). Returns the number of
    rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"LOCK TABLE {table(CaseSnapshot)}, {table(DeadlineSnapshot)} IN EXCLUSIVE MODE"  # noqa: S608
            )
            cursor.execute(
                f"LOCK TABLE {table(Fact)}, {table(CloseDaysFact)}, {table(DeadlineFact)} IN EXCLUSIVE MODE"
            )
        for model in (Fact, CloseDaysFact, DeadlineFact):
            cursor.execute(f"DELETE FROM {table(model)}")  # noqa: S608  # nosec B608
        cursor.execute(_fact_sql())
        for statement in _derive_sql(Fact, (), MEASURE_CODES):
            cursor.execute(statement)
        cursor.execute(_close_days_sql())
        for statement in _derive_sql(CloseDaysFact, ("days",), ("n",)):
            cursor.execute(statement)
        cursor.execute(_deadline_sql())
        for statement in _derive_sql(DeadlineFact, ("rule_id",), DEADLINE_OUTCOMES):
            cursor.execute(statement)
        total = 0
        for model in (Fact, CloseDaysFact, DeadlineFact):
            cursor.execute(f"SELECT COUNT(*) FROM {table(model)}")  # noqa: S608  # nosec B608
            total += cursor.fetchone()[0]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (CaseSnapshot, DeadlineSnapshot, Fact, CloseDaysFact, DeadlineFact):
                cursor.execute(f"ANALYZE {table(model)}")
    return total
