"""``/stats/``: the figures with their definitions, a table under every chart, the chart data as JSON, a print
layout, the chart library served from our own static files with its licence; bad filters are a 400 page that
says what is wrong."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.utils.html import escape

from stats.definitions import FIGURES

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(town_module, client):
    client.force_login(town_module.directory.staff["official"])

    def get(**params):
        params.setdefault("from", town_module.start.isoformat())
        return client.get("/stats/", params)

    return get


@override_settings(STATS_MIN_CELL=1)
def test_the_page_shows_every_figure_with_its_definition(page):
    response = page()
    assert response.status_code == 200
    html = response.content.decode()
    for figure in FIGURES:
        assert f'id="figure-{figure.code}"' in html
        assert escape(str(figure.definition)) in html
    assert 'data-figure="received">9<' in html
    assert 'id="definitions"' in html and "指标口径说明" in html
    assert "统计范围：示范市（含下辖地区）" in html


@override_settings(STATS_MIN_CELL=1)
def test_every_chart_has_its_numbers_as_a_table(page):
    html = page().content.decode()
    charts = json.loads(
        re.search(r'<script id="stats-charts" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert [c["id"] for c in charts] == ["month", "funnel", "station", "industry", "category", "channel"]
    for chart in charts:
        assert f'data-chart="{chart["id"]}"' in html
        assert f'id="table-{chart["id"]}"' in html
        assert chart["labels"] and chart["series"]
        for series in chart["series"]:
            assert len(series["values"]) == len(series["texts"]) == len(chart["labels"])
    industry = next(c for c in charts if c["id"] == "industry")
    assert industry["labels"] == ["快递", "外卖配送"]
    assert industry["series"][0]["values"] == [6, 3]
    assert 'id="table-region"' in html and 'id="table-deadlines"' in html
    funnel = next(c for c in charts if c["id"] == "funnel")
    assert funnel["shares"][0] == "100.0%" and set(funnel["branches"]) == {"mediation", "arbitration"}


def test_the_chart_library_is_ours_with_its_licence_and_the_page_loads_nothing_from_elsewhere(page):
    html = page().content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert "/static/vendor/echarts/echarts.common.min.js" in assets
    assert "/static/onestop/stats.js" in assets and "/static/onestop/stats.css" in assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    licence = finders.find("vendor/echarts/LICENSE")
    assert licence and "Apache License" in Path(licence).read_text(encoding="utf-8")
    assert finders.find("vendor/echarts/NOTICE")


def test_the_print_layout_hides_the_controls(page):
    css = Path(finders.find("onestop/stats.css")).read_text(encoding="utf-8")
    assert "@media print" in css and ".no-print" in css
    html = page().content.decode()
    assert 'class="stats-filters no-print"' in html and "data-print" in html
    assert "print-only" in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "2026-02-30"}, "YYYY-MM-DD"),
        ({"industry": "mining"}, "未知的代码"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "不能早于"),
    ],
)
def test_bad_filters_are_explained_on_a_400_page(page, params, message):
    response = page(**params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "筛选条件有误" in html and message in html
    assert 'id="figure-received"' in html  # the default period is still shown below


def test_a_filter_outside_the_scope_is_403(town_module, client):
    client.force_login(town_module.directory.staff["south_official"])
    assert client.get("/stats/", {"station": "station-a"}).status_code == 403


def test_the_home_page_links_officials_to_the_statistics(client):
    assert 'href="/stats/"' in client.get("/").content.decode()
