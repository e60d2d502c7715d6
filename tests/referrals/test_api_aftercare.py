"""/api/v1/aftercare/: staff record legal-aid and counselling requests, the receiving centres assign lawyers,
report outcomes, post offers and placements; every list is scoped, others' rows are 404, and every operation is
in the OpenAPI schema with its error answers."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.permissions import WORKER
from disputes.states import CaseStatus
from organizations.states import OrgType, Role
from referrals import handoffs
from referrals.aftercare import reemployment_request
from referrals.models import JobOffer, LegalAidRequest

from ..factories import OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db


def _org(code, name, region, org_type):
    return OrganizationFactory(
        code=code,
        name=name,
        region=region,
        type=org_type,
        industry="",
        accepts_claims=False,
        mediation_legal_type="",
    )


@pytest.fixture
def orgs(directory):
    aid = _org("la-city", "示范市法律援助中心", directory.city, OrgType.LEGAL_AID)
    jobs = _org("jobs-city", "示范市就业服务中心", directory.city, OrgType.EMPLOYMENT_SERVICE)
    care = _org("care-city", "示范市心理服务中心", directory.city, OrgType.COUNSELLING)
    return SimpleNamespace(
        aid=aid,
        jobs=jobs,
        care=care,
        aid_staff=make_staff(org=aid, role=Role.LEGAL_AID, username="aid"),
        jobs_staff=make_staff(org=jobs, role=Role.EMPLOYMENT_OFFICER, username="jobs"),
    )


@pytest.fixture
def case(directory):
    return case_in_state(CaseStatus.IN_MEDIATION, station=directory.station, region=directory.north)


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


LEGAL_AID = {
    "reason": "劳动者电话申请法律援助",
    "affordability": "cannot",
    "migrant_worker": True,
    "consent": True,
}


def _create_aid(directory, case):
    response = _client(directory.staff["mediator"]).post(
        f"/api/v1/aftercare/cases/{case.pk}/legal-aid/", LEGAL_AID, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


# --- Legal aid -----------------------------------------------------------------------------------------------------
def test_staff_record_a_legal_aid_request(directory, case, orgs):
    body = _create_aid(directory, case)
    assert body["to_org"] == "la-city" and body["tracking_code"] == case.tracking_code
    assert body["means_test_exempt"] is True and body["urgent"] is False
    assert body["decision_overdue"] is False and body["lawyer"] is None
    assert body["reason"] == LEGAL_AID["reason"]
    assert body["status"] in ("pending", "delivered")


def test_create_answers_in_order_404_403_409_400(directory, case, orgs):
    url = f"/api/v1/aftercare/cases/{case.pk}/legal-aid/"
    assert _client().post(url, LEGAL_AID, format="json").status_code == 401
    assert _client(directory.staff["other_mediator"]).post(url, LEGAL_AID, format="json").status_code == 404
    forbidden = _client(directory.staff["official"]).post(url, LEGAL_AID, format="json")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"
    invalid = _client(directory.staff["mediator"]).post(url, {**LEGAL_AID, "consent": False}, format="json")
    assert invalid.status_code == 400 and "consent" in invalid.json()["errors"]
    not_json = _client(directory.staff["mediator"]).post(url, ["x"], format="json")
    assert not_json.status_code == 400
    _create_aid(directory, case)
    conflict = _client(directory.staff["mediator"]).post(url, LEGAL_AID, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"


def test_the_centre_assigns_a_lawyer_and_reports_the_outcome(directory, case, orgs):
    aid = _create_aid(directory, case)
    centre = _client(orgs.aid_staff)
    lawyer = {"lawyer_name": "王律师", "law_firm": "示范律师事务所", "lawyer_phone": "13800001111"}
    url = f"/api/v1/aftercare/legal-aid/{aid['id']}/"
    assert centre.post(url + "lawyer/", lawyer, format="json").status_code == 409  # not granted yet
    handoffs.handoff_answer(handoff_id=aid["handoff"], action="accept", actor=orgs.aid_staff)
    assert (
        _client(directory.staff["mediator"]).post(url + "lawyer/", lawyer, format="json").status_code == 403
    )
    bad = centre.post(url + "lawyer/", {**lawyer, "lawyer_phone": "?"}, format="json")
    assert bad.status_code == 400 and "lawyer_phone" in bad.json()["errors"]
    body = centre.post(url + "lawyer/", lawyer, format="json").json()
    assert body["lawyer"]["lawyer_name"] == "王律师" and len(body["assignments"]) == 1
    assert body["assign_due_on"] is not None and body["assign_overdue"] is False
    outcome = {"result": "represented_arbitration", "outcome": "代理仲裁，裁决支持全部请求"}
    body = centre.post(url + "outcome/", outcome, format="json").json()
    assert body["result"] == "represented_arbitration" and body["completed_at"] is not None
    assert body["outcome"].startswith("代理劳动仲裁：")
    repeat = centre.post(url + "outcome/", {"result": "advice", "outcome": "再报一次"}, format="json")
    assert repeat.status_code == 200 and repeat.json()["result"] == "represented_arbitration"


def test_lists_are_scoped_and_filter_urgent_and_overdue(directory, case, orgs):
    aid = _create_aid(directory, case)
    for user in (orgs.aid_staff, directory.staff["mediator"]):
        rows = _client(user).get("/api/v1/aftercare/legal-aid/").json()["results"]
        assert [r["id"] for r in rows] == [aid["id"]]
    assert (
        _client(directory.staff["other_mediator"]).get("/api/v1/aftercare/legal-aid/").json()["results"] == []
    )
    other = _client(directory.staff["other_mediator"]).get(f"/api/v1/aftercare/legal-aid/{aid['id']}/")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    centre = _client(orgs.aid_staff)
    assert centre.get("/api/v1/aftercare/legal-aid/?urgent=true").json()["results"] == []
    assert centre.get("/api/v1/aftercare/legal-aid/?overdue=1").json()["results"] == []
    LegalAidRequest.objects.filter(pk=aid["id"]).update(
        decision_due_on=timezone.localdate() - timedelta(days=1), urgent=True
    )
    overdue = centre.get("/api/v1/aftercare/legal-aid/?overdue=1").json()["results"]
    assert [(r["id"], r["decision_overdue"]) for r in overdue] == [(aid["id"], True)]
    assert len(centre.get("/api/v1/aftercare/legal-aid/?urgent=true").json()["results"]) == 1


# --- Re-employment -------------------------------------------------------------------------------------------------
@pytest.fixture
def seeking(directory, orgs):
    closed = case_in_state(CaseStatus.CLOSED, station=directory.station, region=directory.north)
    return reemployment_request(
        case_id=closed.pk,
        actor=WORKER,
        desired_job="网约车司机",
        desired_area="全市",
        availability="now",
        contact_consent=True,
    )


def test_the_centre_posts_offers_idempotently_and_the_placement(directory, seeking, orgs):
    centre = _client(orgs.jobs_staff)
    base = f"/api/v1/aftercare/job-seeking/{seeking.pk}/"
    offer = {
        "employer_name": "某出行公司",
        "position": "司机",
        "wage": "按单计酬",
        "contact": "客服 400-000-0000",
    }
    assert centre.post(base + "offers/", offer, format="json").status_code == 409  # not accepted yet
    handoffs.handoff_answer(handoff_id=seeking.handoff_id, action="accept", actor=orgs.jobs_staff)
    first = centre.post(base + "offers/", offer, format="json", HTTP_IDEMPOTENCY_KEY="o-1")
    again = centre.post(base + "offers/", offer, format="json", HTTP_IDEMPOTENCY_KEY="o-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and JobOffer.objects.count() == 1
    assert (
        _client(directory.staff["mediator"]).post(base + "offers/", offer, format="json").status_code == 403
    )
    assert centre.post(base + "offers/", {"employer_name": "x"}, format="json").status_code == 400
    detail = centre.get(base).json()
    assert [o["position"] for o in detail["offers"]] == ["司机"] and detail["placement"] is None
    placed = centre.post(
        base + "placement/",
        {
            "employer_name": "某出行公司",
            "position": "司机",
            "placed_on": "2026-12-01",
            "offer": first.json()["id"],
        },
        format="json",
    )
    assert placed.status_code == 201
    assert placed.json()["placement"]["offer"] == first.json()["id"]
    assert placed.json()["completed_at"] is not None
    twice = centre.post(
        base + "placement/", {"employer_name": "x", "position": "x", "placed_on": "2026-12-02"}, format="json"
    )
    assert twice.status_code == 409


def test_job_seeking_lists_are_scoped(directory, seeking, orgs):
    rows = _client(orgs.jobs_staff).get("/api/v1/aftercare/job-seeking/").json()["results"]
    assert [r["id"] for r in rows] == [seeking.pk]
    assert _client(orgs.aid_staff).get("/api/v1/aftercare/job-seeking/").json()["results"] == []
    assert _client(orgs.aid_staff).get(f"/api/v1/aftercare/job-seeking/{seeking.pk}/").status_code == 404


# --- Counselling ---------------------------------------------------------------------------------------------------
def test_staff_refer_to_counselling_and_the_concern_never_comes_back(directory, case, orgs):
    url = f"/api/v1/aftercare/cases/{case.pk}/counselling/"
    body = {"preferred_contact": "phone", "concern": "失眠焦虑", "consent": True}
    created = _client(directory.staff["mediator"]).post(url, body, format="json")
    assert created.status_code == 201
    assert created.json()["to_org"] == "care-city" and "concern" not in created.json()
    assert "失眠焦虑" not in created.content.decode()
    assert _client(directory.staff["mediator"]).post(url, body, format="json").status_code == 409
    rows = _client(directory.staff["mediator"]).get("/api/v1/aftercare/counselling/").json()["results"]
    assert len(rows) == 1 and "失眠焦虑" not in str(rows)
    assert _client(directory.staff["other_mediator"]).post(url, body, format="json").status_code == 404


# --- The schema ----------------------------------------------------------------------------------------------------
def test_every_aftercare_operation_is_in_the_schema_with_its_errors():
    schema = _client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    ours = {path: item for path, item in schema["paths"].items() if path.startswith("/api/v1/aftercare/")}
    assert {
        "/api/v1/aftercare/cases/{case_id}/legal-aid/",
        "/api/v1/aftercare/legal-aid/",
        "/api/v1/aftercare/legal-aid/{request_id}/",
        "/api/v1/aftercare/legal-aid/{request_id}/lawyer/",
        "/api/v1/aftercare/legal-aid/{request_id}/outcome/",
        "/api/v1/aftercare/job-seeking/",
        "/api/v1/aftercare/job-seeking/{request_id}/",
        "/api/v1/aftercare/job-seeking/{request_id}/offers/",
        "/api/v1/aftercare/job-seeking/{request_id}/placement/",
        "/api/v1/aftercare/cases/{case_id}/counselling/",
        "/api/v1/aftercare/counselling/",
        "/api/v1/aftercare/check-in-answers/",
    } == set(ours)
    for path, item in ours.items():
        for method, operation in item.items():
            if method not in ("get", "post"):
                continue
            errors = {code for code in operation["responses"] if code.startswith("4")}
            assert {"401", "403"} <= errors, (method, path)
            for code in errors:
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", (method, path, code)
            if "{" in path:
                assert "404" in errors, (method, path)
            if method == "post" or any(
                p["in"] == "query" and p["name"] != "page" for p in operation["parameters"]
            ):
                assert "400" in errors, (method, path)
            if method == "post":
                assert "409" in errors, (method, path)
