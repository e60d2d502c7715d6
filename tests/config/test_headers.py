"""Security headers on every kind of response: pages, errors, 404s, the API, downloads; ``Cache-Control:
no-store`` where people's data or a staff session is shown; and in production, HSTS and ``__Host-`` cookies."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from ..factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_CSP = (
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "script-src 'self'",
    "style-src 'self'",
)


def assert_hardened(response):
    csp = response["Content-Security-Policy"]
    for directive in REQUIRED_CSP:
        assert directive in csp, (directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def station():
    return OrganizationFactory(code="station-h", name="头部测试调解站")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/intake/", 200),
        ("/track/", 200),
        ("/verify/", 200),
        ("/admin/login/", 200),
        ("/no-such-page/", 404),
        ("/api/v1/organizations/", 200),
        ("/api/v1/cases/", 401),
        ("/api/v1/no-such-endpoint/", 404),
        ("/healthz", 200),
    ],
)
def test_every_response_carries_the_security_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_hardened(response)


def test_a_refused_request_and_a_bad_payload_carry_them_too(client, station):
    staff = UserFactory(username="plain_staff")
    client.force_login(staff)
    forbidden = client.get("/stats/")
    assert forbidden.status_code == 403
    assert_hardened(forbidden)
    bad = APIClient().post("/api/v1/track/", {"tracking_code": ""}, format="json")
    assert bad.status_code == 400
    assert_hardened(bad)


def test_downloads_carry_them(client, station):
    response = client.get(f"/o/{station.code}/poster.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert_hardened(response)


def test_the_api_docs_page_allows_only_inline_styles_beyond_the_site_policy(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in csp
    assert "script-src 'self';" in csp + ";" and "object-src 'none'" in csp
    assert "<script>" not in response.content.decode()  # Swagger UI's start-up script is a file


@pytest.mark.parametrize(
    "path",
    [
        "/intake/",
        "/track/",
        "/admin/login/",
        "/api/v1/organizations/",
        "/api/v1/cases/",
        "/staff/2fa/verify/",
    ],
)
def test_pages_with_peoples_data_or_staff_sessions_are_never_stored(client, path):
    response = client.get(path)
    assert "no-store" in response["Cache-Control"]


def test_the_receipt_and_the_admin_are_never_stored(client):
    staff = UserFactory(username="cache_staff", is_superuser=True)
    client.force_login(staff)
    assert "no-store" in client.get("/admin/").headers["Cache-Control"]
    assert "no-store" in client.get("/intake/done/").headers.get("Cache-Control", "")


def test_the_home_page_may_be_cached(client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


PRODUCTION_SCRIPT = """
import django
django.setup()
from django.test import Client
from django.conf import settings
client = Client(HTTP_HOST="onestop.example.org")
response = client.get("/admin/login/", secure=True)
cookie = response.cookies[settings.CSRF_COOKIE_NAME]
print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_SECURE)
print(cookie.key, bool(cookie["secure"]), cookie["path"], repr(cookie["domain"]))
print(response.headers["Strict-Transport-Security"])
print(client.get("/", secure=False).status_code, client.get("/", secure=False).headers.get("Location"))
"""


def test_production_uses_host_prefixed_secure_cookies_hsts_and_https():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 60,
        FIELD_ENCRYPTION_KEYS="cHJvZC1maWVsZC1rZXktZm9yLWRlcGxveS1jaGVjay0x",
        PII_HASH_KEY="p" * 40,
        ALLOWED_HOSTS="onestop.example.org",
        DATABASE_URL="sqlite:////tmp/onestop-headers-check.sqlite3",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    names, cookie, hsts, redirect = [line for line in result.stdout.splitlines() if line.strip()][-4:]
    assert names == "__Host-sessionid __Host-csrftoken True"
    assert cookie == "__Host-csrftoken True / ''"
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert redirect == "301 https://onestop.example.org/"
