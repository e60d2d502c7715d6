"""``GET /api/v1/stats/summary/``, ``series/<dimension>/`` and ``definitions/``: shapes, filters, clear 400s and
404s in Chinese, and the definitions shared with the page."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils.html import escape
from rest_framework.test import APIClient

from stats.definitions import FIGURES, SERIES_COLUMNS, SERIES_DIMENSIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(town_module):
    client = APIClient()
    client.force_authenticate(town_module.directory.staff["official"])
    return client


def values(body) -> dict:
    return {f["code"]: f["value"] for f in body["figures"]}


@override_settings(STATS_MIN_CELL=1)
def test_the_summary_has_every_figure_with_its_definition(official, town_module):
    response = official.get("/api/v1/stats/summary/", {"from": town_module.start.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert [f["code"] for f in body["figures"]] == [f.code for f in FIGURES]
    assert all(f["definition"] and f["label"] for f in body["figures"])
    got = values(body)
    assert got["received"] == 9 and got["accepted"] == 6 and got["in_progress"] == 9
    assert got["mediated"] == 3 and got["mediation_agreed"] == 3 and got["success_rate"] == 100.0
    assert got["claimed"] == 72000.0 and got["agreed"] == 3000.0 and got["recovered"] == 0.0
    assert got["avg_days"] is None and got["median_days"] is None
    assert body["period"] == {"from": town_module.start.isoformat(), "to": town_module.today.isoformat()}
    assert body["filters"]["from"] == town_module.start.isoformat()
    assert body["min_cell"] == 1
    funnel = {row["key"]: row["values"] for row in body["funnel"]}
    assert funnel["filed"] == {"count": 9, "share": 100.0}
    assert funnel["agreed"]["count"] == 3
    assert body["group_warnings"] == {"open": 0, "raised": 0}
    # One row per legal deadline: the station's acceptance rules (triage, transfer, dispatch) are one row.
    labels = [row["label"] for row in body["deadlines"]]
    assert len(labels) == len(set(labels)) and labels
    for row in body["deadlines"]:
        assert set(row["values"]) == {"due", "on_time", "overdue", "share"}


@override_settings(STATS_MIN_CELL=1)
def test_each_filter_narrows_the_figures(official, town_module):
    start = town_module.start.isoformat()

    def received(**params):
        return values(official.get("/api/v1/stats/summary/", {"from": start, **params}).json())["received"]

    assert received(region="north") == 6
    assert received(region="south") == 3
    assert received(station="station-a") == 6
    assert received(station="station-a-1") == 1
    assert received(industry="food_delivery") == 3
    assert received(channel="qr_web") == 9 and received(channel="hotline") == 0
    assert received(category="overtime") == 3 and received(category="wages") == 6
    assert received(industry="food_delivery", category="wages") == 0
    day = (town_module.start + timedelta(days=1)).isoformat()
    assert received(**{"from": day, "to": day}) == 2


@override_settings(STATS_MIN_CELL=1)
def test_every_series_dimension(official, town_module):
    for dimension in SERIES_DIMENSIONS:
        response = official.get(f"/api/v1/stats/series/{dimension}/", {"from": town_module.start.isoformat()})
        assert response.status_code == 200, dimension
        body = response.json()
        assert body["dimension"] == dimension and body["title"]
        assert body["rows"], dimension
        if dimension != "funnel":
            assert [c["code"] for c in body["columns"]] == list(SERIES_COLUMNS)
    rows = official.get("/api/v1/stats/series/industry/", {"from": town_module.start.isoformat()}).json()[
        "rows"
    ]
    assert {(r["key"], r["label"], r["values"]["received"]) for r in rows} == {
        ("express_delivery", "快递", 6),
        ("food_delivery", "外卖配送", 3),
    }
    months = official.get("/api/v1/stats/series/month/", {"from": town_module.start.isoformat()}).json()[
        "rows"
    ]
    assert months[0]["key"] == town_module.start.strftime("%Y-%m")
    assert sum(r["values"]["received"] for r in months) == 9


@pytest.mark.parametrize(
    "params, field, words",
    [
        ({"from": "2026-13-01"}, "from", "YYYY-MM-DD"),
        ({"from": "yesterday"}, "from", "YYYY-MM-DD"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to", "不能早于"),
        ({"from": "1999-12-31"}, "from", "超出"),
        ({"region": "atlantis"}, "region", "未知的地区代码"),
        ({"station": "nowhere"}, "station", "未知的调解组织代码"),
        ({"station": "hrb"}, "station", "未知的调解组织代码"),  # not a mediation organization
        ({"industry": "mining"}, "industry", "未知的代码"),
        ({"channel": "fax"}, "channel", "未知的代码"),
        ({"category": "x" * 500}, "category", "未知的代码"),
    ],
)
def test_bad_filters_are_a_clear_400(official, params, field, words):
    for path in ("/api/v1/stats/summary/", "/api/v1/stats/series/month/"):
        response = official.get(path, params)
        assert response.status_code == 400, (path, params)
        body = response.json()
        assert body["code"] == "invalid"
        assert words in body["errors"][field][0]


def test_an_unknown_dimension_is_404(official):
    response = official.get("/api/v1/stats/series/employer/")
    assert response.status_code == 404
    assert "没有这种分类" in response.json()["detail"]


def test_the_definitions_are_the_pages(official, town_module, client):
    body = official.get("/api/v1/stats/definitions/").json()
    assert [f["code"] for f in body["figures"]] == [f.code for f in FIGURES]
    assert (
        "达成调解协议" in body["figures"][[f.code for f in FIGURES].index("mediation_agreed")]["definition"]
    )
    assert "实际支付" in next(f["definition"] for f in body["figures"] if f["code"] == "recovered")
    client.force_login(town_module.directory.staff["official"])
    html = client.get("/stats/").content.decode()
    for figure in body["figures"]:
        assert escape(figure["definition"]) in html
    assert escape(body["suppression"]) in html and escape(body["attribution"]) in html


def test_the_stats_endpoints_are_in_the_openapi_schema(official, town_module):
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    summary = schema["paths"]["/api/v1/stats/summary/"]["get"]
    names = {p["name"] for p in summary["parameters"]}
    assert {"from", "to", "region", "station", "industry", "channel", "category"} <= names
    assert {"200", "400", "401", "403"} <= set(summary["responses"])
    series = schema["paths"]["/api/v1/stats/series/{dimension}/"]["get"]
    dimension = next(p for p in series["parameters"] if p["name"] == "dimension")
    assert set(dimension["schema"]["enum"]) == set(SERIES_DIMENSIONS)
    assert "/api/v1/stats/definitions/" in schema["paths"]
