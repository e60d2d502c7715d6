"""An arbitrator in a real browser: opens the commission's review queue, reads the agreement on the case's desk,
approves it, and downloads the 仲裁调解书 it issued (its text checked with pypdf: the title, the number, the
verification code and the case's tracking code)."""

from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from disputes.models import Case, IssuedDocument
from disputes.states import CaseStatus, ConfirmationRoute
from tests.arbitration.conftest import file_case, file_for, seed_deadline_rules, sign_agreement

from .conftest import staff_login

# Transactional: the live server reads the data from another thread.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234"  # tests.factories.UserFactory


def test_an_arbitrator_approves_an_agreement_and_downloads_the_document(
    live_server, page, directory, deadline_rules, screenshot
):
    seed_deadline_rules()
    case, pin = file_case(directory)
    agreement = sign_agreement(directory, case, pin)
    file_for(
        Case.objects.get(pk=case.pk),
        directory.staff["mediator"],
        ConfirmationRoute.ARBITRATION_REVIEW,
        directory.commission,
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    staff_login(page, live_server, "arbitrator", PASSWORD, next_url="/admin/arbitration/reviewcase/")

    results = page.locator("#result_list")
    expect(results).to_contain_text(case.tracking_code)
    expect(results.locator("[data-testid=decision-deadline]")).to_contain_text("还剩")
    expect(results).not_to_contain_text(case.worker_id_number)
    screenshot(page, "arbitration-1-review-queue")

    page.get_by_role("link", name=case.tracking_code).click()
    desk = page.locator("[data-testid=desk-agreement]")
    expect(desk).to_contain_text(agreement.number)
    expect(desk).to_contain_text("2026年9月、10月工资")
    expect(desk.locator("[data-testid=agreement-pdf]")).to_be_visible()
    expect(page.locator("#desk-history")).to_contain_text("申请仲裁审查确认或司法确认")
    screenshot(page, "arbitration-2-desk")

    page.locator("[data-testid=action-approve]").click()
    page.check("#id_confirm")
    screenshot(page, "arbitration-3-approve")
    page.locator("[data-testid=decision-submit]").click()

    expect(page.locator(".messagelist")).to_contain_text("已出具仲裁调解书")
    expect(page.locator("[data-testid=case-status]")).to_have_text("协议已确认")
    document = IssuedDocument.objects.get(case=case)
    expect(page.locator("[data-testid=desk-documents]")).to_contain_text(document.number)
    screenshot(page, "arbitration-4-approved")

    link = page.locator("[data-testid=issued-document]")
    expect(link).to_be_visible()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages).replace("\n", "")
    for expected in (
        "仲裁调解书",
        document.number,
        document.verification_code,
        case.tracking_code,
        "6,000.00",
    ):
        assert expected in text
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CONFIRMED
