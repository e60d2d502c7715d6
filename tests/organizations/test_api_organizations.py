"""GET /api/v1/organizations/: the public list of organizations that take claims."""

import pytest
from rest_framework.test import APIClient

from ..factories import OrganizationFactory

URL = "/api/v1/organizations/"


@pytest.fixture
def client():
    return APIClient()


def test_anonymous_list_holds_only_mediation_organizations_that_take_claims(client, directory):
    OrganizationFactory(code="closed-station", region=directory.north, is_active=False)
    OrganizationFactory(code="no-claims", region=directory.north, accepts_claims=False)
    OrganizationFactory(code="court-taking", region=directory.north, court=True, accepts_claims=True)

    response = client.get(URL)

    assert response.status_code == 200
    codes = {row["code"] for row in response.json()}
    assert codes == {"station-a", "station-a-1", "station-b"}


def test_each_organization_carries_the_contract_fields(client, directory):
    rows = {row["code"]: row for row in client.get(URL).json()}

    branch = rows["station-a-1"]
    assert {"code", "name", "type", "industry", "region", "parent"} <= set(branch)
    assert branch["name"] == "北区快递调解站东街网点"
    assert branch["type"] == "branch_outlet"
    assert branch["industry"] == "express_delivery"
    assert branch["region"] == "north"
    assert branch["parent"] == "station-a"
    assert rows["station-a"]["parent"] is None
    assert rows["station-b"]["industry"] == "food_delivery"


def test_a_staff_token_changes_nothing_and_a_bad_one_does_not_lock_the_public_out(client, directory):
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(URL)
    assert response.status_code == 200
    assert len(response.json()) == 3


def test_writing_is_not_allowed(client, directory):
    assert client.post(URL, {"code": "x"}, format="json").status_code == 405
