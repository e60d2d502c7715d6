import pytest


@pytest.mark.django_db
def test_an_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_500_page_stands_alone():
    from django.template.loader import get_template

    html = get_template("500.html").render({})
    assert "系统暂时出了问题" in html and "12351" in html
