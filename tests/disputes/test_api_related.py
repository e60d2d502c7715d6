"""/api/v1/cases/{id}/related/ (list, merge, dismiss) and /api/v1/warnings/ (list, acknowledge, assign, close):
the answer codes (200, 400, 401, 403, 404, 409) and the scoping by organization and region."""

from unittest import mock

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.matching import employer_key
from disputes.models import Case, GroupWarning, RelatedCaseLink
from disputes.models.related import GroupWarningStatus, RelatedLinkStatus
from disputes.related import related_cases_detect
from disputes.states import CaseStatus as S
from organizations.states import Role
from tests.factories import OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db

EMPLOYER = "温州市顺达速运有限公司"


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def related_url(case, link=None, action=None) -> str:
    url = f"/api/v1/cases/{case.pk}/related/"
    return f"{url}{link.pk}/{action}/" if link else url


@pytest.fixture
def pair(directory):
    kw = {"station": directory.station, "employer_name": EMPLOYER, "employer_key": employer_key(EMPLOYER)}
    first = case_in_state(S.ASSIGNED, tracking_code="AAAA-2345", **kw)
    second = case_in_state(S.ASSIGNED, tracking_code="BBBB-2345", **kw)
    [link] = related_cases_detect(case_id=second.pk)
    return first, second, link


@pytest.fixture
def south_official(directory):
    bureau = OrganizationFactory(code="hrb-south", name="南区人社局", region=directory.south, bureau=True)
    return make_staff(org=bureau, role=Role.OFFICIAL, username="official_south")


@pytest.fixture
def warning(directory, pair):
    warning = GroupWarning.objects.create(
        region=directory.north,
        employer_name=EMPLOYER,
        employer_key=employer_key(EMPLOYER),
        trigger="threshold",
    )
    warning.cases.add(*pair[:2])
    return warning


# --- Related cases -----------------------------------------------------------------------------------------------
def test_list_the_links_of_a_case(directory, pair):
    first, second, link = pair

    response = as_user(directory.staff["mediator"]).get(related_url(second))

    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == link.pk
    assert row["other_case"]["tracking_code"] == "AAAA-2345"
    assert row["other_case"]["station"] == "station-a"
    assert row["status"] == "open" and row["may_decide"] is True and row["other_case_visible"] is True
    assert as_user(directory.staff["mediator"]).get(related_url(first)).json()[0]["id"] == link.pk


