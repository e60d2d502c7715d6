"""Officials' admin pages for the articles, classes and the consultation log."""

import pytest
from django.contrib.auth import get_user_model

from knowledge.models import Article
from knowledge.services import consultation_ask

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-123456-long")
    client.force_login(user)
    return client


def test_the_lists_open(superuser_client):
    consultation_ask(question="我叫张三，电话13812345678，工资没发")
    for url in (
        "/admin/knowledge/article/",
        "/admin/knowledge/lesson/",
        "/admin/knowledge/source/",
        "/admin/knowledge/consultationlog/",
        "/admin/knowledge/consultationlog/?helpful__isnull=True",
    ):
        assert superuser_client.get(url).status_code == 200, url
    html = superuser_client.get("/admin/knowledge/consultationlog/").content.decode()
    assert "[姓名]" in html and "13812345678" not in html


def test_an_article_keeps_its_slug_and_cannot_be_deleted(superuser_client):
    article = Article.objects.get(slug="ldmal-27")
    html = superuser_client.get(f"/admin/knowledge/article/{article.pk}/change/").content.decode()
    assert 'name="slug"' not in html
    assert superuser_client.get(f"/admin/knowledge/article/{article.pk}/delete/").status_code == 403


def test_an_official_edits_an_article_and_a_mediator_cannot_open_one(client, directory):
    article = Article.objects.get(slug="ldmal-27")
    client.force_login(directory.staff["official"])
    assert client.get("/admin/knowledge/consultationlog/").status_code == 200
    page = client.get(f"/admin/knowledge/article/{article.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {key: ("" if value is None else value) for key, value in data.items()}
    data["keywords"] = f"{article.keywords} 调解时限"
    answer = client.post(f"/admin/knowledge/article/{article.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    article.refresh_from_db()
    assert "调解时限" in article.keywords

    client.force_login(directory.staff["mediator"])
    assert client.get(f"/admin/knowledge/article/{article.pk}/change/").status_code == 403
    assert client.get("/admin/knowledge/consultationlog/").status_code == 403
