"""A worker on a phone asks the assistant a question in their own words, sees the cited articles and the deadline,
presses "start a claim", and lands on the claim form with the category chosen. Headless Chromium at 360×740."""

import pytest
from playwright.sync_api import expect

from .conftest import horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def knowledge_content(transactional_db, deadline_rules):
    """The articles the migration loads, put back after the transactional flush (with the deadline rules)."""
    from django.apps import apps

    from knowledge.content import load_content

    load_content(
        Source=apps.get_model("knowledge", "Source"),
        Article=apps.get_model("knowledge", "Article"),
        Lesson=apps.get_model("knowledge", "Lesson"),
    )


def test_a_worker_asks_sees_citations_and_starts_a_claim(
    live_server, phone_page, screenshot, knowledge_content
):
    page = phone_page
    page.goto(f"{live_server.url}/knowledge/")
    expect(page.locator("h1")).to_have_text("法律知识与咨询")
    assert horizontal_overflow(page) <= 0
    page.fill("#id_question", "我在快递站干了一年，老板三个月工资没发，2026年3月5日离职了，咋办")
    page.click("#ask-form button[type=submit]")

    answer = page.locator("#answer")
    expect(answer).to_be_visible()
    expect(answer.locator(".citation").first).to_be_visible()
    expect(answer.locator(".citation a").first).to_have_attribute("href", "/knowledge/a/guide-unpaid-wages/")
    expect(answer.locator(".deadline").first).to_contain_text("2027年3月5日")
    expect(answer.locator(".disclaimer")).to_contain_text("不构成法律意见")
    expect(answer.locator("[data-category]")).to_have_text("劳动报酬")
    assert horizontal_overflow(page) <= 0
    screenshot(page, "knowledge-1-answer")

    page.click("#start-claim")
    expect(page).to_have_url(f"{live_server.url}/intake/?category=wages")
    expect(page.locator("#cat-wages")).to_be_checked()
    expect(page.locator("#cat-dismissal")).not_to_be_checked()
    screenshot(page, "knowledge-2-claim-form")


def test_a_cited_article_opens_with_its_source(live_server, phone_page, knowledge_content):
    page = phone_page
    page.goto(f"{live_server.url}/knowledge/a/ldmal-27/")
    expect(page.locator(".statute")).to_contain_text("劳动争议申请仲裁的时效期间为一年。")
    expect(page.locator(".source")).to_contain_text("全国人民代表大会常务委员会")
    assert horizontal_overflow(page) <= 0
