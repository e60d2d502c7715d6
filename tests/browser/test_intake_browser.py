"""A worker on a phone: opens a station's QR link, files a claim with a photo, gets the tracking code and PIN, and
follows the case on /track/. Headless Chromium at 360×740; screenshots under test-results/browser/."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from disputes.models import Case
from disputes.validators import id_number_check_digit
from tests.factories import OrganizationFactory, RegionFactory

from .conftest import horizontal_overflow

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_photo(path) -> str:
    image = Image.new("RGB", (800, 600), (240, 240, 235))
    for x in range(100, 700):
        for y in (200, 201, 300, 301, 400, 401):
            image.putpixel((x, y), (20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    path.write_bytes(out.getvalue())
    return str(path)


@pytest.fixture
def station(transactional_db):
    region = RegionFactory(code="qr-district", name="试点区")
    return OrganizationFactory(
        code="qr-express", name="试点区快递行业劳动争议调解站", region=region, industry="express_delivery"
    )


def test_a_worker_files_a_claim_with_a_photo_and_follows_it(
    live_server, phone_page, screenshot, station, deadline_rules, tmp_path
):
    page = phone_page
    page.goto(f"{live_server.url}/intake/s/{station.code}/")
    expect(page.locator("#preset-station")).to_contain_text(station.name)
    expect(page.locator("#id_station")).to_have_value(station.code)
    assert horizontal_overflow(page) <= 0
    screenshot(page, "intake-1-form")

    first17 = "33030219880808123"
    page.fill("#id_worker_name", "陈晓东")
    page.fill("#id_worker_id_number", first17 + id_number_check_digit(first17))
    page.fill("#id_worker_phone", "13800138000")
    page.fill("#id_employer_name", "某某快递服务有限公司")
    page.fill("#id_employer_site", "五马网点")
    expect(page.locator("#id_industry")).to_have_value("express_delivery")
    page.check("#cat-wages")
    expect(page.locator("#id_amount_wages")).to_be_visible()
    page.fill("#id_amount_wages", "6800")
    started = timezone.localdate() - timedelta(days=400)
    page.fill("#id_employment_started_on", started.isoformat())
    page.check("#id_still_employed")
    expect(page.locator("#id_employment_ended_on")).to_be_hidden()
    page.fill("#id_knowledge_date", (timezone.localdate() - timedelta(days=45)).isoformat())
    page.fill("#id_facts", "十月和十一月的派件工资一直没有发，站长说公司没钱。")
    page.set_input_files("#id_evidence", a_photo(tmp_path / "wage-slip.jpg"))
    expect(page.locator("[data-chosen-files]")).to_contain_text("wage-slip.jpg")
    page.check("#id_consent")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "intake-2-filled")

    page.click("[data-submit]")
    page.wait_for_url(re.compile(r"/intake/done/$"))
    code = page.locator("[data-testid=tracking-code]").inner_text().strip()
    pin = page.locator("[data-testid=access-pin]").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code) and re.fullmatch(r"\d{6}", pin)
    expect(page.get_by_role("button", name="保存为图片")).to_be_visible()
    assert horizontal_overflow(page) <= 0
    screenshot(page, "intake-3-done")

    case = Case.objects.get(tracking_code=code)
    assert case.station == station
    assert [e.display_name for e in case.evidence.all()] == ["wage-slip.jpg"]
    # Auto-triage at intake: the station of the QR link is honoured, by the system.
    assert case.status == "assigned"
    triage = case.events.get(transition="triage")
    assert triage.actor_kind == "system" and triage.payload == {"station": station.code, "rule": None}

    page.reload()
    expect(page.locator(".receipt-pin-gone")).to_have_text("已显示过")

    page.get_by_role("link", name="去查询进度").click()
    page.wait_for_url(re.compile(r"/track/$"))
    assert horizontal_overflow(page) <= 0
    screenshot(page, "track-1-form")
    page.fill("#id_tracking_code", code.lower().replace("-", ""))
    page.fill("#id_access_pin", pin)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("[data-testid=status]")).to_have_text("已转交调解组织，等待受理")
    expect(page.locator(".timeline")).to_contain_text("您在网上提交了申请。")
    expect(page.locator(".timeline")).to_contain_text(f"您的申请已转交{station.name}。")
    expect(page.locator("#evidence")).to_contain_text("wage-slip.jpg")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "track-2-case")


def test_errors_keep_what_was_typed_and_the_photo(live_server, phone_page, screenshot, station, tmp_path):
    page = phone_page
    page.goto(f"{live_server.url}/intake/s/{station.code}/")
    page.fill("#id_worker_name", "陈晓东")
    page.fill("#id_worker_id_number", "123")
    page.fill("#id_worker_phone", "138")
    page.fill("#id_facts", "工资没有发。")
    page.set_input_files("#id_evidence", a_photo(tmp_path / "chat.jpg"))
    page.click("[data-submit]")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_worker_name")).to_have_value("陈晓东")
    expect(page.locator("#id_facts")).to_have_value("工资没有发。")
    expect(page.locator(".uploads")).to_contain_text("chat.jpg")
    expect(page.locator("#f-worker_id_number .error")).to_contain_text("身份证号")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "intake-4-errors")


def test_rows_and_the_station_list_follow_what_the_worker_does(live_server, phone_page, screenshot, station):
    other = OrganizationFactory(
        code="qr-food", name="试点区外卖配送调解站", region=station.region, industry="food_delivery"
    )
    page = phone_page
    page.goto(f"{live_server.url}/intake/")
    stations = page.locator("#id_station option")
    expect(stations).to_have_count(3)  # "let the platform choose" and both stations
    page.select_option("#id_industry", "food_delivery")
    expect(stations).to_have_count(2)
    expect(page.locator(f"#id_station option[value={other.code}]")).to_have_count(1)
    expect(page.locator(f"#id_station option[value={station.code}]")).to_have_count(0)

    page.get_by_role("button", name=re.compile("添加一个相关方")).click()
    expect(page.locator("#id_resp-TOTAL_FORMS")).to_have_value("1")
    page.select_option("#id_resp-0-role", "platform")
    page.fill("#id_resp-0-name", "某某外卖App")

    page.locator("details.collective summary").click()
    page.get_by_role("button", name=re.compile("添加一位同事")).click()
    page.get_by_role("button", name=re.compile("添加一位同事")).click()
    expect(page.locator("#id_cw-TOTAL_FORMS")).to_have_value("2")
    expect(page.locator("[data-people-count]")).to_contain_text("共 3 人")
    page.fill("#id_cw-0-worker_name", "王强")
    page.locator("[data-rows=cw] [data-row]").nth(1).get_by_role("button", name="删除这位同事").click()
    expect(page.locator("[data-people-count]")).to_contain_text("共 2 人")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "intake-5-rows")
