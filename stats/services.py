"""Keeping the summary tables current: on each case change, every few minutes, and by a full rebuild.

- :func:`stats_case_changed` is registered as a case effect (:mod:`disputes.extensions`): it runs inside the
  transaction of every case change, so the figures change exactly when the case does and a rolled-back change
  leaves them untouched.
- :func:`stats_refresh_recent` (the beat task ``stats.refresh``, every ``STATS_REFRESH_SECONDS``) recomputes the
  cases changed since its last run (``updated_at``), and, when the number or the sum of the ids of cases and
  snapshots disagree, cases without a snapshot and snapshots without a case. It repairs what no service
  announced: a correction whose deadlines were recomputed after its history row, rows loaded in bulk, an edit
  made in the database by hand (that moved ``updated_at``).
- :func:`stats_rebuild` recomputes every snapshot, then rebuilds the summary tables from them in one locked
  transaction (:mod:`stats.rebuild`). ``manage.py stats_refresh --full``; needed after ``generate_cases`` and
  after a deadline rule's stages or triggers are edited.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from disputes.extensions import case_effects_batch_state
from disputes.models import Case

from . import rebuild, store
from .definitions import RECOMPUTE_EVENTS
from .facts import Cells
from .models import CaseSnapshot, RefreshState

logger = logging.getLogger(__name__)

BATCH = 500
REBUILD_BATCH = 5_000
# The beat task looks this far behind its last mark, so a change committed late (a long transaction that began
# before the mark) is not missed.
OVERLAP = timedelta(minutes=10)

_transitions: frozenset[str] | None = None


def _counts(name: str) -> bool:
    global _transitions
    if _transitions is None:
        from disputes.services import transition_names

        _transitions = frozenset(transition_names())
    return name == "submit" or name in _transitions or name in RECOMPUTE_EVENTS


def stats_case_changed(*, case, event) -> None:
    """The case effect: bring the case's snapshot and the summary tables up to date with ``case`` as it stands,
    in the caller's transaction (inside a batch, at the batch's end: :func:`stats_batch_flush`). History events that change nothing the figures read (evidence added, a
    reminder) are skipped."""
    if not _counts(event.transition):
        return
    filed = event.transition == "submit"  # the case was inserted in this transaction: it has no snapshot yet
    batch = case_effects_batch_state()
    if batch is not None:
        # Inside a batch of changes in one transaction: once per case, at its end (stats_batch_flush). The
        # snapshot is recomputed from the case as it then stands, so the figures end up as if done each time.
        batch.setdefault("stats", set()).add(case.pk)
        if filed:
            batch.setdefault("stats_filed", set()).add(case.pk)
        return
    _refresh(Q(pk=case.pk), [case.pk], apply=True, filed={case.pk} if filed else frozenset())


def stats_batch_flush(*, state: dict) -> None:
    """The end of a :func:`disputes.extensions.case_effects_batched` block: refresh each case it changed, once,
    in the same transaction."""
    case_ids = sorted(state.get("stats", ()))
    if case_ids:
        _refresh(Q(pk__in=case_ids), case_ids, apply=True, filed=state.get("stats_filed", frozenset()))


def _refresh(
    case_filter: Q, case_ids: list[int], *, apply: bool, filed: Collection[int] = frozenset()
) -> int:
    """Lock the snapshots of ``case_ids``, recompute them from the cases, store what changed and (``apply``) add
    the difference to the summary tables. Returns how many snapshots changed. Call inside a transaction.

    ``filed``: those of ``case_ids`` inserted in this transaction. No other transaction can see them, so nobody
    else writes their snapshots: there is nothing to lock, and their snapshots are inserted whole."""
    old = store.snapshots_lock([i for i in case_ids if i not in filed])
    new = store.histories(case_filter & Q(pk__in=[*old, *filed]))
    return _store(old, new, apply=apply)


def _store(old: dict, new: dict, *, apply: bool, bulk: bool = False) -> int:
    """Write the snapshots of ``new`` that differ from ``old`` (both locked), drop those of cases gone, and
    (``apply``) add the difference to the summary tables."""
    changed = [snapshot for case_id, snapshot in new.items() if old.get(case_id) != snapshot]
    gone = [case_id for case_id in old if case_id not in new]
    if apply:
        cells = Cells()
        for snapshot in changed:
            cells.add(old.get(snapshot.case_id), -1)
            cells.add(snapshot, +1)
        for case_id in gone:
            cells.add(old[case_id], -1)
        cells = cells.nonzero()
        if cells:
            store.cells_apply(cells)
    store.snapshots_write(changed, old=old, bulk=bulk)
    store.snapshots_delete(gone)
    return len(changed) + len(gone)


@dataclass(frozen=True)
class RefreshResult:
    recent: int = 0
    missing: int = 0
    orphans: int = 0
    changed: int = 0
    seconds: float = 0.0


def stats_refresh_recent(*, now=None) -> RefreshResult:
    """Recompute the cases whose ``updated_at`` moved since the last run (less :data:`OVERLAP`; the first run only
    sets the mark) and, when cases and snapshots differ in number or in the sum of their ids, the cases without
    a snapshot and the snapshots without a case. Idempotent: a second run changes nothing. Batches of
    :data:`BATCH` cases, one transaction each."""
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        state, _created = RefreshState.objects.select_for_update().get_or_create(pk=1)
        since = state.recent_until - OVERLAP if state.recent_until else None
    recent = (
        list(Case.objects.filter(updated_at__gte=since).order_by("pk").values_list("pk", flat=True))
        if since is not None
        else []
    )
    changed = _batches(recent, apply=True)

    missing: list[int] = []
    orphans: list[int] = []
    counted = CaseSnapshot.objects.filter(received_on__isnull=False)
    if _fingerprint(Case.objects.all(), "pk") != _fingerprint(counted, "case_id"):
        missing = list(
            Case.objects.filter(~Exists(counted.filter(case_id=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        changed += _batches(missing, apply=True)
        orphans = list(
            CaseSnapshot.objects.filter(~Exists(Case.objects.filter(pk=OuterRef("case_id"))))
            .order_by("case_id")
            .values_list("case_id", flat=True)
        )
        changed += _batches(orphans, apply=True)
    RefreshState.objects.filter(pk=1).update(recent_until=now)
    result = RefreshResult(
        recent=len(recent),
        missing=len(missing),
        orphans=len(orphans),
        changed=changed,
        seconds=time.monotonic() - started,
    )
    if changed:
        logger.info("stats refresh: %s", result)
    return result


def _fingerprint(qs, column: str) -> tuple[int, int]:
    """How many rows and the sum of their ids: equal for cases and snapshots unless one lacks the other."""
    values = qs.aggregate(n=Count("pk"), total=Sum(column))
    return values["n"], values["total"] or 0


def _batches(case_ids: list[int], *, apply: bool) -> int:
    changed = 0
    for start in range(0, len(case_ids), BATCH):
        chunk = case_ids[start : start + BATCH]
        with transaction.atomic():
            changed += _refresh(Q(pk__in=chunk), chunk, apply=apply)
    return changed


@dataclass(frozen=True)
class RebuildResult:
    cases: int
    snapshots_seconds: float
    tables_seconds: float
    cells: int

    @property
    def seconds(self) -> float:
        return self.snapshots_seconds + self.tables_seconds


def stats_rebuild(*, progress=None) -> RebuildResult:
    """Recompute every case's snapshot (in id ranges, each locked as the case effect locks them, so cases keep
    changing meanwhile), then rebuild the summary tables from the snapshots in one transaction that holds the
    snapshot table (case changes wait for it; readers do not). Afterwards the tables equal a computation from
    scratch, whatever happened during the run."""
    started = time.monotonic()
    bounds = Case.objects.order_by().values_list("pk", flat=True)
    low = bounds.order_by("pk").first()
    high = bounds.order_by("-pk").first()
    done = 0
    if low is not None:
        snapshot_high = CaseSnapshot.objects.order_by("-case_id").values_list("case_id", flat=True).first()
        top = max(high, snapshot_high or 0)
        for lo in range(low, top + 1, REBUILD_BATCH):
            hi = min(lo + REBUILD_BATCH - 1, top)
            with transaction.atomic():
                old = store.snapshots_range_lock(lo, hi)
                new = store.histories(Q(pk__gte=lo, pk__lte=hi) & Q(pk__in=list(old)))
                _store(old, new, apply=False, bulk=True)
                done += len(new)
            if progress:
                progress(done)
    # Snapshots left below the first case (cases deleted) are dropped with their deadlines.
    if low is not None:
        with transaction.atomic():
            store.snapshots_delete(
                list(CaseSnapshot.objects.filter(case_id__lt=low).values_list("case_id", flat=True))
            )
    else:
        with transaction.atomic():
            store.snapshots_delete(list(CaseSnapshot.objects.values_list("case_id", flat=True)))
    snapshots_seconds = time.monotonic() - started
    started = time.monotonic()
    cells = rebuild.tables_rebuild()
    tables_seconds = time.monotonic() - started
    RefreshState.objects.update_or_create(
        pk=1,
        defaults={
            "full_rebuilt_at": timezone.now(),
            "full_rebuild_seconds": snapshots_seconds + tables_seconds,
            "full_rebuild_cases": done,
        },
    )
    return RebuildResult(
        cases=done, snapshots_seconds=snapshots_seconds, tables_seconds=tables_seconds, cells=cells
    )
