"""Who sees which statistics: officials their regions, station administrators their station and its branch
outlets, superusers everything; other staff get 403, visitors the login page (401 on the API)."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/stats/summary/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def figure(body, code):
    return next(f for f in body["figures"] if f["code"] == code)


def received(user, **params) -> int:
    params.setdefault("from", "2000-01-01")
    response = api(user).get(SUMMARY, params)
    assert response.status_code == 200, response.content
    return figure(response.json(), "received")["value"]


@override_settings(STATS_MIN_CELL=1)
def test_each_role_sees_its_own_cases(town_module):
    staff = town_module.directory.staff
    assert received(staff["official"]) == 9  # the city: both districts
    assert received(staff["south_official"]) == 3  # the south only
    assert received(staff["station_admin"]) == 6  # station-a with its branch
    assert received(staff["other_admin"]) == 3
    assert received(town_module.root) == 9


@override_settings(STATS_MIN_CELL=1)
def test_an_official_of_one_district_sees_nothing_of_the_other(town_module):
    official = town_module.directory.staff["south_official"]
    assert received(official, industry="express_delivery") == 0
    for params in ({"region": "north"}, {"station": "station-a"}, {"station": "station-a-1"}):
        response = api(official).get(SUMMARY, params)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert "范围" in response.json()["detail"]
    # The city includes the south: allowed, and still only the south's cases.
    assert received(official, region="city") == 3
    rows = api(official).get("/api/v1/stats/series/station/", {"from": "2000-01-01"}).json()["rows"]
    assert [r["key"] for r in rows] == ["station-b"]


@override_settings(STATS_MIN_CELL=1)
def test_a_station_admin_sees_only_their_station_and_its_branches(town_module):
    admin = town_module.directory.staff["station_admin"]
    assert received(admin, station="station-a-1") == 1
    assert api(admin).get(SUMMARY, {"station": "station-b"}).status_code == 403
    rows = api(admin).get("/api/v1/stats/series/station/", {"from": "2000-01-01"}).json()["rows"]
    assert [(r["key"], r["values"]["received"]) for r in rows] == [("station-a", 6)]
    region_rows = api(admin).get("/api/v1/stats/series/region/", {"from": "2000-01-01"}).json()["rows"]
    assert [r["key"] for r in region_rows] == ["north"]
    # Group-dispute warnings are raised per region: a station admin oversees none.
    assert api(admin).get(SUMMARY).json()["group_warnings"] == {"open": None, "raised": None}


def test_other_staff_get_403_everywhere(town_module, client):
    mediator = town_module.directory.staff["mediator"]
    for path in (SUMMARY, "/api/v1/stats/series/month/", "/api/v1/stats/definitions/"):
        response = api(mediator).get(path)
        assert response.status_code == 403, path
        assert response.json()["detail"]
    client.force_login(mediator)
    for path in ("/stats/", "/stats/export.csv", "/stats/export.xlsx"):
        assert client.get(path).status_code == 403, path


def test_visitors_are_asked_to_log_in(town_module, client):
    response = client.get("/stats/?industry=food_delivery")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/stats/")
    assert client.get("/stats/export.csv").status_code == 302
    response = api().get(SUMMARY)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_page_offers_only_the_regions_and_stations_in_scope(town_module, client):
    client.force_login(town_module.directory.staff["south_official"])
    html = client.get("/stats/").content.decode()
    assert 'value="station-b"' in html and 'value="station-a"' not in html
    assert 'value="south"' in html and 'value="north"' not in html
    assert "南区" in html
