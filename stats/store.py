"""Reading cases' histories, locking and writing snapshots, and adding to the summary tables.

Concurrency: every writer of a case's snapshot (the case effect, the beat task, a rebuild) first makes sure the
snapshot row exists (a placeholder counted nowhere), then locks it, and only then reads the case. So two writers
of one case take turns, and the one that goes second reads what the first committed. (A case filed in the
writer's own transaction is invisible to every other: its snapshot is inserted whole.) Additions to the summary
tables are ``INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n`` in key order, so concurrent changes to
cases of one cell add up instead of overwriting each other, and lock the cells in one order.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from disputes.models import Case, CaseDeadline, CaseEvent, Claim

from .definitions import DEADLINE_OUTCOMES, MEASURE_CODES
from .facts import ROW_FIELDS, CaseRow, Cells, DeadlineRow, Event, Snapshot, snapshot_for
from .models import KEY_FIELDS, CaseSnapshot, CloseDaysFact, DeadlineFact, DeadlineSnapshot, Fact

UPSERT_ROWS = 400  # rows per statement (SQLite allows 32,766 parameters; a fact row has 31)
SNAPSHOT_FIELDS = [f.name for f in CaseSnapshot._meta.concrete_fields]


# --- Histories -------------------------------------------------------------------------------------------------
def histories(case_filter: Q) -> dict[int, Snapshot]:
    """The snapshots of the cases ``case_filter`` selects (on ``Case``), computed from their current rows."""
    cases = [
        CaseRow(*values)
        for values in Case.objects.filter(case_filter).order_by().values_list(*CaseRow.FIELDS)
    ]
    if not cases:
        return {}
    ids = [c.id for c in cases]
    if len(ids) > 1 and ids == list(range(min(ids), min(ids) + len(ids))):
        related = Q(case_id__gte=min(ids), case_id__lte=max(ids))
    else:
        related = Q(case_id__in=ids)
    events: dict[int, list[Event]] = defaultdict(list)
    tz = timezone.get_default_timezone()
    for case_id, transition, from_state, to_state, day in (
        CaseEvent.objects.filter(related)
        .order_by("case_id", "created_at", "id")
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values_list("case_id", "transition", "from_state", "to_state", "day")
    ):
        events[case_id].append(Event(transition, from_state, to_state, day))
    categories: dict[int, list[str]] = defaultdict(list)
    for case_id, category in Claim.objects.filter(related).order_by().values_list("case_id", "category"):
        categories[case_id].append(category)
    deadlines: dict[int, list[DeadlineRow]] = defaultdict(list)
    for case_id, rule_id, due_on, met_at, trigger, active_states in (
        CaseDeadline.objects.filter(related)
        .order_by()
        .values_list("case_id", "rule_id", "due_on", "met_at", "rule__trigger", "rule__active_states")
    ):
        deadlines[case_id].append(DeadlineRow(rule_id, due_on, met_at, trigger, tuple(active_states or ())))
    return {
        case.id: snapshot_for(
            case=case,
            events=events.get(case.id, []),
            categories=categories.get(case.id, ()),
            deadlines=deadlines.get(case.id, ()),
        )
        for case in cases
    }


# --- Snapshots ----------------------------------------------------------------------------------------------------
def snapshots_lock(case_ids: Iterable[int]) -> dict[int, Snapshot]:
    """Lock the snapshots of ``case_ids`` (creating placeholders for those without one) and return them."""
    case_ids = sorted(set(case_ids))
    if not case_ids:
        return {}
    found = _locked(case_ids)
    missing = [i for i in case_ids if i not in found]
    if missing:
        if connection.vendor == "postgresql":
            # A row this transaction inserts is locked by it and holds the defaults: no need to read it back.
            inserted = _placeholders_insert(missing)
            found.update({i: _placeholder(i) for i in inserted})
            missing = [i for i in missing if i not in inserted]  # inserted meanwhile by another writer
        else:
            CaseSnapshot.objects.bulk_create(
                [CaseSnapshot(case_id=i) for i in missing], ignore_conflicts=True
            )
        if missing:
            found.update(_locked(missing))
    return found


def _placeholders_insert(case_ids: list[int]) -> set[int]:
    """PostgreSQL: insert placeholder snapshots for ``case_ids``, skipping those that exist; returns the ids
    inserted by this statement."""
    table = connection.ops.quote_name(CaseSnapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_q(f) for f in SNAPSHOT_FIELDS)}) "  # noqa: S608 (names only)  # nosec B608
            f"SELECT id, {', '.join(_default_sql(f) for f in SNAPSHOT_FIELDS[1:])} "
            "FROM unnest(%s::bigint[]) AS id ON CONFLICT (case_id) DO NOTHING RETURNING case_id",
            [case_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def _placeholder(case_id: int) -> Snapshot:
    """The snapshot a placeholder row reads as: every field at its default, no deadlines."""
    fields = {f: CaseSnapshot._meta.get_field(f).get_default() for f in SNAPSHOT_FIELDS[1:]}
    return Snapshot(case_id=case_id, **fields, deadlines=())


def _locked(case_ids: list[int]) -> dict[int, Snapshot]:
    return _read_locked(Q(case_id__in=case_ids))


def _read_locked(where: Q) -> dict[int, Snapshot]:
    rows = list(
        CaseSnapshot.objects.select_for_update().filter(where).order_by("case_id").values_list(*ROW_FIELDS)
    )
    deadlines: dict[int, list] = defaultdict(list)
    if rows:
        for case_id, rule_id, due_on, outcome in DeadlineSnapshot.objects.filter(where).values_list(
            "case_id", "rule_id", "due_on", "outcome"
        ):
            deadlines[case_id].append((rule_id, due_on, outcome))
    return {row[0]: Snapshot(*row, deadlines=tuple(sorted(deadlines.get(row[0], ())))) for row in rows}


def snapshots_range_lock(lo: int, hi: int) -> dict[int, Snapshot]:
    """:func:`snapshots_lock` for every case with ``lo <= id <= hi`` and every snapshot row in that range."""
    table = connection.ops.quote_name(CaseSnapshot._meta.db_table)
    cases = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_q(f) for f in SNAPSHOT_FIELDS)}) "  # noqa: S608 (names only)  # nosec B608
            f"SELECT id, {', '.join(_default_sql(f) for f in SNAPSHOT_FIELDS[1:])} FROM {cases} "
            "WHERE id >= %s AND id <= %s ON CONFLICT (case_id) DO NOTHING",
            [lo, hi],
        )
    return _read_locked(Q(case_id__gte=lo, case_id__lte=hi))


def _default_sql(name: str) -> str:
    default = CaseSnapshot._meta.get_field(name).get_default()
    if default is None:
        return "NULL"
    if isinstance(default, str):
        return "''"
    return str(int(default))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def snapshots_write(snapshots: list[Snapshot], *, old: dict[int, Snapshot], bulk: bool = False) -> None:
    """Store ``snapshots`` over their (locked) rows, and insert those of cases without a row in ``old`` (filed
    in this transaction); their deadlines only where they changed."""
    filed = [s for s in snapshots if s.case_id not in old]
    if filed:
        CaseSnapshot.objects.bulk_create([CaseSnapshot(**s.row()) for s in filed])
    _snapshots_update([s for s in snapshots if s.case_id in old], bulk=bulk)
    changed = [s for s in snapshots if s.case_id not in old or old[s.case_id].deadlines != s.deadlines]
    if changed:
        # A locked snapshot read without deadlines, or a new one, has no deadline rows to delete.
        stale = [s.case_id for s in changed if s.case_id in old and old[s.case_id].deadlines]
        if stale:
            DeadlineSnapshot.objects.filter(case_id__in=stale).delete()
        DeadlineSnapshot.objects.bulk_create(
            [
                DeadlineSnapshot(case_id=s.case_id, rule_id=rule_id, due_on=due_on, outcome=outcome)
                for s in changed
                for rule_id, due_on, outcome in s.deadlines
            ],
            batch_size=2000,
        )


def _snapshots_update(snapshots: list[Snapshot], *, bulk: bool) -> None:
    if not snapshots:
        return
    if bulk and connection.vendor == "postgresql":
        _snapshots_copy(snapshots)
    elif len(snapshots) == 1:
        row = snapshots[0].row()
        CaseSnapshot.objects.filter(case_id=row.pop("case_id")).update(**row)
    else:
        CaseSnapshot.objects.bulk_update(
            [CaseSnapshot(**s.row()) for s in snapshots], SNAPSHOT_FIELDS[1:], batch_size=500
        )


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    return str(value)


def _snapshots_copy(snapshots: list[Snapshot]) -> None:
    """PostgreSQL: COPY the rows into a temporary table and update from it (a rebuild writes millions). The
    update names the range of ids it touches: the temporary table has no statistics, and without the range the
    planner scans the whole snapshot table for every batch."""
    table = connection.ops.quote_name(CaseSnapshot._meta.db_table)
    columns = ", ".join(_q(f) for f in ROW_FIELDS)
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_copy_text, s.values())) + "\n" for s in snapshots)
    buffer.seek(0)
    ids = [s.case_id for s in snapshots]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS stats_snapshot_load (LIKE {table}) ON COMMIT DELETE ROWS"
        )
        cursor.copy_expert(f"COPY stats_snapshot_load ({columns}) FROM STDIN", buffer)
        assignments = ", ".join(f"{_q(f)} = l.{_q(f)}" for f in SNAPSHOT_FIELDS[1:])
        cursor.execute(
            f"UPDATE {table} AS s SET {assignments} FROM stats_snapshot_load AS l "  # noqa: S608 (names only)  # nosec B608
            "WHERE s.case_id = l.case_id AND s.case_id >= %s AND s.case_id <= %s",
            [min(ids), max(ids)],
        )
        cursor.execute("TRUNCATE stats_snapshot_load")


def snapshots_delete(case_ids: list[int]) -> None:
    if case_ids:
        CaseSnapshot.objects.filter(case_id__in=case_ids).delete()
        DeadlineSnapshot.objects.filter(case_id__in=case_ids).delete()


# --- Summary tables -------------------------------------------------------------------------------------------
def cells_apply(cells: Cells) -> None:
    """Add ``cells`` to the three summary tables (in key order)."""
    if cells.facts:
        _upsert(
            Fact,
            KEY_FIELDS,
            MEASURE_CODES,
            [(*key, *(values.get(code, 0) for code in MEASURE_CODES)) for key, values in cells.facts.items()],
        )
    if cells.close_days:
        _upsert(
            CloseDaysFact,
            (*KEY_FIELDS, "days"),
            ("n",),
            [(*key, value) for key, value in cells.close_days.items()],
        )
    if cells.deadlines:
        _upsert(
            DeadlineFact,
            (*KEY_FIELDS, "rule_id"),
            DEADLINE_OUTCOMES,
            [
                (*key, *(values.get(code, 0) for code in DEADLINE_OUTCOMES))
                for key, values in cells.deadlines.items()
            ],
        )


def _upsert(model, keys: tuple[str, ...], values: tuple[str, ...], rows: list[tuple]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [*keys, *values]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    assignments = ", ".join(f"{_q(v)} = {table}.{_q(v)} + excluded.{_q(v)}" for v in values)
    rows = sorted(rows, key=lambda row: tuple(str(v) for v in row[: len(keys)]))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[start : start + UPSERT_ROWS]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(_q(c) for c in columns)}) "  # noqa: S608 (names only)  # nosec B608
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT ({', '.join(_q(k) for k in keys)}) DO UPDATE SET {assignments}",
                [value for row in chunk for value in row],
            )
