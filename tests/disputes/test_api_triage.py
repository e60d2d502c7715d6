"""The triage API: routing rules (officials, scoped by the organizations they oversee), the routing tester, and
assigning and correcting a case (station staff); status codes in the house order 404 → 409 → 403 → 400."""

from unittest import mock

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.models import Case, CaseEvent, RoutingRule
from disputes.states import CaseStatus
from organizations.states import OrgType, Role

from ..factories import OrganizationFactory, RegionFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db
S = CaseStatus
RULES = "/api/v1/cases/routing/rules/"
PREVIEW = "/api/v1/cases/routing/preview/"


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def gov(directory):
    return OrganizationFactory(
        code="gov-city",
        name="示范市新业态劳动纠纷调解站",
        region=directory.city,
        type=OrgType.GOVERNMENT_STATION,
        industry="",
    )


@pytest.fixture
def elsewhere(db):
    far = RegionFactory(code="far", name="外市")
    return type(
        "Elsewhere",
        (),
        {
            "station": OrganizationFactory(
                code="far-union", region=far, type=OrgType.UNION_COMMITTEE, industry=""
            ),
            "official": make_staff(
                org=OrganizationFactory(code="far-hrb", region=far, bureau=True),
                role=Role.OFFICIAL,
                username="far_official",
            ),
        },
    )


@pytest.fixture
def official(directory):
    return as_user(directory.staff["official"])