def test_officials_see_links_but_may_not_decide(directory, pair):
    _first, second, link = pair
    client = as_user(directory.staff["official"])

    assert client.get(related_url(second)).json()[0]["may_decide"] is False
    response = client.post(related_url(second, link, "dismiss"), {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_case_outside_the_scope_is_404_and_anonymous_401(directory, pair):
    _first, second, link = pair

    assert as_user(directory.staff["other_admin"]).get(related_url(second)).status_code == 404
    assert as_user(directory.staff["other_admin"]).post(related_url(second, link, "merge")).status_code == 404
    assert APIClient().get(related_url(second)).status_code == 401


def test_a_link_of_another_case_is_404(directory, pair):
    _first, _second, link = pair
    stranger = case_in_state(S.ASSIGNED, station=directory.station)

    response = as_user(directory.staff["station_admin"]).post(
        related_url(stranger, link, "merge"), {}, format="json"
    )

    assert response.status_code == 404


def test_merge_then_409(directory, pair):
    first, second, link = pair
    client = as_user(directory.staff["station_admin"])

    response = client.post(related_url(second, link, "merge"), {"note": "重复提交"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "merged" and body["kept_case"] == "AAAA-2345"
    assert body["decided_by"] == "admin_a"
    assert Case.objects.get(pk=second.pk).status == S.REJECTED
    assert Case.objects.get(pk=first.pk).status == S.ASSIGNED

    again = client.post(related_url(second, link, "merge"), {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert again.json()["current_state"] == "merged"


def test_merge_keeping_a_case_that_is_not_one_of_the_two_is_400(directory, pair):
    _first, second, link = pair
    stranger = case_in_state(S.ASSIGNED, station=directory.station)
    client = as_user(directory.staff["station_admin"])

    response = client.post(related_url(second, link, "merge"), {"keep_case_id": stranger.pk}, format="json")
    assert response.status_code == 400
    assert "keep_case_id" in response.json()["errors"]

    assert client.post(related_url(second, link, "merge"), [1, 2], format="json").status_code == 400
    assert RelatedCaseLink.objects.get(pk=link.pk).status == RelatedLinkStatus.OPEN


def test_merge_when_the_duplicate_ended_meanwhile_is_409(directory, pair):
    first, second, link = pair
    Case.objects.filter(pk=second.pk).update(status=S.WITHDRAWN)

    response = as_user(directory.staff["station_admin"]).post(
        related_url(first, link, "merge"), {}, format="json"
    )

    assert response.status_code == 409
    assert RelatedCaseLink.objects.get(pk=link.pk).status == RelatedLinkStatus.OPEN


def test_dismiss(directory, pair):
    _first, second, link = pair

    response = as_user(directory.staff["mediator"]).post(
        related_url(second, link, "dismiss"), {"note": "两段劳动关系"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert response.json()["note"] == "两段劳动关系"
    assert Case.objects.get(pk=second.pk).status == S.ASSIGNED


# --- Warnings ------------------------------------------------------------------------------------------------------
def test_officials_list_the_warnings_of_their_region(directory, warning, south_official):
    response = as_user(directory.staff["official"]).get("/api/v1/warnings/")

    assert response.status_code == 200
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    [row] = rows
    assert row["id"] == warning.pk
    assert row["region"] == "north"
    assert row["case_total"] == 2
    assert set(row["cases"]) == {"AAAA-2345", "BBBB-2345"}

    for outsider in (south_official, directory.staff["mediator"]):
        data = as_user(outsider).get("/api/v1/warnings/").json()
        assert (data["results"] if isinstance(data, dict) else data) == []
    assert APIClient().get("/api/v1/warnings/").status_code == 401


def test_the_status_filter(directory, warning):
    client = as_user(directory.staff["official"])

    data = client.get("/api/v1/warnings/", {"status": "closed"}).json()
    assert (data["results"] if isinstance(data, dict) else data) == []
    assert client.get("/api/v1/warnings/", {"status": "nonsense"}).status_code == 400


def test_acknowledge_assign_close_and_409(directory, warning):
    client = as_user(directory.staff["official"])
    base = f"/api/v1/warnings/{warning.pk}"

    response = client.post(f"{base}/acknowledge/", {"note": "已签收"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_by"] == "official"

    response = client.post(f"{base}/assign/", {"coordinator": "admin_a"}, format="json")
    assert response.status_code == 200
    assert response.json()["coordinator"] == "admin_a"
    assert client.post(f"{base}/assign/", {"coordinator": "nobody"}, format="json").status_code == 400

    assert client.post(f"{base}/close/", {}, format="json").status_code == 400
    assert client.post(f"{base}/close/", {"note": " "}, format="json").status_code == 400
    response = client.post(f"{base}/close/", {"note": "企业已补发工资"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"

    again = client.post(f"{base}/close/", {"note": "again"}, format="json")
    assert again.status_code == 409
    assert again.json()["current_state"] == "closed"
    assert client.post(f"{base}/acknowledge/", {}, format="json").status_code == 409


def test_others_cannot_act_on_a_warning(directory, warning, south_official):
    for outsider in (south_official, directory.staff["mediator"], directory.staff["station_admin"]):
        client = as_user(outsider)
        for action, body in (
            ("acknowledge", {}),
            ("close", {"note": "x"}),
            ("assign", {"coordinator": "admin_a"}),
        ):
            response = client.post(f"/api/v1/warnings/{warning.pk}/{action}/", body, format="json")
            assert response.status_code == 404, (outsider, action)
    assert APIClient().post(f"/api/v1/warnings/{warning.pk}/acknowledge/").status_code == 401
    assert GroupWarning.objects.get(pk=warning.pk).status == GroupWarningStatus.OPEN


def test_the_routes_are_in_the_schema():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for route in (
        "/api/v1/cases/{case_id}/related/",
        "/api/v1/cases/{case_id}/related/{link_id}/merge/",
        "/api/v1/cases/{case_id}/related/{link_id}/dismiss/",
        "/api/v1/warnings/",
        "/api/v1/warnings/{warning_id}/acknowledge/",
        "/api/v1/warnings/{warning_id}/assign/",
        "/api/v1/warnings/{warning_id}/close/",
    ):
        assert route in schema["paths"], route
