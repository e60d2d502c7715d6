"""Staff two-factor sign-in in a real browser, and the Content-Security-Policy holding on every kind of page:
the browser reports each blocked inline script or style (``securitypolicyviolation``, console errors), and there
must be none."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from config.security.twofactor import totp_code

from ..factories import UserFactory, case_in_state
from .conftest import PHONE, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


def watch_csp(page) -> list[str]:
    """Record every CSP violation the page reports, in the page and on the console."""
    seen: list[str] = []
    page.add_init_script(WATCH_CSP)
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


def violations(page, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__csp || []"), *console]


def test_a_new_member_of_staff_enrols_an_authenticator_and_gets_in(live_server, phone_page, screenshot):
    page = phone_page
    console = watch_csp(page)
    UserFactory(username="new_clerk")
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    page.fill("#id_username", "new_clerk")
    page.fill("#id_password", "pass-1234")
    page.click("input[type=submit]")

    expect(page.locator("h1")).to_have_text("设置两步验证")
    expect(page.locator("#otp-qr svg")).to_be_visible()
    secret = page.locator("#otp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "otp-enrol-phone")

    device = TOTPDevice.objects.get(user__username="new_clerk", confirmed=False)
    page.fill("#id_otp_token", "000000" if totp_code(device) != "000000" else "111111")
    page.click("#otp-submit")
    expect(page.locator(".error")).to_contain_text("验证码不正确")

    page.wait_for_timeout(1100)  # a wrong code makes the next one wait a second
    page.fill("#id_otp_token", totp_code(device))
    page.click("#otp-submit")
    expect(page.locator("h1")).to_have_text("两步验证已开启")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    screenshot(page, "otp-recovery-codes-phone")
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.locator("#user-tools")).to_be_visible()
    assert violations(page, console) == []


def test_a_wrong_code_keeps_the_admin_closed_and_the_right_one_opens_it(live_server, page, screenshot):
    page.set_viewport_size(DESKTOP)
    user = UserFactory(username="mediator_otp")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "mediator_otp")
    page.fill("#id_password", "pass-1234")
    page.click("input[type=submit]")
    expect(page.locator("h1")).to_have_text("两步验证")
    screenshot(page, "otp-verify")
    page.goto(f"{live_server.url}/admin/disputes/case/")
    expect(page).to_have_url(re.compile(r"/staff/2fa/verify/\?next="))
    page.fill("#id_otp_token", "12345678")
    page.click("#otp-submit")
    expect(page.locator(".error")).to_be_visible()
    page.wait_for_timeout(1100)
    page.fill("#id_otp_token", totp_code(device))
    page.click("#otp-submit")
    expect(page).to_have_url(f"{live_server.url}/admin/disputes/case/")


def test_no_page_breaks_the_content_security_policy(live_server, page, directory, deadline_rules):
    page.set_viewport_size(DESKTOP)
    console = watch_csp(page)
    case = case_in_state("assigned", station=directory.station)
    boss = UserFactory(username="csp_admin", is_superuser=True)

    for path in (
        "/",
        "/intake/",
        "/track/",
        "/verify/",
        "/report-risk/",
        f"/o/{directory.station.code}/",
        "/api/docs/",
        "/knowledge/",
        "/admin/login/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    expect(page.locator("#id_username")).to_be_visible()

    staff_login(page, live_server, boss, next_url="/admin/")
    for path in (
        "/admin/",
        "/admin/disputes/case/",
        f"/admin/disputes/case/{case.pk}/change/",
        "/stats/",
        "/admin/disputes/case/intake/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations(page, console) == []

    # The watch itself works: an inline style attribute is blocked and reported.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert any("style-src" in v for v in violations(page, console))
