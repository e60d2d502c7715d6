"""CSV and Excel exports: the same figures and tables as the page, exact numbers as numbers, the definitions
included, the filters and the scope stated."""

import csv
import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from stats.definitions import FIGURES

pytestmark = pytest.mark.django_db


@pytest.fixture
def official_client(town_module, client):
    client.force_login(town_module.directory.staff["official"])
    return client


def sections(text: str) -> dict[str, list[list[str]]]:
    """The CSV's sections by title: header and rows."""
    out, current = {}, None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
        elif current is None:
            current = out.setdefault(row[0], [])
        else:
            current.append(row)
    return out


@override_settings(STATS_MIN_CELL=1)
def test_the_csv_holds_every_table_with_exact_numbers(official_client, town_module):
    response = official_client.get("/stats/export.csv", {"from": town_module.start.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="onestop-stats-')
    assert response.content.startswith("\ufeff".encode())  # Excel reads the Chinese as UTF-8
    parts = sections(response.content.decode("utf-8-sig"))
    figures = {row[0]: row for row in parts["主要指标"][1:]}
    assert figures["收案"][1:3] == ["9", "件"]
    assert figures["受理"][1] == "6"
    assert figures["调解成功率"][1] == "100.0"
    assert figures["请求金额"][1] == "72000.00"
    assert figures["协议金额"][1] == "3000.00"
    for figure in FIGURES:
        assert figures[str(figure.label)][3] == str(figure.definition)
    meta = {row[0]: row[1] for row in parts["劳动争议调处统计"][1:]}
    assert meta["筛选条件"] == "全部"
    assert "示范市" in meta["统计范围"]
    industry = next(v for k, v in parts.items() if k.startswith("按行业"))
    assert industry[0][:3] == ["行业", "收案（件）", "受理（件）"]
    assert {(r[0], r[1]) for r in industry[1:]} == {("快递", "6"), ("外卖配送", "3")}
    assert any(k.startswith("按月份") for k in parts) and any(k.startswith("办理结果漏斗") for k in parts)
    assert "口径说明" in parts


@override_settings(STATS_MIN_CELL=1)
def test_the_filters_apply_to_the_export(official_client, town_module):
    text = official_client.get(
        "/stats/export.csv", {"from": town_module.start.isoformat(), "industry": "food_delivery"}
    ).content.decode("utf-8-sig")
    parts = sections(text)
    assert {row[0]: row[1] for row in parts["劳动争议调处统计"][1:]}["筛选条件"] == "行业：外卖配送"
    assert {row[0]: row[1] for row in parts["主要指标"][1:]}["收案"] == "3"


@override_settings(STATS_MIN_CELL=1)
def test_the_excel_file_has_a_sheet_per_table_with_numbers(official_client, town_module):
    response = official_client.get("/stats/export.xlsx", {"from": town_module.start.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    assert {"概要", "主要指标", "法定期限", "办理结果漏斗", "月份", "调解组织", "行业", "争议类别", "来源渠道",
            "地区", "口径说明"} <= set(book.sheetnames)  # fmt: skip
    figures = {row[0]: row[1:] for row in book["主要指标"].iter_rows(min_row=3, values_only=True)}
    assert figures["收案"][0] == 9 and isinstance(figures["收案"][0], int)
    assert figures["请求金额"][0] == 72000.0
    assert figures["调解成功率"][0] == 100.0
    assert figures["协议金额"][2] == str(next(f.definition for f in FIGURES if f.code == "agreed"))
    stations = list(book["调解组织"].iter_rows(min_row=3, values_only=True))
    assert {(r[0], r[1]) for r in stations} == {("北区快递行业调解站", 6), ("南区外卖配送调解站", 3)}


def test_a_bad_filter_is_a_400_not_a_file(official_client):
    response = official_client.get("/stats/export.xlsx", {"from": "not-a-date"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
