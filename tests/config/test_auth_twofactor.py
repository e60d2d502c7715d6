"""Two-factor authentication for staff, through the real sign-in form (the suite's ``force_login`` shortcut in
tests/conftest.py is not used here): an unverified member of staff reaches no admin page, no staff page and no
session-authenticated API; public pages stay open; a code is accepted once; recovery codes work once; enrolment
shows a QR code and the key, and a password alone cannot enrol a second authenticator."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from config.security.twofactor import totp_code

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-1234"
VERIFY = "/staff/2fa/verify/"
ENROL = "/staff/2fa/setup/"


@pytest.fixture
def staff():
    return UserFactory(username="clerk_2fa")


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)


def sign_in_with_password(client, username="clerk_2fa", password=PASSWORD):
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def next_code(device) -> str:
    """The device's code for a time step it has not accepted yet (a code works once)."""
    device.refresh_from_db()
    step = int(time.time() - device.t0) // device.step
    return totp_code(device, step_offset=1 if device.last_t >= step else 0)


@pytest.mark.parametrize("path", ["/admin/", "/admin/disputes/case/", "/stats/"])
def test_a_password_alone_does_not_open_staff_pages(client, staff, device, path):
    sign_in_with_password(client)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{VERIFY}?next=")


def test_without_an_authenticator_staff_are_sent_to_enrol(client, staff):
    sign_in_with_password(client)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=%2Fadmin%2F"


def test_the_staff_api_refuses_an_unverified_session_with_403_in_chinese(client, staff, device):
    sign_in_with_password(client)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "otp_required"
    assert "两步验证" in body["detail"]


def test_an_api_token_still_works_for_other_agencies_systems(client, staff, device):
    """Token authentication is not a staff sign-in: an agency's system keeps working, even beside a half-signed-in
    browser session."""
    token = Token.objects.create(user=staff)
    sign_in_with_password(client)
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_a_forged_authorization_scheme_does_not_bypass_the_check(client, staff, device):
    sign_in_with_password(client)
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Basic Y2xlcms6cGFzcw==")
    assert response.status_code == 403
    assert response.json()["code"] == "otp_required"


@pytest.mark.parametrize("path", ["/", "/intake/", "/track/", "/verify/"])
def test_public_pages_are_untouched(client, staff, device, path):
    sign_in_with_password(client)
    assert client.get(path).status_code == 200


def test_the_right_code_verifies_the_session_with_a_new_key_and_goes_on(client, staff, device):
    sign_in_with_password(client)
    before = client.cookies["sessionid"].value
    page = client.get(f"{VERIFY}?next=/admin/disputes/case/")
    assert page.status_code == 200
    assert "两步验证" in page.content.decode()
    response = client.post(VERIFY, {"otp_token": next_code(device), "next": "/admin/disputes/case/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/disputes/case/"
    assert client.cookies["sessionid"].value != before  # rotated on verification
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200


def test_a_wrong_code_is_refused_with_400_and_a_chinese_message(client, staff, device):
    sign_in_with_password(client)
    response = client.post(VERIFY, {"otp_token": "000000" if next_code(device) != "000000" else "111111"})
    assert response.status_code == 400
    assert "验证码不正确" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_repeated_wrong_codes_are_throttled(client, staff, device):
    sign_in_with_password(client)
    wrong = "000000" if next_code(device) != "000000" else "111111"
    client.post(VERIFY, {"otp_token": wrong})
    response = client.post(VERIFY, {"otp_token": next_code(device)})  # even the right code waits its turn
    assert response.status_code == 429
    assert "错误次数过多" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_code_is_accepted_once(client, staff, device):
    sign_in_with_password(client)
    code = next_code(device)
    assert client.post(VERIFY, {"otp_token": code}).status_code == 302
    other = type(client)()
    sign_in_with_password(other)
    replay = other.post(VERIFY, {"otp_token": code})
    assert replay.status_code == 400
    assert other.get("/admin/").status_code == 302


def test_next_never_leaves_the_site(client, staff, device):
    sign_in_with_password(client)
    response = client.post(VERIFY, {"otp_token": next_code(device), "next": "https://evil.example/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_signing_out_works_half_way(client, staff, device):
    sign_in_with_password(client)
    response = client.post("/admin/logout/")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_enrolment_shows_the_qr_code_and_key_then_recovery_codes_once(client, staff):
    sign_in_with_password(client)
    page = client.get(f"{ENROL}?next=/stats/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    secret = re.search(r'id="otp-secret">([A-Z2-7]+)<', html).group(1)
    pending = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert secret and secret in pending.config_url
    assert client.get(ENROL).content.decode().count(secret) == 1  # reloading keeps the same key

    refused = client.post(ENROL, {"otp_token": "12345"})
    assert refused.status_code == 400
    assert client.get("/admin/").status_code == 302

    throttled = client.post(ENROL, {"otp_token": next_code(pending)})
    assert throttled.status_code == 429  # a wrong code makes the next one wait (a second, then doubling)
    time.sleep(1.1)
    done = client.post(ENROL, {"otp_token": next_code(pending), "next": "/stats/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_verifies_once(client, staff, device):
    from config.security.twofactor import recovery_codes_replace

    codes = recovery_codes_replace(user=staff)
    sign_in_with_password(client)
    assert client.post(VERIFY, {"otp_token": codes[0].upper()}).status_code == 302
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    other = type(client)()
    sign_in_with_password(other)
    assert other.post(VERIFY, {"otp_token": codes[0]}).status_code == 400


def test_a_password_alone_cannot_enrol_a_second_authenticator(client, staff, device):
    sign_in_with_password(client)
    response = client.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"otp_token": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_non_staff_users_are_not_asked(client):
    user = get_user_model().objects.create_user("worker_account", password=PASSWORD)
    client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    response = client.get(VERIFY)
    assert response.status_code in (302, 200)
    assert not response.get("Location", "").startswith(ENROL)


def test_the_suite_shortcut_gives_a_verified_session(client, staff):
    """tests/conftest.py: ``force_login`` of staff passes two-factor verification with a real device."""
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).exists()


def test_demo_accounts_get_the_published_key_and_demo_totp_prints_codes(staff):
    from io import StringIO

    from django.core.management import call_command

    from config.security.twofactor import DEMO_TOTP_KEY, totp_device_ensure_demo

    device = totp_device_ensure_demo(user=staff)
    assert device.key == DEMO_TOTP_KEY and device.confirmed
    out = StringIO()
    call_command("demo_totp", staff.username, stdout=out)
    assert totp_code(device) in out.getvalue() or totp_code(device, step_offset=-1) in out.getvalue()
    assert "otpauth://totp/" in out.getvalue()
    device.key = "00" * 20
    device.save()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo_totp", staff.username, stdout=StringIO())
