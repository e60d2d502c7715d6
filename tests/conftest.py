"""Suite-wide fixtures. ``REQUIRE_SERVICES=1`` (CI) turns a missing PostgreSQL or Redis into a failure instead of
a skip."""

import importlib
import os
import socket

import pytest
from django.conf import settings

from organizations.states import Role

from .factories import OrganizationFactory, RegionFactory, make_staff


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rate limits and tracking lock-outs (keyed by client address) must not
    carry over from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _staff_sign_in_passes_two_factor(monkeypatch):
    """``client.force_login(staff)`` and ``client.login(...)`` sign a member of staff in *with* two-factor
    verification: the session names a real confirmed TOTP device created for the user, exactly what the verify
    page leaves behind. Without it, the ~150 tests that sign staff in to test something else would each have to
    pass the second factor by hand. ``client.login`` also gets a request (django-axes refuses to authenticate
    without one). The tests of the second factor itself (tests/config/test_auth_*.py) sign in through the real
    /admin/login/ form, which this does not touch, and they prove that an unverified session is refused."""
    from django.contrib.auth import authenticate
    from django.http import HttpRequest
    from django.test.client import Client

    original_login = Client._login

    def _login(self, user, backend=None):
        original_login(self, user, backend)
        from config.security.twofactor import otp_required_for

        if otp_required_for(user):
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_totp.models import TOTPDevice

            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    def login(self, **credentials):
        credentials.setdefault("request", HttpRequest())
        user = authenticate(**credentials)
        if user:
            self._login(user)
            return True
        return False

    monkeypatch.setattr(Client, "_login", _login)
    monkeypatch.setattr(Client, "login", login)


@pytest.fixture(autouse=True)
def notification_rules(request):
    """The notification rules and message templates ``referrals`` seeds in a migration, put back for transactional
    tests: the flush after each one removes migration data (see ``deadline_rules`` in tests/browser/conftest.py),
    and without the rules a case event would tell nobody."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    from django.apps import apps

    request.getfixturevalue("transactional_db")
    importlib.import_module("referrals.migrations.0005_seed_notification_rules").seed(apps, None)


@pytest.fixture
def postgres(db):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("this test needs PostgreSQL; set DATABASE_URL")
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def directory(db):
    """A small directory: a city with two districts, a station with a branch, a second station, an arbitration
    commission, a court, and one staff member per role where it matters."""
    city = RegionFactory(code="city", name="示范市")
    north = RegionFactory(code="north", name="北区", parent=city)
    south = RegionFactory(code="south", name="南区", parent=city)
    station = OrganizationFactory(code="station-a", name="北区快递行业调解站", region=north)
    branch = OrganizationFactory(
        code="station-a-1", name="北区快递调解站东街网点", region=north, parent=station, type="branch_outlet"
    )
    other = OrganizationFactory(
        code="station-b", name="南区外卖配送调解站", region=south, industry="food_delivery"
    )
    commission = OrganizationFactory(
        code="arb", name="示范市劳动人事争议仲裁委员会", region=city, commission=True
    )
    court = OrganizationFactory(code="court", name="北区人民法院", region=north, court=True)
    bureau = OrganizationFactory(code="hrb", name="示范市人力资源和社会保障局", region=city, bureau=True)
    staff = {
        "station_admin": make_staff(org=station, role=Role.STATION_ADMIN, username="admin_a"),
        "mediator": make_staff(org=station, role=Role.MEDIATOR, username="mediator_a"),
        "branch_mediator": make_staff(org=branch, role=Role.MEDIATOR, username="mediator_a1"),
        "intake_clerk": make_staff(org=station, role=Role.INTAKE_CLERK, username="clerk_a"),
        "other_mediator": make_staff(org=other, role=Role.MEDIATOR, username="mediator_b"),
        "other_admin": make_staff(org=other, role=Role.STATION_ADMIN, username="admin_b"),
        "arbitrator": make_staff(org=commission, role=Role.ARBITRATOR, username="arbitrator"),
        "court_clerk": make_staff(org=court, role=Role.COURT_CLERK, username="court_clerk"),
        "official": make_staff(org=bureau, role=Role.OFFICIAL, username="official"),
    }
    return type(
        "Directory",
        (),
        {
            "city": city,
            "north": north,
            "south": south,
            "station": station,
            "branch": branch,
            "other": other,
            "commission": commission,
            "court": court,
            "bureau": bureau,
            "staff": staff,
        },
    )
