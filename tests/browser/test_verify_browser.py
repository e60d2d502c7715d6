"""``/verify/`` in a real browser on a phone: a genuine code, then a forged one."""

import pytest
from playwright.sync_api import expect

from disputes.models.documents import DocumentKind

from ..disputes.test_documents import _issue
from ..factories import CaseFactory
from .conftest import horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_checking_a_document_on_a_phone(live_server, phone_page, directory, screenshot):
    document = _issue(
        CaseFactory(station=directory.station), directory.commission, DocumentKind.ARBITRATION_MEDIATION
    )
    page = phone_page
    page.goto(f"{live_server.url}/verify/")
    page.get_by_label("文书验证码").fill(document.verification_code.lower())
    page.get_by_test_id("verify-submit").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("该文书由本平台出具")
    expect(result).to_contain_text(document.number)
    expect(result).to_contain_text(directory.commission.name)
    assert horizontal_overflow(page) <= 0
    screenshot(page, "verify-genuine-phone")

    page.get_by_label("文书验证码").fill("ABCD-EFGH-JKMN")
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("没有找到这个验证码")
