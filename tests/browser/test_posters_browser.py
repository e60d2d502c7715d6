"""An organization's public page on a phone: the QR code is shown and the poster can be downloaded."""

import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from .conftest import horizontal_overflow, staff_login

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_station_page_shows_its_qr_and_poster_on_a_phone(live_server, phone_page, directory, screenshot):
    station = directory.station
    station.address = "示范市北区东街88号二楼"
    station.phone = "0577-88886666"
    station.save()
    page = phone_page
    page.goto(f"{live_server.url}/o/{station.code}/")

    expect(page.locator("h1")).to_have_text(station.name)
    expect(page.get_by_role("link", name="在线申请")).to_have_attribute("href", f"/intake/s/{station.code}/")
    qr = page.locator("img.qr")
    expect(qr).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", qr.element_handle())
    box = qr.bounding_box()
    assert box["width"] >= 200  # large enough to scan from another phone's screen
    poster = page.get_by_role("link", name="下载海报（PDF，A4）")
    poster.scroll_into_view_if_needed()
    expect(poster).to_be_visible()
    assert horizontal_overflow(page) <= 0
    screenshot(page, "organization-page-phone")

    # What the phone shows decodes to the station's form.
    shot = Image.open(io.BytesIO(qr.screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [f"{live_server.url}/intake/s/{station.code}/"]

    pdf = page.request.get(f"{live_server.url}{poster.get_attribute('href')}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")


def test_a_clerk_records_a_hotline_claim_in_the_workbench(
    live_server, page, directory, deadline_rules, screenshot
):
    from disputes.models import Case
    from disputes.validators import id_number_check_digit

    page.set_viewport_size({"width": 1280, "height": 900})
    staff_login(page, live_server, "clerk_a", "pass-1234", next_url="/admin/disputes/case/")
    page.get_by_role("link", name="登记新案件").click()
    expect(page.locator("#staff-intake-form")).to_be_visible()
    screenshot(page, "staff-intake-form")

    page.select_option("#id_channel", "hotline")
    page.fill("#id_worker_name", "陈磊")
    page.fill("#id_worker_id_number", "33030219900101123" + id_number_check_digit("33030219900101123"))
    page.fill("#id_worker_phone", "13912345678")
    page.fill("#id_employer_name", "某某速运有限公司")
    page.check("input[name=categories][value=wages]")
    page.fill("#id_facts", "电话中陈述：2026年7月至9月的派件费未结算。")
    page.check("#id_consent")
    page.click("#staff-intake-form input[type=submit]")

    result = page.locator("#staff-intake-result")
    expect(result).to_be_visible()
    case = Case.objects.get()
    expect(result.locator("[data-tracking-code]")).to_have_text(case.tracking_code)
    expect(result.locator("[data-pin]")).to_have_text(__import__("re").compile(r"^\d{6}$"))
    screenshot(page, "staff-intake-result")
    assert case.channel == "hotline" and case.intake_org == directory.station
