"""The handoff inbox in a real browser: a mediator refers a failed mediation to arbitration, the commission's
arbitrator finds it in the inbox, reads the packet and accepts it with the commission's case number."""

import pytest
from playwright.sync_api import expect

from disputes.services import case_transition
from referrals.models import Handoff
from referrals.states import HandoffStatus

from .test_admin_browser import file_case, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_arbitrator_accepts_a_handoff_from_the_inbox(
    live_server, page, directory, deadline_rules, screenshot
):
    mediator = directory.staff["mediator"]
    case = file_case(directory.station)
    for name, payload in (
        ("accept", {}),
        ("start_mediation", {}),
        ("record_failure", {"reason": "用人单位拒绝调解"}),
    ):
        case_transition(case_id=case.pk, name=name, actor=mediator, payload=payload)
    case_transition(
        case_id=case.pk,
        name="refer_to_arbitration",
        actor=mediator,
        note="劳动者同意转仲裁",
        payload={"commission": directory.commission},
    )
    handoff = Handoff.objects.get(case=case)

    log_in(page, live_server, "arbitrator")
    page.goto(f"{live_server.url}/admin/referrals/handoff/?direction=received")
    page.get_by_role("link", name=case.tracking_code).first.wait_for()
    page.locator(f'a[href*="/referrals/handoff/{handoff.pk}/change/"]').first.click()
    expect(page.locator("#handoff-packet")).to_contain_text(
        "330302199203035678"
    )  # the receiver works the case
    expect(page.get_by_test_id("handoff-status")).to_have_text("已送达")
    form = page.locator('form[data-answer="accept"]')
    form.get_by_label("本机构案号").fill("示劳人仲案字〔2026〕第88号")
    form.get_by_label("承办人").fill("周仲裁")
    screenshot(page, "handoff-inbox-accept")
    form.get_by_role("button", name="接收办理").click()
    expect(page.locator(".messagelist")).to_contain_text("已接收办理")
    expect(page.get_by_test_id("handoff-status")).to_have_text("已接收办理")
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ACCEPTED
    assert handoff.reference == "示劳人仲案字〔2026〕第88号"
