"""The pieces every figure rests on: the measures and the tables agree, a period is covered exactly once by its
runs of years, months and days, the median is exact, a question goes to the smallest cut that can answer it."""

import random
from dataclasses import fields
from datetime import date, timedelta

import pytest

from stats import selectors as sel
from stats.definitions import (
    CATEGORY_BITS,
    FIGURE_BY_CODE,
    FIGURES,
    LEVEL_CATEGORY,
    LEVEL_CHANNEL,
    LEVEL_FULL,
    LEVEL_INDUSTRY,
    LEVEL_REGION_STATION,
    MEASURE_CODES,
    MEASURES,
    SERIES_COLUMNS,
    level_for,
)
from stats.facts import Snapshot
from stats.models import CaseSnapshot, Fact


def test_the_tables_hold_every_measure_and_the_snapshot_every_field():
    assert [f.name for f in Fact._meta.fields if f.name in MEASURE_CODES] == list(MEASURE_CODES)
    snapshot_fields = [f.name for f in fields(Snapshot) if f.name != "deadlines"]
    assert snapshot_fields == [f.name for f in CaseSnapshot._meta.concrete_fields]
    for measure in MEASURES:
        assert measure.on in snapshot_fields
        assert measure.value == 1 or measure.value in snapshot_fields


def test_the_award_event_is_one_the_arbitration_app_records():
    from disputes.extensions import recorded_events
    from disputes.services import recorded_event_labels
    from stats.definitions import AWARD_EVENT, RECOMPUTE_EVENTS

    assert AWARD_EVENT in recorded_events()
    assert set(RECOMPUTE_EVENTS) <= set(recorded_event_labels())  # disputes' own and the registered ones


def test_every_figure_has_a_label_a_definition_and_a_base():
    assert len({f.code for f in FIGURES}) == len(FIGURES)
    for figure in FIGURES:
        assert str(figure.label) and len(str(figure.definition)) > 10
        assert figure.base in MEASURE_CODES or figure.base == "in_progress"
    assert set(SERIES_COLUMNS) <= set(FIGURE_BY_CODE)
    assert len(set(CATEGORY_BITS.values())) == len(CATEGORY_BITS)


@pytest.mark.parametrize(
    "dimensions, level",
    [
        (set(), LEVEL_REGION_STATION),
        ({"industry"}, LEVEL_INDUSTRY),
        ({"channel"}, LEVEL_CHANNEL),
        ({"category"}, LEVEL_CATEGORY),
        ({"industry", "channel"}, LEVEL_FULL),
        ({"channel", "category"}, LEVEL_FULL),
        ({"industry", "channel", "category"}, LEVEL_FULL),
        ({"region_id", "station_id"}, LEVEL_REGION_STATION),
    ],
)
def test_a_question_goes_to_the_smallest_cut(dimensions, level):
    assert level_for(set(dimensions)) == level


def _days(pieces):
    """Every day a list of pieces covers (a month or year row covers all its days)."""
    covered = []
    for piece in pieces:
        day = piece.first
        while day <= piece.last:
            if piece.grain == "d":
                covered.append(day)
                day += timedelta(days=1)
            elif piece.grain == "m":
                following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                covered += [day + timedelta(days=i) for i in range((following - day).days)]
                day = following
            else:
                following = date(day.year + 1, 1, 1)
                covered += [day + timedelta(days=i) for i in range((following - day).days)]
                day = following
    return covered


def test_a_period_is_covered_exactly_once_by_as_few_rows_as_possible():
    rng = random.Random(3)
    cases = [
        (date(2024, 1, 1), date(2026, 12, 31)),
        (date(2024, 3, 15), date(2026, 10, 20)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2024, 2, 29), date(2024, 2, 29)),
        (date(2000, 1, 1), date(2026, 11, 23)),
    ]
    cases += [
        (start, start + timedelta(days=rng.randrange(0, 1500)))
        for start in (date(2023, 1, 1) + timedelta(days=rng.randrange(900)) for _ in range(200))
    ]
    for start, end in cases:
        for years in (True, False):
            pieces = sel.period_pieces(start, end, years=years)
            covered = _days(pieces)
            assert covered == [start + timedelta(days=i) for i in range((end - start).days + 1)], (start, end)
            assert not years or all(p.grain != "y" for p in sel.period_pieces(start, end, years=False))
            rows = sum(
                (p.last - p.first).days + 1 if p.grain == "d" else 1 for p in pieces
            )  # days in daily runs; one row per month or year run start is a lower bound
            assert rows <= 62 + 40, (start, end, pieces)
    pieces = sel.period_pieces(date(2024, 3, 15), date(2026, 10, 20))
    assert [(p.grain, p.first, p.last) for p in pieces] == [
        ("d", date(2024, 3, 15), date(2024, 3, 31)),
        ("m", date(2024, 4, 1), date(2024, 12, 1)),
        ("y", date(2025, 1, 1), date(2025, 1, 1)),
        ("m", date(2026, 1, 1), date(2026, 9, 1)),
        ("d", date(2026, 10, 1), date(2026, 10, 20)),
    ]


@pytest.mark.parametrize(
    "values",
    [[5], [1, 2], [3, 1, 2], [0, 0, 7, 9], [366, 366, 1], list(range(100)), [4] * 10 + [9] * 11],
)
def test_the_median_from_the_histogram_is_exact(values):
    histogram = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    ordered = sorted(values)
    n = len(ordered)
    want = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    assert sel.median(sorted(histogram.items())) == want
    assert sel.median([]) is None
