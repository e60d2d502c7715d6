"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread for the rest of the session, which makes Django
refuse database calls there unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` says the code is not really async (the live
server runs in its own thread). So that neither the loop nor the variable reaches any other test (a subprocess
running ``check --deploy`` inherits the environment and rightly fails on it), browser tests run last and the
variable is set only once they start.
"""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps as django_apps

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "browser"
PHONE = {"width": 360, "height": 740}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests after every other test (a stable sort keeps pytest-django's order within each group)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session", autouse=True)
def _allow_sync_database_calls_under_playwright():
    had_flag = "DJANGO_ALLOW_ASYNC_UNSAFE" in os.environ
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield
    if not had_flag:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def deadline_rules(transactional_db):
    """The legal deadline rules the migrations seed. A transactional test's flush removes migration data, and
    serialized rollback cannot bring it back here: under Playwright's loop Django hands the test thread a
    different connection object, one without the snapshot ``setup_databases`` took (and restoring it after a
    plain transactional test collides with the content types that test's flush re-created)."""
    from disputes.models import DeadlineRule

    migration = importlib.import_module("disputes.migrations.0002_history_append_only_and_deadline_rules")
    for rule in migration.RULES:
        DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)
    importlib.import_module("disputes.migrations.0019_deadline_extensions").seed(django_apps, None)
    return DeadlineRule.objects.all()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` saves a full-page PNG under test-results/browser/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def phone_page(browser, browser_context_args):
    context = browser.new_context(
        **{
            **browser_context_args,
            "viewport": PHONE,
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 2,
        }
    )
    yield context.new_page()
    context.close()


def staff_login(page, live_server, user, password: str = "pass-1234", next_url: str = "/admin/") -> None:
    """Sign a member of staff in the way a person does: the password on /admin/login/, then a code from their
    authenticator on the two-factor page, computed from a real confirmed TOTP device (created for the user when
    they have none). ``user`` is a user or a username. Ends on ``next_url``."""
    import time

    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    from config.security.twofactor import totp_code

    if isinstance(user, str):
        user = get_user_model().objects.get(username=user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#id_otp_token")).to_be_visible()
    device.refresh_from_db()
    # A code is accepted once: signing the same person in twice within 30 s takes the next step's code
    # (django-otp accepts one step of drift).
    step = int(time.time() - device.t0) // device.step
    offset = 1 if device.last_t >= step else 0
    page.fill("#id_otp_token", totp_code(device, step_offset=offset))
    page.click("#otp-submit")
    expect(page.locator("#id_otp_token")).to_have_count(0)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when it does not scroll sideways)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
