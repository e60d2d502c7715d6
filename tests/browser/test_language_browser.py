"""A visitor on a phone switches the site to English and back: the home page, the claim form and the tracking page
read in English, nothing overflows the 360 px screen, and Chinese comes back with one tap. Headless Chromium at
360×740; screenshots under test-results/browser/."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import OrganizationFactory, RegionFactory

from .conftest import horizontal_overflow

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def station(transactional_db):
    region = RegionFactory(code="lang-district", name="试点区")
    return OrganizationFactory(
        code="lang-express", name="试点区快递行业劳动争议调解站", region=region, industry="express_delivery"
    )


def switch_to(page, language_name: str):
    page.locator("header form.lang").get_by_role("button", name=language_name).click()
    page.wait_for_load_state()


def test_switch_to_english_and_back(live_server, phone_page, screenshot, station):
    page = phone_page
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("劳动争议，一站调处")
    screenshot(page, "lang-1-home-zh")

    switch_to(page, "English")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page).to_have_title("One-Stop Labor Dispute Resolution Platform")
    expect(page.locator("h1")).to_have_text("Labor disputes, resolved in one place")
    expect(page.locator(".brand")).to_have_text("One-Stop Labor Disputes")
    expect(page.locator(".cards h2")).to_have_text(
        ["Mediation is free and voluntary", "What to prepare", "For staff"]
    )
    expect(page.get_by_role("link", name="Apply for mediation").first).to_be_visible()
    expect(page.locator("header form.lang button")).to_have_text("简体中文")
    # The English name of the site leaves the switch room for one line (it wraps "简体中" / "文" otherwise).
    assert page.locator("header form.lang button").bounding_box()["height"] < 50
    assert page.locator(".brand").bounding_box()["height"] < 30
    assert horizontal_overflow(page) <= 0
    screenshot(page, "lang-2-home-en")

    page.get_by_role("navigation").get_by_role("link", name="Apply for mediation").click()
    page.wait_for_url(re.compile(r"/intake/$"))
    expect(page.locator("h1")).to_have_text("Apply for labor dispute mediation")
    expect(page.locator("#s-worker")).to_contain_text("About you")
    expect(page.locator("#s-employer")).to_contain_text("Employer or platform")
    expect(page.locator("#s-problem")).to_contain_text("Industry and problems")
    expect(page.locator("#s-evidence")).to_contain_text("Evidence (you can add it later)")
    expect(page.locator("[data-submit]")).to_have_text("Submit application")
    expect(page.locator("#id_station option").first).to_have_text("Let the platform choose for me")
    page.locator("details.collective summary").click()
    expect(page.locator("[data-people-count]")).to_have_text("People applying together: 1.")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "lang-3-intake-en")

    # Mistakes are explained in English too (the form keeps the language through the POST).
    page.click("[data-submit]")
    expect(page.locator("#error-summary h2")).to_have_text(re.compile(r"^\d+ items? needs? correcting$"))
    expect(page.locator("#f-worker_name .error")).to_have_text("This field is required.")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "lang-4-intake-errors-en")

    page.get_by_role("navigation").get_by_role("link", name="Track progress").click()
    page.wait_for_url(re.compile(r"/track/$"))
    expect(page.locator("h1")).to_have_text("Track your case")
    expect(page.get_by_label("Tracking code")).to_be_visible()
    expect(page.get_by_label("Access PIN (6 digits)")).to_be_visible()
    expect(page.get_by_role("button", name="Look up")).to_be_visible()
    expect(page.locator("main h2")).to_have_text("Can't find your tracking code or forgot your PIN?")
    # Nothing left in Chinese but the switch back to it.
    text = page.locator("body").inner_text().replace("简体中文", "")
    assert not CJK.search(text), text
    assert horizontal_overflow(page) <= 0
    screenshot(page, "lang-5-track-en")

    switch_to(page, "简体中文")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{live_server.url}/track/")
    expect(page.locator("h1")).to_have_text("查询办理进度")
    expect(page.locator("header form.lang button")).to_have_text("English")
    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("劳动争议，一站调处")
    screenshot(page, "lang-6-back-to-zh")
