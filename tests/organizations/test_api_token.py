"""POST /api/v1/auth/token/: a staff member's username and password for a token that then opens the staff
API."""

import re

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ..factories import UserFactory

URL = "/api/v1/auth/token/"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The anonymous throttle counts in the cache; other tests' requests must not spend our budget.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    return APIClient()


def test_right_password_gives_a_token_that_opens_the_case_list(client, directory):
    response = client.post(URL, {"username": "mediator_a", "password": "pass-1234"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == directory.staff["mediator"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200


def test_asking_twice_gives_the_same_token(client, directory):
    first = client.post(URL, {"username": "mediator_a", "password": "pass-1234"}, format="json").json()[
        "token"
    ]
    second = client.post(URL, {"username": "mediator_a", "password": "pass-1234"}, format="json").json()[
        "token"
    ]
    assert first == second


def test_form_encoded_body_works_too(client, directory):
    response = client.post(URL, {"username": "mediator_a", "password": "pass-1234"})
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize(
    "body",
    [
        {"username": "mediator_a", "password": "wrong"},
        {"username": "nobody", "password": "pass-1234"},
    ],
)
def test_wrong_credentials_are_a_400_in_chinese(client, directory, body):
    response = client.post(URL, body, format="json")

    assert response.status_code == 400
    data = response.json()
    assert CJK.search(data["detail"]), data
    assert data["code"] == "invalid"
    assert not Token.objects.exists()


def test_an_inactive_account_gets_no_token(client, directory):
    user = directory.staff["mediator"]
    user.is_active = False
    user.save()
    response = client.post(URL, {"username": "mediator_a", "password": "pass-1234"}, format="json")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_missing_fields_are_named_in_chinese(client, db):
    response = client.post(URL, {"username": "someone"}, format="json")

    assert response.status_code == 400
    data = response.json()
    assert "password" in data["errors"]
    assert CJK.search(data["errors"]["password"][0])


def test_malformed_json_is_a_400(client, db):
    response = client.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert CJK.search(response.json()["detail"])


def test_a_wrong_token_is_a_401_with_the_scheme_named(client, db):
    UserFactory(username="someone")
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert CJK.search(response.json()["detail"])


def test_get_is_not_allowed(client, db):
    response = client.get(URL)
    assert response.status_code == 405
    assert response.json()["detail"]
