"""The public /knowledge/ pages, the "start a claim" prefill reaching the claim form, votes, classes and the
page's rate limit."""

import pytest
from django.test import override_settings

from knowledge.models import Article, ConsultationLog, Lesson

pytestmark = pytest.mark.django_db


def test_home_lists_guides_laws_and_policies(client):
    response = client.get("/knowledge/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "法律知识与咨询" in html and "办事指南" in html and "法律法规条文" in html
    assert 'href="/knowledge/a/ldmal-27/"' in html


def test_search_on_the_page(client):
    html = client.get("/knowledge/", {"q": "欠薪"}).content.decode()
    assert 'data-slug="guide-unpaid-wages"' in html
    assert "没有找到相关内容" in client.get("/knowledge/", {"q": "qwertyuiop"}).content.decode()


def test_asking_shows_citations_category_deadline_disclaimer_and_the_two_buttons(client):
    response = client.post("/knowledge/ask/", {"question": "我2026年3月5日被辞退了，老板不给补偿"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="citation"' in html and "/knowledge/a/" in html
    assert 'data-code="limitation.general"' in html
    assert "不构成法律意见" in html
    answer = response.context["answer"]
    assert f'href="/intake/?category={answer.category}"' in html
    assert f'href="/intake/?category={answer.category}&amp;service=legal_aid"' in html
    assert ConsultationLog.objects.get().channel == "page"


def test_the_page_says_each_part_of_the_answer_once(client):
    """The answer's text (what the API returns) runs the citations and deadlines on; the page lists them instead,
    so nothing is said twice."""
    response = client.post("/knowledge/ask/", {"question": "我2026年3月5日被辞退了，老板不给补偿"})
    html = response.content.decode()
    answer = response.context["answer"]
    assert answer.citations and answer.deadlines
    assert html.count(answer.citations[0].excerpt) == 1
    assert (
        html.count(answer.category_label + "”方面") == 0
    )  # the category is its own line, not a sentence too
    (hint, sentence) = answer.deadline_items[0]
    assert html.count(sentence) == 1 and sentence in answer.answer
    assert html.count("下一步：") == 1


def test_the_start_a_claim_link_preselects_the_category_on_the_claim_form(client):
    html = client.get("/intake/?category=wages").content.decode()
    assert 'value="wages" id="cat-wages" checked' in html
    assert 'id="cat-dismissal" checked' not in html


def test_the_claim_form_ignores_an_unknown_category_and_honours_a_service(client):
    html = client.get("/intake/?category=<script>&service=legal_aid").content.decode()
    assert " checked" not in html.split('id="f-categories"')[1].split("</fieldset>")[0]
    assert 'value="legal_aid" id="svc-legal_aid" checked' in html


def test_a_bad_question_is_a_400_with_the_message(client):
    response = client.post("/knowledge/ask/", {"question": ""})
    assert response.status_code == 400
    assert "请用一两句话写下您遇到的问题" in response.content.decode()
    response = client.post("/knowledge/ask/", {"question": "工资", "event_date": "2999-01-01"})
    assert response.status_code == 400 and "日期不能晚于今天" in response.content.decode()
    assert ConsultationLog.objects.count() == 0


def test_asking_needs_post(client):
    assert client.get("/knowledge/ask/").status_code == 405


@override_settings(CONSULT_PAGE_RATE="2/h")
def test_the_page_is_rate_limited(client):
    for _ in range(2):
        assert client.post("/knowledge/ask/", {"question": "工资没发"}).status_code == 200
    response = client.post("/knowledge/ask/", {"question": "工资没发"})
    assert response.status_code == 429 and "提问太频繁" in response.content.decode()


def test_voting_on_the_page(client):
    client.post("/knowledge/ask/", {"question": "工资没发"})
    log = ConsultationLog.objects.get()
    response = client.post("/knowledge/vote/", {"log": str(log.public_id), "helpful": "yes"})
    assert response.status_code == 200
    log.refresh_from_db()
    assert log.helpful is True
    assert client.post("/knowledge/vote/", {"log": str(log.public_id), "helpful": "no"}).status_code == 409
    assert client.post("/knowledge/vote/", {"log": "x", "helpful": "no"}).status_code == 400
    assert client.post("/knowledge/vote/", {"log": str(log.public_id), "helpful": "maybe"}).status_code == 400


def test_article_page_shows_the_quotation_and_its_source(client):
    html = client.get("/knowledge/a/ldmal-27/").content.decode()
    assert "劳动争议申请仲裁的时效期间为一年。" in html
    assert "全国人民代表大会常务委员会" in html and "2008年5月1日" in html
    assert "白话解读" in html
    policy = client.get("/knowledge/a/policy-new-employment-2021/").content.decode()
    assert "不是原文引用" in policy
    assert client.get("/knowledge/a/nope/").status_code == 404
    Article.objects.filter(slug="ldmal-27").update(is_published=False)
    assert client.get("/knowledge/a/ldmal-27/").status_code == 404


def test_classes_count_views_and_list_the_most_read(client):
    lesson = Lesson.objects.get(slug="lesson-work-injury-steps")
    for _ in range(3):
        assert client.get(f"/knowledge/classes/{lesson.slug}/").status_code == 200
    client.get("/knowledge/classes/lesson-keep-evidence/")
    assert Lesson.objects.get(pk=lesson.pk).view_count == 3
    html = client.get("/knowledge/classes/").content.decode()
    most_read = html.split('id="most-read"')[1].split("</section>")[0]
    assert most_read.index(lesson.title) < most_read.index("手机里的证据")
    assert client.head(f"/knowledge/classes/{lesson.slug}/").status_code == 200
    assert Lesson.objects.get(pk=lesson.pk).view_count == 3  # a HEAD is not a reader
    assert client.get("/knowledge/classes/nope/").status_code == 404


def test_the_navigation_links_to_knowledge(client):
    assert 'href="/knowledge/"' in client.get("/").content.decode()
