"""The figures match a direct computation from the cases, for every filter and period, whether the summary tables
were kept by the case effect (each change as it happened) or rebuilt from scratch; the beat task is idempotent
and repairs what no service announced."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from disputes.models import Case, Claim
from stats import selectors as sel
from stats import store
from stats.definitions import MEASURE_CODES, SERIES
from stats.facts import Snapshot, cells_for
from stats.models import CaseSnapshot, CloseDaysFact, DeadlineFact, Fact
from stats.services import stats_rebuild, stats_refresh_recent
from tests.factories import CaseFactory

from . import direct

pytestmark = pytest.mark.django_db

EVERYTHING = sel.StatsScope(everything=True)

FILTERS = [
    {},
    {"region": "wenzhou"},
    {"region": "wenzhou-lucheng"},
    {"region": "wenzhou-ouhai"},
    {"station": "lc-express"},
    {"station": "lc-express-wuma"},
    {"station": "oh-food"},
    {"industry": "express_delivery"},
    {"industry": "food_delivery"},
    {"channel": "qr_web"},
    {"channel": "hotline"},
    {"category": "wages"},
    {"category": "dismissal"},
    {"industry": "food_delivery", "category": "wages"},
    {"station": "lc-express", "channel": "qr_web", "category": "overtime"},
    {"region": "wenzhou-lucheng", "industry": "express_delivery", "channel": "qr_web", "category": "wages"},
]


def periods(city):
    today, base = city.today, city.edge.base
    return [
        (today - timedelta(days=800), today),  # everything, whole years in the middle
        (base, base + timedelta(days=60)),  # days and months
        (base.replace(day=1), (base + timedelta(days=70)).replace(day=1) - timedelta(days=1)),  # whole months
        (base + timedelta(days=5), base + timedelta(days=5)),  # one day
        (date(today.year, 1, 1), today),  # this year
    ]


def app_figures(params: dict, start, end, scope=EVERYTHING) -> dict:
    filters = sel.stats_filters_parse(
        params={**params, "from": start.isoformat(), "to": end.isoformat()}, scope=scope
    )
    values = sel.stats_totals(filters=filters, scope=scope)
    values["in_progress"] = sel.stats_in_progress(filters=filters, scope=scope)
    values["median"] = sel.median(sel.stats_close_days(filters=filters, scope=scope))
    return values


def expected_figures(items, params, start, end, scope=None) -> dict:
    chosen = direct.select(items, scope=scope, **params)
    values = direct.figures(chosen, start, end)
    return {
        **{code: values[code] for code in MEASURE_CODES},
        "in_progress": values["in_progress"],
        "median": direct.median(values["close_days"]),
    }


def mismatches(city, scope=EVERYTHING, direct_scope=None) -> list:
    items = direct.load()
    wrong = []
    for params in FILTERS:
        for start, end in periods(city):
            got = app_figures(params, start, end, scope)
            want = expected_figures(items, params, start, end, direct_scope)
            if got != want:
                diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
                wrong.append((params, start, end, diff))
    return wrong


def test_the_seed_covers_the_edge_cases(city):
    edge = city.edge
    assert Case.objects.get(pk=edge.transferred.pk).station.code == "oh-food"
    assert Case.objects.get(pk=edge.enforced.pk).station.code == "lc-express-wuma"
    assert Case.objects.get(pk=edge.duplicate.pk).status in ("rejected", "withdrawn")
    assert Case.objects.get(pk=edge.corrected.pk).industry == "food_delivery"
    assert Case.objects.get(pk=edge.moved.pk).station.code == "lc-gov"
    assert Case.objects.count() == CaseSnapshot.objects.filter(received_on__isnull=False).count() > 50
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {
        "closed",
        "withdrawn",
        "rejected",
        "in_mediation",
        "submitted",
        "arbitration_accepted",
    } <= statuses


def test_figures_kept_by_each_change_match_a_direct_computation(city):
    assert mismatches(city) == []


def test_the_edge_cases_count_as_the_definitions_say(city):
    edge, base = city.edge, city.edge.base
    one_day = app_figures({}, base, base)
    assert one_day["received"] >= 1 and one_day["claimed_fen"] >= 900_000
    # The transferred case counts wholly at its new station, with its money.
    at_food = app_figures({"station": "oh-food"}, base + timedelta(days=20), base + timedelta(days=41))
    assert (
        at_food["received"] >= 1 and at_food["recovered_fen"] >= 300_000 and at_food["agreed_fen"] >= 500_000
    )
    express = direct.select(direct.load(), station="lc-express")
    assert edge.transferred.pk not in {i.case.pk for i in express}
    # Referred to arbitration during mediation: a mediation concluded without agreement.
    left = app_figures({"station": "lc-union"}, base + timedelta(days=63), base + timedelta(days=63))
    assert left["mediated"] == 1 and left["mediation_agreed"] == 0 and left["arb_referred"] == 1
    # Moved to the government station mid-mediation, then agreed there: one mediation, a success.
    moved = app_figures({"station": "lc-gov"}, base + timedelta(days=53), base + timedelta(days=53))
    assert moved["mediated"] == 1 and moved["mediation_agreed"] == 1
    # The award (a history event of the arbitration app) is a stage of the funnel of the cases filed that day.
    filed = app_figures({"station": "oh-food"}, base + timedelta(days=3), base + timedelta(days=3))
    assert filed["f_arbitration"] == filed["f_arb_accepted"] == filed["f_award"] == filed["f_arb_closed"] == 1
    # Closed the day it was filed: 0 days.
    same = app_figures({}, base + timedelta(days=46), base + timedelta(days=46))
    assert 0 in [d for d, _n in sel.stats_close_days(
        filters=sel.stats_filters_parse(params={"from": (base + timedelta(days=46)).isoformat(),
                                                "to": (base + timedelta(days=46)).isoformat()}, scope=EVERYTHING),
        scope=EVERYTHING)]  # fmt: skip
    assert same["concluded_closed"] >= 1
    # Over a year: in the median's "more than 365 days" bucket, exact in the average.
    long = app_figures({"station": "oh-food"}, city.today - timedelta(days=10), city.today)
    assert long["median"] == 366 and long["close_days_sum"] >= 410


def test_every_breakdown_adds_up_as_direct_computation_says(city):
    items = direct.load()
    today, base = city.today, city.edge.base
    for params in ({}, {"category": "wages"}, {"region": "wenzhou-lucheng", "channel": "qr_web"}):
        filters = sel.stats_filters_parse(
            params={**params, "from": (base - timedelta(days=40)).isoformat(), "to": today.isoformat()},
            scope=EVERYTHING,
        )
        chosen = direct.select(items, **params)
        for dimension in SERIES:
            rows = sel.stats_series(dimension=dimension, filters=filters, scope=EVERYTHING)
            got = {row.key: row.values["received"] for row in rows if row.values["received"]}
            want = {}
            for item in chosen:
                c = item.case
                if not filters.date_from <= direct.day(c.created_at) <= filters.date_to:
                    continue
                if dimension == "month":
                    keys = [direct.day(c.created_at).replace(day=1)]
                elif dimension == "station":
                    station = c.station
                    keys = [
                        station.parent_id
                        if station and station.type == "branch_outlet"
                        else c.station_id or 0
                    ]
                elif dimension == "region":
                    keys = [c.region_id or 0]
                elif dimension == "category":
                    keys = [params["category"]] if "category" in params else sorted(item.categories)
                else:
                    keys = [getattr(c, dimension)]
                for key in keys:
                    want[key] = want.get(key, 0) + 1
            assert got == want, (params, dimension)
        months = sel.stats_series(dimension="month", filters=filters, scope=EVERYTHING)
        assert months[0].key >= filters.date_from.replace(day=1) and months[-1].key == today.replace(day=1)
        assert any(months[0].values.values())  # leading empty months are left out, the others kept
        assert [m.key for m in months] == sorted({m.key for m in months})
        assert len(months) == (today.year - months[0].key.year) * 12 + today.month - months[0].key.month + 1
        total = sel.stats_totals(filters=filters, scope=EVERYTHING)
        for code in MEASURE_CODES:
            assert sum(row.values[code] for row in months) == total[code], code


def test_deadline_compliance_matches_a_direct_computation(city):
    items = direct.load()
    assert any(item.deadlines for item in items)
    for params in ({}, {"station": "lc-express"}, {"category": "wages"}):
        for start, end in periods(city):
            filters = sel.stats_filters_parse(
                params={**params, "from": start.isoformat(), "to": end.isoformat()}, scope=EVERYTHING
            )
            got = {
                d.rule_id: (d.on_time, d.late + d.overdue_open)
                for d in sel.stats_deadlines(filters=filters, scope=EVERYTHING, today=city.today)
            }
            want = direct.deadlines(direct.select(items, **params), start, end, city.today)
            assert got == want, (params, start, end)


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


def test_a_full_rebuild_gives_the_same_tables_and_the_beat_task_changes_nothing(city):
    kept = _tables()
    snapshots = set(CaseSnapshot.objects.values_list(*[f.name for f in CaseSnapshot._meta.fields]))
    result = stats_rebuild()
    assert result.cases == Case.objects.count()
    assert _tables() == kept
    assert set(CaseSnapshot.objects.values_list(*[f.name for f in CaseSnapshot._meta.fields])) == snapshots
    assert stats_refresh_recent().changed == 0
    assert stats_refresh_recent().changed == 0


def test_the_beat_task_repairs_what_no_service_announced(city):
    edge = city.edge
    Case.objects.update(updated_at=timezone.now() - timedelta(days=1))  # seeded long ago
    stats_refresh_recent()  # the first run sets the mark
    before = _tables()
    # A case edited in the database by hand (its station, with updated_at), a case loaded without the services,
    # and a counted snapshot whose case is gone.
    Case.objects.filter(pk=edge.open.pk).update(station=city.orgs["lc-union"], updated_at=timezone.now())
    loaded = CaseFactory(
        station=city.orgs["oh-food"], industry="food_delivery", created_at=timezone.now() - timedelta(days=3),
        claims=["wages", "overtime"],
    )  # fmt: skip
    Case.objects.filter(pk=loaded.pk).update(updated_at=timezone.now() - timedelta(days=2))
    ghost = Snapshot(case_id=10**12, region_id=1, station_id=1, industry="other", channel="qr_web",
                     categories=1, received_on=edge.base, claimed_fen=100)  # fmt: skip
    CaseSnapshot.objects.create(**ghost.row())
    store.cells_apply(cells_for(ghost))

    result = stats_refresh_recent()
    assert (result.recent, result.missing, result.orphans, result.changed) == (1, 1, 1, 3)
    assert mismatches(city) == []
    assert stats_refresh_recent().changed == 0

    Case.objects.filter(pk=edge.open.pk).update(station=city.orgs["lc-express"], updated_at=timezone.now())
    Claim.objects.filter(case=loaded).delete()
    Case.objects.filter(pk=loaded.pk).delete()
    stats_refresh_recent()
    assert _tables() == before


def test_the_tables_do_not_grow_with_the_cases(city):
    """Every row of the summary tables is a sum over cases: far fewer rows than cases would take."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Fact._meta.db_table} WHERE grain = 'y' AND level = 0")
        (yearly,) = cursor.fetchone()
    stations = 1 + len([o for o in city.orgs.values() if o.accepts_claims])
    regions = 4
    assert yearly <= 3 * stations * regions
