"""Small-cell suppression (issue 10): counts under STATS_MIN_CELL show as "<N" on the page, in the API and in
the exports, never exactly; what is computed from them (amounts, rates, days) is hidden; and a lone hidden cell in
a column takes the next smallest with it, so the total cannot give it away."""

import csv
import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook
from rest_framework.test import APIClient

from stats.report import Cell, Column, Row, count_cell, derived_cell, protect_columns

pytestmark = pytest.mark.django_db


def test_cells_under_the_threshold_are_hidden():
    with override_settings(STATS_MIN_CELL=5):
        assert count_cell(0) == Cell(0, "0")
        assert count_cell(4) == Cell(None, "<5", True)
        assert count_cell(5) == Cell(5, "5")
        assert derived_cell(75.0, "percent", 4).suppressed
        assert derived_cell(75.0, "percent", 4).value is None
        assert derived_cell(75.0, "percent", 8) == Cell(75.0, "75.0%")
        assert derived_cell(None, "days", 0) == Cell(None, "—")


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it():
    with override_settings(STATS_MIN_CELL=5):
        rows = [Row(k, k, {"n": count_cell(n)}) for k, n in (("a", 40), ("b", 9), ("c", 2), ("d", 0))]
        protect_columns(rows, [Column("n", "n", "count")])
        assert [r.cells["n"].display for r in rows] == ["40", "*", "<5", "0"]
        assert rows[1].cells["n"].value is None
        # Two hidden already: the total cannot single either out, nothing more is hidden.
        rows = [Row(k, k, {"n": count_cell(n)}) for k, n in (("a", 40), ("b", 3), ("c", 2))]
        protect_columns(rows, [Column("n", "n", "count")])
        assert [r.cells["n"].display for r in rows] == ["40", "<5", "<5"]


@pytest.fixture
def official(town_module):
    client = APIClient()
    client.force_authenticate(town_module.directory.staff["official"])
    return client


@override_settings(STATS_MIN_CELL=5)
def test_the_api_never_sends_a_small_count(official, town_module):
    start = town_module.start.isoformat()
    body = official.get("/api/v1/stats/summary/", {"from": start, "station": "station-b"}).json()
    received = next(f for f in body["figures"] if f["code"] == "received")
    assert received == {**received, "value": None, "display": "<5", "suppressed": True}
    claimed = next(f for f in body["figures"] if f["code"] == "claimed")
    assert claimed["value"] is None and claimed["suppressed"]
    assert body["min_cell"] == 5

    rows = official.get("/api/v1/stats/series/industry/", {"from": start}).json()["rows"]
    by_key = {r["key"]: r for r in rows}
    assert by_key["food_delivery"]["values"]["received"] is None
    assert by_key["food_delivery"]["display"]["received"] == "<5"
    assert "received" in by_key["food_delivery"]["suppressed"]
    # The only other row is hidden too ("*"): otherwise 9 - 6 would give the 3 away.
    assert by_key["express_delivery"]["values"]["received"] is None
    assert by_key["express_delivery"]["display"]["received"] == "*"


@override_settings(STATS_MIN_CELL=5)
def test_the_page_and_the_exports_show_small_cells_as_less_than(official, town_module, client):
    client.force_login(town_module.directory.staff["official"])
    query = {"from": town_module.start.isoformat(), "station": "station-b"}
    html = client.get("/stats/", query).content.decode()
    assert 'data-figure="received">&lt;5<' in html

    text = client.get("/stats/export.csv", query).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    received = next(r for r in rows if r and r[0] == "收案")
    assert received[1] == "<5"
    assert not any(r[1:2] == ["3"] for r in rows if r and r[0] in ("收案", "受理", "在办"))

    book = load_workbook(io.BytesIO(client.get("/stats/export.xlsx", query).content))
    sheet = book["主要指标"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values["收案"] == "<5"
    assert values["请求金额"] == "*"
