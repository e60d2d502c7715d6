"""POST /api/v1/track/: the worker's view of a case by code and PIN; 404 with one message for an unknown code and a
wrong PIN; 429 after too many failures; described in the OpenAPI schema."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from disputes.tracking import TRACK_MAX_FAILURES

pytestmark = pytest.mark.django_db

URL = "/api/v1/track/"
ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
STAFF_NOTE = "内部备注：不要透露"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def filed(directory):
    case, pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number=ID_NUMBER,
        worker_phone=PHONE,
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=directory.station,
    )
    mediator = directory.staff["mediator"]
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    case_transition(
        case_id=case.pk, name="accept", actor=mediator, note=STAFF_NOTE, payload={"mediator": mediator}
    )
    return case, pin


def test_the_right_pin_answers_the_contract_fields(api, filed, directory):
    case, pin = filed
    response = api.post(
        URL, {"tracking_code": case.tracking_code.lower().replace("-", ""), "access_pin": pin}
    )
    assert response.status_code == 200
    body = response.json()
    assert {"status", "status_display", "history", "deadlines", "next_steps"} <= set(body)
    assert body["status"] == "accepted"
    assert body["status_display"] == "调解组织已受理您的申请"
    assert [h["text"] for h in body["history"]] == [
        "您在网上提交了申请。",
        f"您的申请已转交{directory.station.name}。",
        "调解组织受理了您的申请，调解员会与您联系。",
    ]
    assert all({"at", "text", "status", "status_display"} <= set(h) for h in body["history"])
    assert body["deadlines"] and all(
        {"code", "text", "due_on", "state", "state_display"} <= set(d) for d in body["deadlines"]
    )
    assert body["next_steps"]


def test_nothing_staff_only_or_personal_is_in_the_answer(api, filed, directory):
    case, pin = filed
    raw = api.post(URL, {"tracking_code": case.tracking_code, "access_pin": pin}).content.decode()
    assert STAFF_NOTE not in raw and ID_NUMBER not in raw and PHONE not in raw
    for user in directory.staff.values():
        assert user.username not in raw


def test_an_unknown_code_and_a_wrong_pin_get_the_same_404(api, filed):
    case, pin = filed
    wrong = api.post(URL, {"tracking_code": case.tracking_code, "access_pin": "000000x"})
    unknown = api.post(URL, {"tracking_code": "ZZZZ-ZZZZ", "access_pin": pin})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "not_found" and "查询码或密码不正确" in wrong.json()["detail"]


def test_missing_fields_are_a_400(api, db):
    response = api.post(URL, {"tracking_code": "ABCD-EFGH"}, format="json")
    assert response.status_code == 400
    assert "access_pin" in response.json()["errors"]
    assert api.post(URL, "[]", content_type="application/json").status_code == 400


def test_five_failures_per_code_lock_it_with_a_429(api, filed):
    case, pin = filed
    for n in range(TRACK_MAX_FAILURES - 1):
        assert (
            api.post(
                URL, {"tracking_code": case.tracking_code, "access_pin": "9"}, REMOTE_ADDR=f"10.9.0.{n}"
            ).status_code
            == 404
        )
    locked = api.post(URL, {"tracking_code": case.tracking_code, "access_pin": "9"}, REMOTE_ADDR="10.9.0.77")
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled" and "错误次数过多" in locked.json()["detail"]
    assert int(locked["Retry-After"]) > 0
    assert (
        api.post(
            URL, {"tracking_code": case.tracking_code, "access_pin": pin}, REMOTE_ADDR="10.9.1.1"
        ).status_code
        == 429
    )


def test_five_failures_per_address_lock_it_with_a_429(api, filed):
    case, pin = filed
    for n in range(TRACK_MAX_FAILURES):
        api.post(URL, {"tracking_code": f"WWWW-WWW{n}", "access_pin": "1"}, REMOTE_ADDR="10.9.2.1")
    assert (
        api.post(
            URL, {"tracking_code": case.tracking_code, "access_pin": pin}, REMOTE_ADDR="10.9.2.1"
        ).status_code
        == 429
    )
    assert (
        api.post(
            URL, {"tracking_code": case.tracking_code, "access_pin": pin}, REMOTE_ADDR="10.9.2.2"
        ).status_code
        == 200
    )


def test_the_endpoint_is_public_and_in_the_schema_with_its_errors(api, db):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"][URL]["post"]
    assert {"200", "400", "404", "429"} <= set(operation["responses"])
    assert operation.get("security", schema.get("security", [])) in ([], [{}])
    output = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"status", "status_display", "history", "deadlines", "next_steps"} <= set(
        schema["components"]["schemas"][output]["properties"]
    )
