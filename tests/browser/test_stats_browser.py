"""An official opens /stats/ in a desktop browser, reads the key figures and the charts, changes a filter and sees
the figures and charts follow; the page also works on a phone. Screenshots under test-results/browser/."""

import re

import pytest
from playwright.sync_api import expect

from tests.stats.conftest import build_town

from .conftest import SCREENSHOTS, horizontal_overflow, staff_login

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def town(deadline_rules, settings):
    settings.STATS_MIN_CELL = 5
    return build_town()


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/stats/")
    expect(page).to_have_url(f"{live_server.url}/admin/login/?next=/stats/")
    staff_login(page, live_server, username, "pass-1234", next_url="/stats/")
    expect(page).to_have_url(f"{live_server.url}/stats/")


def charts_drawn(page) -> None:
    for chart in ("month", "funnel", "station", "industry", "category", "channel"):
        expect(page.locator(f'.chart[data-chart="{chart}"]')).to_have_attribute("data-drawn", "true")
        expect(page.locator(f'.chart[data-chart="{chart}"] svg')).to_have_count(1)


def test_an_official_reads_the_charts_and_changes_a_filter(
    live_server, browser, browser_context_args, screenshot, town
):
    context = browser.new_context(**{**browser_context_args, "viewport": DESKTOP})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, "official")

    expect(page.locator("h1")).to_have_text("劳动争议调处统计")
    expect(page.locator('[data-figure="received"]')).to_contain_text("9")
    expect(page.locator("#figure-received .figure-def")).to_contain_text("按提交日期")
    charts_drawn(page)
    # Readable without colour: each bar carries its number, the same as in the table below. Three food-delivery
    # cases are fewer than five ("<5"), and the other row is hidden with them ("*"), or 9 - 6 would tell.
    industry_chart = page.locator('.chart[data-chart="industry"] svg')
    expect(industry_chart).to_contain_text("快递")
    expect(industry_chart).to_contain_text("<5")
    expect(industry_chart).to_contain_text("*")
    expect(page.locator("#table-industry tbody tr")).to_have_count(2)
    expect(page.locator("#table-industry tbody tr").nth(1)).to_contain_text("<5")
    month_chart = page.locator('.chart[data-chart="month"] svg')
    expect(month_chart).to_contain_text("收案")
    screenshot(page, "stats-1-official")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".chart-section").first.screenshot(path=str(SCREENSHOTS / "stats-2-month-chart.png"))

    page.select_option("#f-industry", "food_delivery")
    page.click(".stats-filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"/stats/\?.*industry=food_delivery"))
    expect(page.locator(".stats-period")).to_contain_text("行业：外卖配送")
    # Three cases: fewer than five, shown as "<5" (small-cell suppression), never exactly.
    expect(page.locator('[data-figure="received"]')).to_have_text("<5")
    charts_drawn(page)
    expect(page.locator("#table-industry tbody tr")).to_have_count(1)
    expect(page.locator('.chart[data-chart="industry"] svg')).to_contain_text("外卖配送")
    screenshot(page, "stats-3-filtered")
    assert errors == []
    context.close()


def test_a_station_admin_on_a_phone(live_server, phone_page, screenshot, town):
    page = phone_page
    log_in(page, live_server, "admin_a")
    expect(page.locator(".stats-head")).to_contain_text("北区快递行业调解站（含网点）")
    expect(page.locator('[data-figure="received"]')).to_contain_text("6")
    charts_drawn(page)
    assert horizontal_overflow(page) <= 0
    screenshot(page, "stats-4-phone-station-admin")
