"""GET /api/v1/cases/ and /api/v1/cases/{id}/: staff only, scoped to their organizations, personal data masked
except for the staff who work the case."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.states import CaseStatus as S

from ..factories import UserFactory, case_in_state

LIST = "/api/v1/cases/"
CJK = re.compile(r"[\u4e00-\u9fff]")
TZ = ZoneInfo("Asia/Shanghai")

ID_A, PHONE_A = "330302199001011234", "13812345678"
ID_BRANCH, PHONE_BRANCH = "330303198502025678", "13987654321"
ID_B, PHONE_B = "330304197703039012", "13700001111"


def detail(case) -> str:
    return f"/api/v1/cases/{case.pk}/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def codes(response) -> set[str]:
    return {row["tracking_code"] for row in rows(response)}


@pytest.fixture
def cases(directory):
    a = case_in_state(
        S.ASSIGNED,
        tracking_code="AAAA-2345",
        station=directory.station,
        worker_name="张伟",
        worker_id_number=ID_A,
        worker_phone=PHONE_A,
        employer_name="某某快递有限公司",
        channel="qr_web",
        industry="express_delivery",
        created_at=datetime(2026, 3, 10, 9, 0, tzinfo=TZ),
        claims=["wages"],
    )
    branch = case_in_state(
        S.ACCEPTED,
        tracking_code="BBBB-2345",
        station=directory.branch,
        worker_name="李娜",
        worker_id_number=ID_BRANCH,
        worker_phone=PHONE_BRANCH,
        employer_name="东街物流有限公司",
        channel="hotline",
        industry="express_delivery",
        created_at=datetime(2026, 4, 20, 9, 0, tzinfo=TZ),
        claims=["overtime", "social_insurance"],
    )
    b = case_in_state(
        S.ASSIGNED,
        tracking_code="CCCC-2345",
        station=directory.other,
        worker_name="王强",
        worker_id_number=ID_B,
        worker_phone=PHONE_B,
        employer_name="美味外卖平台",
        channel="walk_in",
        industry="food_delivery",
        created_at=datetime(2026, 5, 1, 9, 0, tzinfo=TZ),
        claims=["dismissal"],
    )
    return type("Cases", (), {"a": a, "branch": branch, "b": b})


# --- Authentication -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [LIST, "/api/v1/cases/1/", "/api/v1/cases/1/history/"])
def test_anonymous_is_a_401_with_a_chinese_message(db, url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert CJK.search(body["detail"])
    assert body["code"] == "not_authenticated"


def test_a_session_login_works_as_well(cases, directory):
    client = APIClient()
    client.force_login(directory.staff["mediator"])
    assert codes(client.get(LIST)) == {"AAAA-2345", "BBBB-2345"}


def test_staff_without_any_organization_sees_nothing(cases):
    assert codes(as_user(UserFactory(username="loner")).get(LIST)) == set()


# --- Scope --------------------------------------------------------------------------------------------------
def test_a_station_mediator_sees_the_station_and_its_branches_never_another_station(cases, directory):
    assert codes(as_user(directory.staff["mediator"]).get(LIST)) == {"AAAA-2345", "BBBB-2345"}


def test_a_branch_mediator_sees_only_the_branch(cases, directory):
    assert codes(as_user(directory.staff["branch_mediator"]).get(LIST)) == {"BBBB-2345"}


def test_the_other_station_sees_only_its_own(cases, directory):
    assert codes(as_user(directory.staff["other_mediator"]).get(LIST)) == {"CCCC-2345"}


def test_an_official_sees_the_whole_region(cases, directory):
    assert codes(as_user(directory.staff["official"]).get(LIST)) == {"AAAA-2345", "BBBB-2345", "CCCC-2345"}


def test_another_stations_case_is_a_404_not_a_403(cases, directory):
    response = as_user(directory.staff["mediator"]).get(detail(cases.b))
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert CJK.search(body["detail"])
    assert "王强" not in response.content.decode()


def test_a_case_that_does_not_exist_is_the_same_404(cases, directory):
    response = as_user(directory.staff["mediator"]).get("/api/v1/cases/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- What a case carries ------------------------------------------------------------------------------------
def test_the_list_shows_personal_data_masked_only(cases, directory):
    response = as_user(directory.staff["mediator"]).get(LIST)
    body = response.content.decode()

    for whole in (ID_A, PHONE_A, ID_BRANCH, PHONE_BRANCH):
        assert whole not in body
    row = next(r for r in rows(response) if r["tracking_code"] == "AAAA-2345")
    assert row["worker_id_number"] == "3303**********1234"
    assert row["worker_phone"] == "138****5678"


def test_each_case_in_the_list_carries_the_contract_fields(cases, directory):
    row = next(
        r for r in rows(as_user(directory.staff["mediator"]).get(LIST)) if r["tracking_code"] == "AAAA-2345"
    )

    assert row["id"] == cases.a.pk
    assert row["status"] == "assigned"
    assert row["station"] == "station-a"
    assert sorted(row["available_transitions"]) == ["accept", "refer_to_arbitration", "withdraw"]


def test_the_list_is_newest_first(cases, directory):
    assert [r["tracking_code"] for r in rows(as_user(directory.staff["official"]).get(LIST))] == [
        "CCCC-2345",
        "BBBB-2345",
        "AAAA-2345",
    ]


def test_the_detail_shows_personal_data_whole_to_the_station_staff(cases, directory):
    response = as_user(directory.staff["mediator"]).get(detail(cases.a))

    assert response.status_code == 200
    data = response.json()
    assert data["worker_id_number"] == ID_A
    assert data["worker_phone"] == PHONE_A
    assert data["id"] == cases.a.pk
    assert data["tracking_code"] == "AAAA-2345"
    assert data["status"] == "assigned"
    assert data["station"] == "station-a"
    assert [c["category"] for c in data["claims"]] == ["wages"]


def test_the_station_sees_its_branch_cases_whole_too(cases, directory):
    data = as_user(directory.staff["mediator"]).get(detail(cases.branch)).json()
    assert data["worker_id_number"] == ID_BRANCH
    assert data["station"] == "station-a-1"


def test_the_detail_is_masked_for_an_official_who_may_run_nothing(cases, directory):
    response = as_user(directory.staff["official"]).get(detail(cases.a))

    assert response.status_code == 200
    body = response.content.decode()
    assert ID_A not in body and PHONE_A not in body
    data = response.json()
    assert data["worker_id_number"] == "3303**********1234"
    assert data["available_transitions"] == []


def test_available_transitions_follow_the_role(cases, directory):
    admin = as_user(directory.staff["station_admin"]).get(detail(cases.a)).json()
    assert sorted(admin["available_transitions"]) == sorted(
        ["accept", "dispatch_to_branch", "transfer", "reject", "refer_to_arbitration", "withdraw"]
    )
    accepted = as_user(directory.staff["mediator"]).get(detail(cases.branch)).json()
    assert sorted(accepted["available_transitions"]) == [
        "refer_to_arbitration",
        "start_mediation",
        "withdraw",
    ]


# --- Filters ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=assigned", {"AAAA-2345", "CCCC-2345"}),
        ("status=assigned&status=accepted", {"AAAA-2345", "BBBB-2345", "CCCC-2345"}),
        ("station=station-a-1", {"BBBB-2345"}),
        ("station=station-b", {"CCCC-2345"}),
        ("industry=food_delivery", {"CCCC-2345"}),
        ("channel=hotline", {"BBBB-2345"}),
        ("category=social_insurance", {"BBBB-2345"}),
        ("category=wages", {"AAAA-2345"}),
        ("region=south", {"CCCC-2345"}),
        ("from=2026-04-20", {"BBBB-2345", "CCCC-2345"}),
        ("to=2026-04-20", {"AAAA-2345", "BBBB-2345"}),
        ("from=2026-04-01&to=2026-04-30", {"BBBB-2345"}),
        ("search=bbbb2345", {"BBBB-2345"}),
        ("search=AAAA-2345", {"AAAA-2345"}),
        ("search=王强", {"CCCC-2345"}),
        ("search=东街物流", {"BBBB-2345"}),
        ("search=快递", {"AAAA-2345"}),
        ("search=", {"AAAA-2345", "BBBB-2345", "CCCC-2345"}),
    ],
)
def test_filters(cases, directory, query, expected):
    assert codes(as_user(directory.staff["official"]).get(f"{LIST}?{query}")) == expected


def test_filters_never_widen_the_scope(cases, directory):
    assert codes(as_user(directory.staff["mediator"]).get(f"{LIST}?station=station-b")) == set()
    assert codes(as_user(directory.staff["mediator"]).get(f"{LIST}?search=王强")) == set()


def test_a_category_filter_does_not_repeat_a_case_with_two_matching_claims(cases, directory):
    rows_ = rows(as_user(directory.staff["official"]).get(f"{LIST}?category=overtime"))
    assert [r["tracking_code"] for r in rows_] == ["BBBB-2345"]


@pytest.mark.parametrize(
    "query, field",
    [("industry=spaceship", "industry"), ("from=yesterday", "from"), ("status=nonsense", "status")],
)
def test_a_bad_filter_value_is_a_400_naming_the_field(cases, directory, query, field):
    response = as_user(directory.staff["official"]).get(f"{LIST}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert CJK.search(body["errors"][field][0])


def test_the_list_is_paginated(cases, directory):
    data = as_user(directory.staff["official"]).get(LIST).json()
    assert data["count"] == 3
    assert len(data["results"]) == 3