# --- Routing rules ------------------------------------------------------------------------------------------
def test_an_official_creates_lists_and_updates_a_rule(directory, gov, official):
    body = {
        "name": "北区网约车",
        "priority": 10,
        "industries": ["ride_hailing"],
        "regions": ["north"],
        "categories": ["wages", "dismissal"],
        "amount_min": "100.00",
        "services": ["legal_aid"],
        "chosen_station": "station-a",
        "collective": "no",
        "confidential": "any",
        "target": "gov-city",
    }
    created = official.post(RULES, body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["regions"] == ["north"] and data["target"] == "gov-city" and data["amount_max"] is None
    assert data["chosen_station"] == "station-a" and data["is_fallback"] is False
    listing = official.get(RULES)
    assert listing.status_code == 200 and [r["name"] for r in listing.json()] == ["北区网约车"]
    url = f"{RULES}{data['id']}/"
    changed = official.patch(
        url, {"priority": 3, "regions": ["south", "north"], "is_active": False}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["priority"] == 3 and changed.json()["regions"] == ["north", "south"]
    assert changed.json()["industries"] == ["ride_hailing"]  # untouched
    assert official.get(url).json()["is_active"] is False


def test_rules_of_another_city_are_invisible(directory, gov, elsewhere, official):
    theirs = RoutingRule.objects.create(name="外市规则", target=elsewhere.station)
    RoutingRule.objects.create(name="本市规则", target=gov)
    assert [r["name"] for r in official.get(RULES).json()] == ["本市规则"]
    assert official.get(f"{RULES}{theirs.pk}/").status_code == 404
    assert official.patch(f"{RULES}{theirs.pk}/", {"priority": 1}, format="json").status_code == 404
    refused = official.post(RULES, {"name": "越界", "target": "far-union"}, format="json")
    assert refused.status_code == 400 and "target" in refused.json()["errors"]


def test_rule_validation(directory, gov, official):
    for body, field in [
        ({"name": "x", "target": "gov-city", "amount_min": "500", "amount_max": "100"}, "amount_max"),
        ({"name": "x", "target": "gov-city", "regions": ["nowhere"]}, "regions"),
        ({"name": "x", "target": "gov-city", "industries": ["mining"]}, "industries"),
        ({"name": "x", "target": "gov-city", "collective": "maybe"}, "collective"),
        ({"name": "x", "target": "court"}, "target"),
        ({"target": "gov-city"}, "name"),
    ]:
        response = official.post(RULES, body, format="json")
        assert response.status_code == 400 and field in response.json()["errors"], (body, response.json())
    assert official.post(RULES, [1, 2], format="json").status_code == 400
    assert not RoutingRule.objects.exists()


def test_only_officials_handle_rules(directory, gov):
    rule = RoutingRule.objects.create(name="规则", target=gov)
    mediator = as_user(directory.staff["station_admin"])
    assert mediator.get(RULES).status_code == 403
    assert mediator.post(RULES, {"name": "x", "target": "gov-city"}, format="json").status_code == 403
    assert mediator.get(f"{RULES}{rule.pk}/").status_code == 403
    assert mediator.patch(f"{RULES}{rule.pk}/", {"priority": 1}, format="json").status_code == 403
    assert APIClient().get(RULES).status_code == 401


# --- The tester ------------------------------------------------------------------------------------------------
def test_the_tester(directory, gov, official):
    rule = RoutingRule.objects.create(name="北区解除", target=gov, categories=["dismissal"])
    rule.regions.set([directory.north])
    answer = official.post(PREVIEW, {"region": "north", "categories": ["dismissal"]}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {
        "station": "gov-city",
        "station_name": "示范市新业态劳动纠纷调解站",
        "rule": rule.pk,
        "rule_name": "北区解除",
        "is_fallback": False,
        "honoured_choice": False,
        "choice_refused": "",
        "note": "北区解除",
    }
    chosen = official.post(PREVIEW, {"industry": "express_delivery", "station": "station-a"}, format="json")
    assert chosen.json()["honoured_choice"] is True and chosen.json()["note"] == "劳动者选择"
    refused = official.post(
        PREVIEW, {"industry": "construction", "station": "station-b"}, format="json"
    ).json()
    assert refused["station"] is None and "行业不符" in refused["choice_refused"]
    assert official.post(PREVIEW, {"region": "nowhere"}, format="json").status_code == 400
    assert not Case.objects.exists()


def test_the_tester_is_for_officials(directory):
    assert as_user(directory.staff["mediator"]).post(PREVIEW, {}, format="json").status_code == 403


# --- Assigning ----------------------------------------------------------------------------------------------------
def assign_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/assign/"


def test_the_station_admin_assigns(directory):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    response = as_user(directory.staff["station_admin"]).post(
        assign_url(case), {"mediator": "mediator_a", "note": "熟悉情况"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["mediator"] == "mediator_a" and response.json()["status"] == S.ACCEPTED
    assert CaseEvent.objects.filter(case=case, transition="assign_mediator").count() == 1


def test_assign_status_codes(directory):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    body = {"mediator": "mediator_a"}
    assert (
        as_user(directory.staff["other_admin"]).post(assign_url(case), body, format="json").status_code == 404
    )
    assert as_user(directory.staff["mediator"]).post(assign_url(case), body, format="json").status_code == 403
    admin = as_user(directory.staff["station_admin"])
    bad = admin.post(assign_url(case), {"mediator": "mediator_b"}, format="json")
    assert bad.status_code == 400 and "mediator" in bad.json()["errors"]
    assert admin.post(assign_url(case), {"mediator": "nobody"}, format="json").status_code == 400
    assert admin.post(assign_url(case), {}, format="json").status_code == 400
    agreed = case_in_state(S.AGREEMENT_REACHED, station=directory.station)
    conflict = admin.post(assign_url(agreed), body, format="json")
    assert conflict.status_code == 409 and conflict.json()["current_state"] == S.AGREEMENT_REACHED
    assert admin.post("/api/v1/cases/999999/assign/", body, format="json").status_code == 404
    assert APIClient().post(assign_url(case), body, format="json").status_code == 401
    assert not CaseEvent.objects.filter(transition="assign_mediator").exists()


# --- Correcting ---------------------------------------------------------------------------------------------------
def correct_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/correct/"


def test_station_staff_correct_and_the_case_is_rerouted(directory):
    RoutingRule.objects.create(name="外卖配送到南区站", target=directory.other, industries=["food_delivery"])
    case = case_in_state(S.ASSIGNED, station=directory.station)
    response = as_user(directory.staff["mediator"]).post(
        correct_url(case), {"industry": "food_delivery", "note": "实为外卖骑手"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["station"] == "station-b" and response.json()["industry"] == "food_delivery"
    assert [e.transition for e in CaseEvent.objects.filter(case=case).order_by("id")] == [
        "routing_correct",
        "transfer",
    ]


def test_correct_categories_and_region(directory):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    response = as_user(directory.staff["station_admin"]).post(
        correct_url(case),
        {"categories": ["dismissal", "compensation"], "region": "south", "note": "更正"},
        format="json",
    )
    assert response.status_code == 200
    assert sorted(c["category"] for c in response.json()["claims"]) == ["compensation", "dismissal"]
    assert response.json()["region"] == "south"


def test_correct_status_codes(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    body = {"industry": "construction", "note": "更正"}
    assert (
        as_user(directory.staff["other_admin"]).post(correct_url(case), body, format="json").status_code
        == 404
    )
    assert (
        as_user(directory.staff["official"]).post(correct_url(case), body, format="json").status_code == 403
    )
    staff = as_user(directory.staff["mediator"])
    assert (
        staff.post(correct_url(case), {"industry": "construction"}, format="json").status_code == 400
    )  # note
    same = staff.post(correct_url(case), {"industry": case.industry, "note": "无变化"}, format="json")
    assert same.status_code == 400
    assert staff.post(correct_url(case), {"region": "nowhere", "note": "x"}, format="json").status_code == 400
    assert staff.post(correct_url(case), {"categories": [], "note": "x"}, format="json").status_code == 400
    closed = case_in_state(S.CLOSED, station=directory.station)
    assert staff.post(correct_url(closed), body, format="json").status_code == 409
    assert not CaseEvent.objects.filter(transition="routing_correct").exists()


# --- The schema ------------------------------------------------------------------------------------------------
def test_the_operations_are_in_the_schema(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths[RULES])
    assert {"get", "patch"} <= set(paths[RULES + "{rule_id}/"])
    assert "post" in paths[PREVIEW]
    assert {"200", "400", "403", "404", "409"} <= set(
        paths["/api/v1/cases/{case_id}/assign/"]["post"]["responses"]
    )
    assert {"200", "400", "403", "404", "409"} <= set(
        paths["/api/v1/cases/{case_id}/correct/"]["post"]["responses"]
    )
