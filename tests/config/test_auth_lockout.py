"""Sign-in lock-out (django-axes) through the real forms: failures count per username *and* client address, the
lock-out answers 429 in Chinese, the same member of staff still signs in from another address, and a forged
``X-Forwarded-For`` cannot move an attacker to a fresh address."""

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from config.security.twofactor import totp_code

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234"
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.10"


@pytest.fixture
def staff(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return UserFactory(username="admin_lockout")


def attempt(client, password, *, addr=ATTACKER, username="admin_lockout", **extra):
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=addr, **extra
    )


def test_the_settings_lock_by_username_and_address_together(settings):
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0].startswith("axes.backends.")
    assert settings.AXES_CLIENT_IP_CALLABLE == "config.client.client_ip"


def test_repeated_failures_lock_that_username_from_that_address_with_429(client, staff):
    for _ in range(2):
        assert attempt(client, "wrong").status_code == 200  # the form again, with its error
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Now even the right password is refused from there.
    again = attempt(client, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_attacker_cannot_lock_the_user_out_from_their_office(client, staff):
    for _ in range(4):
        attempt(client, "wrong")
    office = type(client)()
    assert attempt(office, PASSWORD, addr=OFFICE).status_code == 302
    # …nor other users from the attacker's own address.
    UserFactory(username="someone_else")
    assert attempt(type(client)(), PASSWORD, username="someone_else").status_code == 302


def test_success_resets_the_count(client, staff):
    attempt(client, "wrong")
    attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302
    other = type(client)()
    attempt(other, "wrong")
    assert attempt(other, PASSWORD).status_code == 302


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_a_forged_forwarded_for_does_not_reset_the_lock_out(client, staff):
    proxy = "10.0.0.2"
    for n in range(3):
        attempt(client, "wrong", addr=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
    forged = attempt(client, PASSWORD, addr=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}")
    assert forged.status_code == 429
    # The address the proxy saw decides: the real office behind the same proxy is not locked.
    office = attempt(type(client)(), PASSWORD, addr=proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert office.status_code == 302


def test_the_api_token_endpoint_is_locked_out_too_with_json(staff):
    api = APIClient()
    for _ in range(3):
        api.post(
            "/api/v1/auth/token/", {"username": "admin_lockout", "password": "wrong"}, REMOTE_ADDR=ATTACKER
        )
    response = api.post(
        "/api/v1/auth/token/", {"username": "admin_lockout", "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "token" not in response.json()
    assert "Retry-After" in response
    device = TOTPDevice.objects.create(user=staff, name="手机", confirmed=True)
    ok = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "admin_lockout", "password": PASSWORD, "otp": totp_code(device)},
        REMOTE_ADDR=OFFICE,
    )
    assert ok.status_code == 200
