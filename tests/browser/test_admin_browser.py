"""The public home page and the staff workbench in a real browser: the phone layout, and a mediator
accepting a case."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from disputes.models import Case
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from disputes.states import CaseStatus

from .conftest import PHONE, staff_login

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234"  # tests.factories.UserFactory


def file_case(station) -> Case:
    case, _pin = case_create(
        actor=WORKER,
        worker_name="王芳",
        worker_id_number="330302199203035678",
        worker_phone="13700002222",
        employer_name="某某配送服务有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("6500.00"))],
        facts="2026年8月、9月工资未发放。",
        station=station,
    )
    return case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})


def log_in(page, live_server, username):
    staff_login(page, live_server, username, PASSWORD, next_url="/admin/")
    expect(page.locator("#user-tools")).to_be_visible()


def test_home_page_on_a_phone(live_server, phone_page, screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/")
    expect(page).to_have_title(re.compile("劳动争议"))
    expect(page.locator("h1")).to_contain_text("劳动争议")
    login = page.get_by_role("link", name="登录工作台")
    expect(login).to_be_visible()
    assert login.get_attribute("href") == "/admin/"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "home-phone")


def test_admin_login_page_on_a_phone(live_server, phone_page, screenshot):
    page = phone_page
    page.goto(f"{live_server.url}/admin/login/")
    expect(page.locator("#site-name")).to_contain_text("一站式劳动争议多元化解平台")
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("input[type=submit]")).to_have_value("登录")
    # The admin stylesheet is served (the header takes the admin's colours, not the browser's default white).
    header_bg = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
    assert header_bg not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "admin-login-phone")


def test_a_mediator_accepts_a_case_in_the_workbench(live_server, page, directory, deadline_rules, screenshot):
    mine = file_case(directory.station)
    theirs = file_case(directory.other)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "mediator_a")

    page.goto(f"{live_server.url}/admin/disputes/case/")
    results = page.locator("#result_list")
    expect(results).to_contain_text(mine.tracking_code)
    expect(results).not_to_contain_text(theirs.tracking_code)
    expect(results).to_contain_text("3303**********5678")
    expect(results).to_contain_text("137****2222")
    expect(results).not_to_contain_text("330302199203035678")
    screenshot(page, "case-list")

    page.get_by_role("link", name=mine.tracking_code).click()
    expect(page.locator("#case-history")).to_contain_text("提交申请")
    expect(page.locator("#case-history")).to_contain_text("分派到调解组织")
    expect(page.locator("#case-deadlines")).to_contain_text("仲裁时效")
    expect(page.locator(".os-status")).to_have_text("已分派调解组织")
    expect(page.locator(".field-worker_id_display .readonly")).to_have_text("330302199203035678")
    screenshot(page, "case-page-before")

    page.locator("#case-transitions").get_by_role("link", name="受理", exact=True).click()
    expect(page.locator("#transition-form")).to_be_visible()
    page.fill("#id_note", "材料齐全，予以受理。")
    screenshot(page, "transition-accept")
    page.get_by_role("button", name="确认受理").click()

    expect(page.locator(".messagelist")).to_contain_text("已执行“受理”")
    expect(page.locator(".os-status")).to_have_text("已受理")
    expect(page.locator("#case-history")).to_contain_text("材料齐全，予以受理。")
    expect(page.locator("#case-deadlines")).to_contain_text("调解期限（十五日）")
    screenshot(page, "case-page-accepted")
    assert Case.objects.get(pk=mine.pk).status == CaseStatus.ACCEPTED


def test_a_mediator_extends_the_mediation_period_with_both_parties_consent(
    live_server, page, directory, deadline_rules, screenshot
):
    """The "延长" link of an extendable deadline opens its form; a number above what is left is refused on the
    page, a valid one moves the due date, and the link is gone once the law's maximum is used."""
    case = file_case(directory.station)
    mediator = directory.staff["mediator"]
    case_transition(case_id=case.pk, name="accept", actor=mediator, payload={"mediator": mediator})
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "mediator_a")

    page.goto(f"{live_server.url}/admin/disputes/case/{case.pk}/change/")
    deadlines = page.locator("#case-deadlines")
    row = deadlines.locator("tr", has_text="调解期限（十五日）")
    before = row.locator("td").nth(2).inner_text()
    row.get_by_role("link", name="延长").click()

    form = page.locator("#deadline-extend-form")
    expect(form).to_be_visible()
    expect(page.locator("#content-main")).to_contain_text("经双方当事人同意")
    expect(form).to_contain_text("最多还能延长 15 日")
    page.fill("#id_days", "16")
    page.fill("#id_reason", "双方当事人于今日在调解室当面同意延长调解期限十五日。")
    page.get_by_role("button", name="确认延长").click()
    expect(page.locator(".errornote")).to_be_visible()
    page.fill("#id_days", "15")
    screenshot(page, "deadline-extend-form")
    page.get_by_role("button", name="确认延长").click()

    expect(page.locator(".messagelist")).to_contain_text("已延长“调解期限（十五日）”")
    row = page.locator("#case-deadlines tr", has_text="调解期限（十五日）")
    expect(row).to_contain_text("已依法延长 15 日")
    assert row.locator("td").nth(2).inner_text() != before
    expect(row.get_by_role("link", name="延长")).to_have_count(0)
    expect(page.locator("#case-history")).to_contain_text("依法延长期限")
    screenshot(page, "deadline-extended")
