"""A filing runs the statistics effect once per case, at the end of its transaction (after the auto-triage), and
the tables it leaves are exactly those a full rebuild computes; a filing that fails leaves them untouched."""

from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from disputes.extensions import case_effects_batch_state, case_effects_batched
from disputes.intake.forms import ClaimForm
from disputes.intake.services import intake_submit
from disputes.models import Case
from disputes.permissions import SYSTEM, WORKER
from disputes.services import case_transition
from stats.definitions import MEASURE_CODES
from stats.models import CaseSnapshot, CloseDaysFact, DeadlineFact, Fact
from stats.services import stats_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def _tables() -> dict:
    out = {}
    for model, extra, values in (
        (Fact, (), MEASURE_CODES),
        (CloseDaysFact, ("days",), ("n",)),
        (DeadlineFact, ("rule_id",), ("on_time", "late", "open")),
    ):
        keys = ("grain", "level", "day", "region_id", "station_id", "industry", "channel", "category", *extra)
        for row in model.objects.values(*keys, *values):
            numbers = tuple(row[v] for v in values)
            if any(numbers):
                out[(model.__name__, *(row[k] for k in keys))] = numbers
    return out


def _snapshots() -> set:
    return set(CaseSnapshot.objects.values_list(*[f.name for f in CaseSnapshot._meta.fields]))


def _claim(**overrides) -> dict:
    data = {
        "worker_name": "张伟",
        "worker_id_number": "330302199001011235",
        "worker_phone": "13957712345",
        "employer_name": "温州市顺达速运有限公司",
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_claimed": "8000",
        "facts": "工资两个月没有发。",
        "station": "station-a",
        "consent": True,
        **overrides,
    }
    form = ClaimForm(data=data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


COWORKER = {
    "worker_name": "李娜",
    "worker_id_number": "330302198505055675",
    "worker_phone": "13957700001",
    "amount_claimed": Decimal("5000.00"),
    "is_representative": True,
}


def _fact_upserts(ctx) -> int:
    return sum(1 for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "stats_fact"'))


def test_a_filing_updates_the_tables_once_per_filing_and_as_a_rebuild_would(directory):
    with CaptureQueriesContext(connection) as ctx:
        filed = intake_submit(claim=_claim(), amounts={"wages": None}, actor=WORKER, coworkers=[COWORKER])
    cases = Case.objects.filter(pk__in=[f.case_id for f in filed])
    assert {c.status for c in cases} == {"assigned"}  # both triaged to the station the filer chose
    # Two cases, each filed then triaged: one upsert of the fact table for all of it, not one per history row.
    assert _fact_upserts(ctx) == 1
    snapshots = CaseSnapshot.objects.filter(case_id__in=[f.case_id for f in filed])
    assert {s.station_id for s in snapshots} == {directory.station.pk}

    tables, kept = _tables(), _snapshots()
    assert tables  # the filing was counted
    stats_rebuild()
    assert _tables() == tables
    assert _snapshots() == kept


def test_a_filing_that_fails_after_its_cases_leaves_the_tables_alone(directory):
    intake_submit(claim=_claim(), amounts={"wages": None}, actor=WORKER)  # the tables are not empty
    tables, kept = _tables(), _snapshots()
    with (
        mock.patch("disputes.intake.services.case_triage_auto", side_effect=RuntimeError("routing failed")),
        pytest.raises(RuntimeError),
    ):
        intake_submit(
            claim=_claim(worker_id_number="11010519491231002X", worker_phone="13957700002"),
            amounts={"wages": None},
            actor=WORKER,
        )
    assert _tables() == tables
    assert _snapshots() == kept


def test_outside_a_batch_each_change_counts_at_once_and_a_batch_ends_in_the_same_figures(directory):
    def file_one(id_number: str, phone: str) -> Case:
        filed = intake_submit(
            claim=_claim(worker_id_number=id_number, worker_phone=phone, station=""),
            amounts={"wages": None},
            actor=WORKER,
        )
        return Case.objects.get(pk=filed[0].case_id)

    one = file_one("11010519491231002X", "13957700002")
    two = file_one("330302198505055675", "13957700003")
    assert (one.status, two.status) == ("submitted", "submitted")  # no choice, no rule: left to a person

    # Without a batch: the effect runs inside case_transition itself.
    assert case_effects_batch_state() is None
    with CaptureQueriesContext(connection) as ctx:
        case_transition(
            case_id=one.pk,
            name="triage",
            actor=SYSTEM,
            payload={"station": directory.station},
            announce=False,
        )
    assert _fact_upserts(ctx) == 1

    # In a batch: nothing until the block ends, then once, with the same result as the step above.
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx, case_effects_batched():
            case_transition(
                case_id=two.pk,
                name="triage",
                actor=SYSTEM,
                payload={"station": directory.station},
                announce=False,
            )
            assert _fact_upserts(ctx) == 0
            assert case_effects_batch_state() == {"stats": {two.pk}}
        assert _fact_upserts(ctx) == 1
    assert case_effects_batch_state() is None
    tables, kept = _tables(), _snapshots()
    stats_rebuild()
    assert _tables() == tables
    assert _snapshots() == kept


def test_a_new_snapshot_placeholder_reads_as_the_row_it_inserts(db):
    """A placeholder inserted by the lock is not read back: what it stands for equals the row in the table."""
    from stats import store

    with transaction.atomic():
        locked = store.snapshots_lock([987654])
        assert locked == store._locked([987654])
