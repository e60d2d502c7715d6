"""``seed_demo``: run twice, it leaves one directory, one set of staff and exactly 200 consistent cases.

Seeding 200 cases takes a while, so the module seeds once (twice in a row, as the contract asks) inside a
transaction rolled back at the end: the case history is append-only, so a rollback is the only clean-up.
"""

import json
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import HttpRequest
from django.test import override_settings
from django.utils import timezone

from disputes import demo
from disputes.models import Case, CaseEvent
from disputes.states import CaseStatus, Channel
from disputes.validators import validate_id_number
from organizations.models import Membership, Organization, Region
from organizations.states import OrgType, Role

# Marked so that pytest-django sets the test database up even when this module runs alone.
pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        "regions": Region.objects.count(),
        "organizations": Organization.objects.count(),
        "staff": get_user_model().objects.filter(is_staff=True).count(),
        "memberships": Membership.objects.count(),
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        first_out, second_out = StringIO(), StringIO()
        call_command("seed_demo", stdout=first_out)
        first = _counts()
        call_command("seed_demo", stdout=second_out)
        second = _counts()
        out = second_out.getvalue()
        yield SimpleNamespace(first=first, second=second, first_out=first_out.getvalue(), out=out)
        transaction.set_rollback(True)


def test_a_second_run_changes_no_counts_and_leaves_200_cases(seeded):
    assert seeded.first == seeded.second
    assert seeded.second["cases"] == demo.DEMO_CASE_COUNT == 200
    assert seeded.second["organizations"] == len(demo.ORGANIZATIONS)
    assert "本次新建 200 件" in seeded.first_out
    assert "本次新建 0 件" in seeded.out


def test_every_state_and_channel_is_present(seeded):
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values)


def test_every_history_is_consistent_and_in_the_past(seeded):
    now = timezone.now()
    events_by_case: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("case_id", "created_at", "id"):
        events_by_case.setdefault(event.case_id, []).append(event)
    cases = list(Case.objects.all())
    assert len(events_by_case) == len(cases)
    for case in cases:
        events = events_by_case[case.pk]
        assert (events[0].transition, events[0].from_state) == ("submit", ""), case.tracking_code
        assert events[0].created_at == case.created_at
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_state == before.to_state, (case.tracking_code, after.transition)
            assert after.created_at >= before.created_at, (case.tracking_code, after.transition)
        assert events[-1].to_state == case.status, case.tracking_code
        assert events[-1].created_at <= now, case.tracking_code
        assert (case.closed_at is not None) == (
            case.status in (CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN)
        )


def test_filings_spread_over_the_last_150_days(seeded):
    today = timezone.localdate()
    ages = [(today - timezone.localdate(at)).days for at in Case.objects.values_list("created_at", flat=True)]
    assert min(ages) >= 0
    assert max(ages) <= demo.WINDOW_DAYS + 10
    assert sum(age > 60 for age in ages) >= 50  # not all piled up in the last weeks


def test_every_role_has_staff_and_the_demo_logins_work(seeded):
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for username in (
        "mediator_express",
        "mediator_wuma",
        "admin_express",
        "clerk_gov",
        "arbitrator",
        "court_clerk",
        "legal_aid",
        "official_hrb",
        "official_union",
    ):
        # A request, as every sign-in has one: django-axes counts attempts per username and address.
        user = authenticate(HttpRequest(), username=username, password=demo.DEMO_PASSWORD)
        assert user is not None, username
    admin = authenticate(HttpRequest(), username=demo.SUPERUSER, password=demo.DEMO_PASSWORD)
    assert admin is not None and admin.is_superuser
    # Two-factor authentication stays on in the demo: every demo account has the published authenticator key.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from config.security.twofactor import DEMO_TOTP_KEY

    staff = set(get_user_model().objects.filter(is_staff=True).values_list("pk", flat=True))
    demo_devices = TOTPDevice.objects.filter(confirmed=True, key=DEMO_TOTP_KEY)
    assert set(demo_devices.values_list("user", flat=True)) == staff
    assert Case.objects.filter(station__type=OrgType.BRANCH_OUTLET, mediator__isnull=False).exists()


def test_directory_links_branches_to_their_stations(seeded):
    for code in ("lc-express", "oh-food", "lc-ride", "oh-domestic"):
        station = Organization.objects.get(code=code)
        assert station.type == OrgType.INDUSTRY_STATION and station.accepts_claims
        assert station.branches.filter(type=OrgType.BRANCH_OUTLET).exists()
    assert Organization.objects.get(code="lc-express-wuma").parent.code == "lc-express"
    assert Region.objects.get(code="wenzhou-ouhai").parent.code == "wenzhou"
    for code, org_type in [
        ("lc-gov", OrgType.GOVERNMENT_STATION),
        ("wz-arb", OrgType.ARBITRATION_COMMISSION),
        ("lc-court", OrgType.COURT),
        ("wz-hrb", OrgType.HR_BUREAU),
        ("wz-union-fed", OrgType.UNION_FEDERATION),
        ("wz-legal-aid", OrgType.LEGAL_AID),
    ]:
        assert Organization.objects.get(code=code).type == org_type


def test_no_event_carries_an_id_number_or_a_phone_in_clear(seeded):
    cases = {c.pk: c for c in Case.objects.all()}
    for event in CaseEvent.objects.all():
        case = cases[event.case_id]
        text = json.dumps(event.payload, ensure_ascii=False) + event.note
        assert case.worker_id_number not in text, case.tracking_code
        assert case.worker_phone not in text, case.tracking_code


def test_id_numbers_are_well_formed(seeded):
    for number in {c.worker_id_number for c in Case.objects.all()}:
        assert len(number) == 18 and number.startswith("3303"), number
        assert validate_id_number(number) == number  # birth date and GB 11643 check character


def test_the_summary_gives_logins_password_and_urls(seeded):
    for text in (
        demo.DEMO_PASSWORD,
        "demo_admin",
        "mediator_express",
        "official_hrb",
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/admin/",
    ):
        assert text in seeded.out


def test_the_plan_is_the_same_on_every_call():
    first, second = demo.demo_plan(), demo.demo_plan()
    assert [(s.worker_id_number, s.target, [st.name for st in s.steps]) for s in first] == [
        (s.worker_id_number, s.target, [st.name for st in s.steps]) for s in second
    ]
    assert len(first) == 200


@override_settings(SETTINGS_MODULE="config.settings.production")
def test_production_settings_refuse_without_the_flag():
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", stdout=StringIO())


def test_the_demo_routes_claims_by_industry_with_a_fallback(seeded):
    from disputes.triage import routing_preview

    assert routing_preview(industry="express_delivery").station.code == "lc-express"
    assert routing_preview(industry="food_delivery").station.code == "oh-food"
    assert routing_preview(industry="construction").station.code == "lc-gov"
