"""A mediator records an agreement in the workbench; the worker reads and signs it on a phone (360 px) with the PIN;
the mediator records the employer's signature and the worker sees the agreement in effect. Screenshots under
test-results/browser/."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disputes.models import Case
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from mediation.models import Agreement

from .conftest import horizontal_overflow, staff_login

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234"  # tests.factories.UserFactory


def case_in_mediation(directory):
    mediator = directory.staff["mediator"]
    case, pin = case_create(
        actor=WORKER,
        worker_name="王芳",
        worker_id_number="330302199203035678",
        worker_phone="13700002222",
        employer_name="某某配送服务有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("6500.00"))],
        facts="2026年8月、9月工资未发放。",
        station=directory.station,
    )
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    case_transition(case_id=case.pk, name="accept", actor=mediator, payload={"mediator": mediator})
    case_transition(case_id=case.pk, name="start_mediation", actor=mediator)
    return case, pin


def log_in(page, live_server, username):
    staff_login(page, live_server, username, PASSWORD, next_url="/admin/")
    expect(page.locator("#user-tools")).to_be_visible()


def test_a_mediator_records_an_agreement_and_the_worker_signs_it_on_a_phone(
    live_server, browser, phone_page, directory, deadline_rules, screenshot
):
    case, pin = case_in_mediation(directory)
    workbench = f"{live_server.url}/admin/mediation/mediationcase/{case.pk}/change/"

    # The mediator drafts the agreement: two items, two instalments, and puts it up for signatures.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    staff = staff_context.new_page()
    log_in(staff, live_server, "mediator_a")
    staff.goto(workbench)
    expect(staff.locator("[data-testid=case-status]")).to_have_text("调解中")
    staff.locator("#mediation-actions").get_by_role("link", name="拟定调解协议").click()
    expect(staff.locator("#mediation-form")).to_be_visible()
    staff.fill("#id_employer_contact_name", "赵经理")
    staff.fill("#id_employer_contact_phone", "13800001234")
    staff.select_option("#id_payment_method", "bank_transfer")
    staff.select_option("#id_items-0-category", "wages")
    staff.fill("#id_items-0-description", "2026年8月、9月工资")
    staff.fill("#id_items-0-amount", "5000")
    staff.select_option("#id_items-1-category", "compensation")
    staff.fill("#id_items-1-description", "经济补偿")
    staff.fill("#id_items-1-amount", "1000")
    today = timezone.localdate()
    staff.fill("#id_instalments-0-due_on", (today + timedelta(days=7)).isoformat())
    staff.fill("#id_instalments-0-amount", "3000")
    staff.fill("#id_instalments-1-due_on", (today + timedelta(days=37)).isoformat())
    staff.fill("#id_instalments-1-amount", "3000")
    screenshot(staff, "mediation-1-draft")
    staff.get_by_role("button", name="保存并提交双方签署").click()
    expect(staff.locator(".messagelist")).to_contain_text("已拟定调解协议并提交双方签署")
    expect(staff.locator("[data-testid=agreement-status]")).to_have_text("待双方签署")
    screenshot(staff, "mediation-2-workbench")
    agreement = Agreement.objects.get(case=case)
    assert agreement.total == Decimal("6000.00")

    # The worker opens the case on a phone, reads the agreement and signs it with the PIN.
    page = phone_page
    page.goto(f"{live_server.url}/track/")
    page.fill("#id_tracking_code", case.tracking_code)
    page.fill("#id_access_pin", pin)
    page.get_by_role("button", name="查询").click()
    section = page.locator("[data-testid=agreement]")
    expect(section).to_contain_text("待双方签署")
    expect(section).to_contain_text("2026年8月、9月工资")
    expect(section).to_contain_text("6,000.00 元")
    expect(section).to_contain_text("陆仟元整")
    expect(page.locator("[data-testid=worker-signature]")).to_have_text("尚未签署")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "mediation-3-phone-agreement")

    pdf = page.request.get(f"{live_server.url}/track/agreement/pdf/")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"

    page.fill("#id_sign_pin", "000000")
    page.locator("[data-testid=sign-form] input[name=agree]").check()
    page.locator("[data-testid=sign-submit]").click()
    expect(page.locator(".messages")).to_contain_text("查询密码不正确")

    page.fill("#id_sign_pin", pin)
    page.locator("[data-testid=sign-form] input[name=agree]").check()
    screenshot(page, "mediation-4-phone-sign")
    page.locator("[data-testid=sign-submit]").click()
    expect(page.locator(".messages")).to_contain_text("您已签署调解协议")
    expect(page.locator("[data-testid=worker-signature]")).to_contain_text("已于")
    expect(page.locator("[data-testid=sign-form]")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("您确认并签署了调解协议。")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "mediation-5-phone-signed")
    assert Case.objects.get(pk=case.pk).status == "in_mediation"  # the employer has not signed yet

    # The mediator records the employer's signature: the agreement takes effect and the case moves on.
    staff.goto(workbench)
    expect(staff.locator("[data-testid=worker-signed]")).not_to_have_text("未签署")
    staff.get_by_role("link", name="记录用人单位签署").click()
    staff.fill("#id_signatory", "赵经理")
    staff.check("#id_confirm")
    staff.get_by_role("button", name=re.compile("确认记录用人单位签署")).click()
    expect(staff.locator(".messagelist")).to_contain_text("协议已生效")
    expect(staff.locator("[data-testid=case-status]")).to_have_text("已达成调解协议")
    screenshot(staff, "mediation-6-effective")
    staff_context.close()

    page.reload()
    expect(page.locator("[data-testid=status]")).to_have_text("已达成调解协议，等待履行")
    expect(section).to_contain_text("已生效")
    expect(page.locator("[data-testid=payments]")).to_contain_text("尚未支付")
    expect(page.locator(".timeline")).to_contain_text("双方达成了调解协议，协议金额 6,000.00 元。")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "mediation-7-phone-effective")
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"
