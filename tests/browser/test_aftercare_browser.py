"""A worker on a phone asks for legal aid on /track/, and after the legal-aid centre grants it and assigns a
lawyer, finds the lawyer's name, firm and phone on the same page. Headless Chromium at 360×740; screenshots under
test-results/browser/."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from organizations.states import OrgType, Role
from referrals import handoffs
from referrals.legal_aid import legal_aid_lawyer_assign
from referrals.models import LegalAidRequest
from tests.factories import OrganizationFactory, make_staff

from .conftest import horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_worker_asks_for_legal_aid_and_later_sees_the_lawyer(
    live_server, phone_page, screenshot, directory, deadline_rules
):
    cache.clear()
    centre = OrganizationFactory(
        code="la-city",
        name="示范市法律援助中心",
        region=directory.city,
        type=OrgType.LEGAL_AID,
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )
    aid_staff = make_staff(org=centre, role=Role.LEGAL_AID, username="aid_city")
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

    page = phone_page
    page.goto(f"{live_server.url}/track/")
    page.fill("#id_tracking_code", case.tracking_code)
    page.fill("#id_access_pin", pin)
    page.get_by_role("button", name="查询").click()
    panel = page.get_by_test_id("legal-aid-panel")
    expect(panel).to_contain_text("不需要审查经济困难状况")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "aftercare-1-track-offers-legal-aid")

    panel.get_by_test_id("legal-aid-apply").click()
    expect(page.locator("h1")).to_have_text("申请法律援助")
    expect(page.locator("main")).to_contain_text("示范市法律援助中心")
    page.get_by_test_id("legal-aid-submit").click()  # nothing filled in: the form says what is missing
    expect(page.locator("#f-consent .error")).to_contain_text("请先勾选同意")
    page.fill("#id_reason", "公司两个月没发工资，我不会写仲裁申请书，想请律师帮忙。")
    page.select_option("#id_affordability", "cannot")
    page.check("#id_migrant_worker")
    page.check("#id_consent")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "aftercare-2-legal-aid-form")
    page.get_by_test_id("legal-aid-submit").click()
    expect(page.locator(".messages")).to_contain_text("已提交法律援助申请")
    expect(page.get_by_test_id("legal-aid-state")).to_contain_text("等待决定是否给予法律援助")
    expect(page.locator(".timeline")).to_contain_text("您申请了法律援助")
    screenshot(page, "aftercare-3-legal-aid-waiting")

    aid = LegalAidRequest.objects.get(case=case)
    assert aid.means_test_exempt and aid.handoff.to_org == centre
    handoffs.handoff_answer(
        handoff_id=aid.handoff_id, action="accept", actor=aid_staff, reference="示援字第12号"
    )
    legal_aid_lawyer_assign(
        request_id=aid.pk,
        actor=aid_staff,
        lawyer_name="周正",
        law_firm="示范公益律师事务所",
        lawyer_phone="0577-88886666",
    )

    page.reload()
    lawyer = page.get_by_test_id("legal-aid-lawyer")
    expect(lawyer).to_contain_text("周正")
    expect(lawyer).to_contain_text("示范公益律师事务所")
    expect(lawyer.get_by_role("link", name="0577-88886666")).to_have_attribute("href", "tel:0577-88886666")
    expect(page.get_by_test_id("legal-aid-state")).to_contain_text("已决定给予法律援助")
    expect(page.locator(".timeline")).to_contain_text("已指派示范公益律师事务所的周正律师")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "aftercare-4-lawyer-assigned")
