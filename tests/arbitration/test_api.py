"""The commission's and the court's work through the API: queues, decisions with their documents, the answers for
bad input (400, in Chinese), a lost race (409), and every operation in the OpenAPI schema with its errors."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.models import Case, IssuedDocument
from disputes.states import CaseStatus, ConfirmationRoute

from .conftest import file_for

pytestmark = pytest.mark.django_db
S = CaseStatus
CJK = re.compile(r"[\u4e00-\u9fff]")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def filed(directory, agreed):
    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)
    return Case.objects.get(pk=case.pk)


def test_review_queue_and_approval(directory, filed):
    client = api(directory.staff["arbitrator"])
    rows = client.get("/api/v1/arbitration/reviews/").json()["results"]
    assert rows[0]["id"] == filed.pk and rows[0]["decision_due_on"] and rows[0]["decision_overdue"] is False

    response = client.post(f"/api/v1/arbitration/reviews/{filed.pk}/approve/", format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["case"]["status"] == S.CONFIRMED
    document = IssuedDocument.objects.get()
    assert body["document"]["number"] == document.number
    assert body["document"]["verification_code"] == document.verification_code
    pdf = client.get(body["document"]["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    listed = client.get(f"/api/v1/arbitration/cases/{filed.pk}/documents/").json()
    assert [d["number"] for d in listed] == [document.number]

    again = client.post(f"/api/v1/arbitration/reviews/{filed.pk}/approve/", format="json")
    assert again.status_code == 409 and again.json()["current_state"] == S.CONFIRMED


def test_a_bad_refusal_is_a_400_in_chinese(directory, filed):
    client = api(directory.staff["arbitrator"])
    response = client.post(
        f"/api/v1/arbitration/reviews/{filed.pk}/refuse/", {"reason": "bored"}, format="json"
    )
    assert response.status_code == 400
    assert CJK.search(response.json()["errors"]["reason"][0])
    body = client.post(f"/api/v1/arbitration/reviews/{filed.pk}/refuse/", ["x"], format="json")
    assert body.status_code == 400
    assert Case.objects.get(pk=filed.pk).status == S.CONFIRMATION_REQUESTED


def test_arbitration_through_the_api(directory, referred, minimum_wage):
    case, _pin = referred
    client = api(directory.staff["arbitrator"])
    assert [r["id"] for r in client.get("/api/v1/arbitration/cases/").json()["results"]] == [case.pk]
    too_soon = (timezone.now() + timedelta(days=1)).isoformat()
    response = client.post(
        f"/api/v1/arbitration/cases/{case.pk}/accept/",
        {"hearing": {"at": too_soon, "place": "一庭"}},
        format="json",
    )
    assert response.status_code == 400 and "hearing_at" in response.json()["errors"]
    response = client.post(f"/api/v1/arbitration/cases/{case.pk}/accept/", {}, format="json")
    assert response.status_code == 200 and response.json()["case"]["status"] == S.ARBITRATION_ACCEPTED
    at = (timezone.now() + timedelta(days=10)).isoformat()
    hearing = client.post(
        f"/api/v1/arbitration/cases/{case.pk}/hearings/", {"at": at, "place": "一庭"}, format="json"
    )
    assert hearing.status_code == 201 and hearing.json()["place"] == "一庭"
    award = client.post(
        f"/api/v1/arbitration/cases/{case.pk}/award/",
        {"items": [{"category": "wages", "description": "工资", "amount": "6000.00"}]},
        format="json",
    )
    assert award.status_code == 201, award.content
    assert award.json()["is_final"] is True and award.json()["document"]["kind"] == "arbitration_award"
    bad_item = client.post(
        f"/api/v1/arbitration/cases/{case.pk}/award/", {"items": [{"category": "x"}]}, format="json"
    )
    assert bad_item.status_code == 400
    closed = client.post(f"/api/v1/arbitration/cases/{case.pk}/close/", {"outcome": "award"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == S.CLOSED


def test_every_arbitration_operation_is_in_the_schema_with_its_errors(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/api/v1/arbitration/")}
    assert len(paths) == 19
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403", "404"} <= codes, (method, path)
            if method == "post":
                assert {"400", "409"} <= codes or path.endswith("/enforcement/"), (method, path)
            for code, response in operation["responses"].items():
                if code.startswith("4"):
                    assert (
                        response["content"]["application/json"]["schema"]["$ref"]
                        == "#/components/schemas/Error"
                    )
