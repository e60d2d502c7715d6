"""POST /api/v1/auth/token/: a staff member's username, password and two-factor code for a token that then
opens the staff API. Without the code there is no token: the token must not be a way around the second factor
the staff pages ask for."""

import re

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.security.twofactor import otp_token_check, totp_code

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


def authenticator(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机", confirmed=True)


def body(device, *, step: int = 0, **fields):
    return {
        "username": device.user.username,
        "password": "pass-1234",
        "otp": totp_code(device, step_offset=step),
        **fields,
    }


def test_password_and_code_give_a_token_that_opens_the_case_list(client, directory):
    device = authenticator(directory.staff["mediator"])
    response = client.post(URL, body(device), format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == directory.staff["mediator"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/cases/").status_code == 200


def test_asking_twice_gives_the_same_token(client, directory):
    device = authenticator(directory.staff["mediator"])
    first = client.post(URL, body(device), format="json").json()["token"]
    second = client.post(URL, body(device, step=1), format="json").json()["token"]
    assert first == second


def test_form_encoded_body_works_too(client, directory):
    response = client.post(URL, body(authenticator(directory.staff["mediator"])))
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_password_alone_gives_a_staff_member_no_token(client, directory):
    authenticator(directory.staff["mediator"])
    response = client.post(URL, {"username": "mediator_a", "password": "pass-1234"}, format="json")
    assert response.status_code == 403
    assert CJK.search(response.json()["detail"])
    assert not Token.objects.exists()


def test_a_wrong_or_reused_code_gives_no_token(client, directory):
    device = authenticator(directory.staff["mediator"])
    assert (
        client.post(
            URL, body(device, otp="000000" if totp_code(device) != "000000" else "111111"), format="json"
        ).status_code
        == 403
    )
    cache.clear()
    device.throttle_reset()
    used = body(device)
    assert client.post(URL, used, format="json").status_code == 200
    Token.objects.all().delete()
    assert client.post(URL, used, format="json").status_code == 403  # a code works once
    assert not Token.objects.exists()


def test_staff_without_an_authenticator_are_told_to_enrol_first(client, directory):
    response = client.post(
        URL, {"username": "mediator_a", "password": "pass-1234", "otp": "123456"}, format="json"
    )
    assert response.status_code == 403
    assert "绑定身份验证器" in response.json()["detail"]
    assert not Token.objects.exists()


def test_the_code_check_is_the_one_the_verify_page_uses(directory):
    device = authenticator(directory.staff["mediator"])
    assert otp_token_check(user=device.user, token=totp_code(device)) == "verified"


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
