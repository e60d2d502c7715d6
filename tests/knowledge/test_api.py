"""The public knowledge API: articles, search, the assistant (also at the contract's /api/v1/consult/), votes,
classes, errors and the rate limit."""

import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from knowledge.models import Article, ConsultationLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_article_list_filters_by_kind(api):
    response = api.get("/api/v1/knowledge/articles/", {"kind": "policy"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and {r["kind"] for r in rows} == {"policy"}
    assert rows[0]["url"].startswith("http://testserver/knowledge/a/")
    assert api.get("/api/v1/knowledge/articles/", {"kind": "poem"}).status_code == 400


def test_article_detail_and_404(api):
    data = api.get("/api/v1/knowledge/articles/ldmal-27/").json()
    assert data["title"].startswith("《劳动争议调解仲裁法》第二十七条")
    assert data["body"].startswith("劳动争议申请仲裁的时效期间为一年。")
    assert data["issuer"] == "全国人民代表大会常务委员会" and data["effective_on"] == "2008-05-01"
    assert data["source_check"] == "verified" and data["verified_against"]
    assert api.get("/api/v1/knowledge/articles/no-such-article/").status_code == 404
    Article.objects.filter(slug="ldmal-27").update(is_published=False)
    assert api.get("/api/v1/knowledge/articles/ldmal-27/").status_code == 404


def test_search(api):
    response = api.get("/api/v1/knowledge/search/", {"q": "工资没发", "limit": 3})
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 3 and "guide-unpaid-wages" in [r["slug"] for r in rows]
    assert rows[0]["score"] >= rows[-1]["score"]
    assert api.get("/api/v1/knowledge/search/", {"q": ""}).status_code == 400
    assert api.get("/api/v1/knowledge/search/", {"q": "工" * 101}).status_code == 400
    assert api.get("/api/v1/knowledge/search/", {"q": "工资", "limit": "x"}).status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/consult/", "/api/v1/knowledge/consult/"])
def test_consult_answers_with_citations_category_and_deadlines(api, path):
    response = api.post(path, {"question": "我2026年3月5日被辞退了，老板一分钱补偿都不给"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {
        "answer",
        "citations",
        "category",
        "deadlines",
        "disclaimer",
        "start_claim_url",
        "id",
    }
    assert data["category"] in {"dismissal", "compensation"}
    assert data["citations"] and {"title", "url", "excerpt"} <= set(data["citations"][0])
    assert data["citations"][0]["url"].startswith("http://testserver/knowledge/a/")
    assert [d["code"] for d in data["deadlines"]] == ["limitation.general"]
    assert data["deadlines"][0]["starts_on"] == "2026-03-05"
    assert data["start_claim_url"] == f"http://testserver/intake/?category={data['category']}"
    assert "不构成法律意见" in data["disclaimer"]
    assert data["provider"] == "retrieval"
    log = ConsultationLog.objects.get(public_id=data["id"])
    assert log.channel == "api" and log.deadline_codes == ["limitation.general"]


@pytest.mark.parametrize(
    "body",
    [{}, {"question": ""}, {"question": "长" * 501}, {"question": "工资", "event_date": "昨天"}, ["工资"]],
)
def test_consult_bad_input_is_400(api, body):
    response = api.post("/api/v1/consult/", body, format="json")
    assert response.status_code == 400
    assert ConsultationLog.objects.count() == 0


def test_consult_wants_json(api):
    assert api.post("/api/v1/consult/", {"question": "工资"}).status_code == 415


def test_vote_once(api):
    consultation = api.post("/api/v1/consult/", {"question": "工资没发"}, format="json").json()["id"]
    url = f"/api/v1/knowledge/consult/{consultation}/vote/"
    assert api.post(url, {"helpful": False}, format="json").status_code == 204
    assert ConsultationLog.objects.get(public_id=consultation).helpful is False
    assert api.post(url, {"helpful": True}, format="json").status_code == 409
    assert (
        api.post(
            f"/api/v1/knowledge/consult/{uuid.uuid4()}/vote/", {"helpful": True}, format="json"
        ).status_code
        == 404
    )
    assert api.post(url, {}, format="json").status_code == 400


def test_classes(api):
    rows = api.get("/api/v1/knowledge/classes/").json()
    assert rows and {"topic", "title", "view_count", "url"} <= set(rows[0])


def test_consult_is_rate_limited(api, monkeypatch):
    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "consult": "2/hour"}
    )
    for _ in range(2):
        assert api.post("/api/v1/consult/", {"question": "工资没发"}, format="json").status_code == 200
    response = api.post("/api/v1/consult/", {"question": "工资没发"}, format="json")
    assert response.status_code == 429
    assert ConsultationLog.objects.count() == 2


def test_every_knowledge_endpoint_is_in_the_schema(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in (
        "/api/v1/consult/",
        "/api/v1/knowledge/consult/",
        "/api/v1/knowledge/articles/",
        "/api/v1/knowledge/articles/{slug}/",
        "/api/v1/knowledge/search/",
        "/api/v1/knowledge/consult/{consultation_id}/vote/",
        "/api/v1/knowledge/classes/",
    ):
        assert path in paths, path
    assert {"200", "400", "429"} <= set(paths["/api/v1/consult/"]["post"]["responses"])


@pytest.mark.parametrize(
    "body",
    [
        {"question": "工资\u0000没发"},
        {"question": "工资没发", "event_date": "9999-12-31"},
        {"question": "工资没发", "left_on": "0001-01-01"},
    ],
)
def test_hostile_input_is_a_400_never_a_500(api, body):
    response = api.post("/api/v1/consult/", body, format="json")
    assert response.status_code == 400
    assert ConsultationLog.objects.count() == 0


def test_a_lone_surrogate_is_a_400(api):
    body = r'{"question": "\u5de5\u8d44\ud800\u6ca1\u53d1"}'
    response = api.post("/api/v1/consult/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert ConsultationLog.objects.count() == 0
