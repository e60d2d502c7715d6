"""The special urgent API: POST /api/v1/cases/{id}/escalate/ (and GET for the candidates),
GET /api/v1/consultations/, POST /api/v1/consultations/{id}/plan/ — status codes, scoping and the order of
the checks (404, 409, 403, 400)."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.models import CaseDeadline, CaseEvent
from disputes.models.urgent import UrgentConsultation
from disputes.states import CaseStatus as S
from referrals.models import Notification

from ..factories import case_in_state
from . import test_special_urgent as base

pytestmark = pytest.mark.django_db

urgent = base.urgent  # the fixture: the directory, the rule, a case in mediation
escalate = base.escalate

PLAN = {
    "summary": "平台先行垫付，站点补签用工协议",
    "actions": [{"what": "垫付两个月工资", "who": "平台", "due_on": "2026-12-01"}],
}


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def escalate_url(case) -> str:
    return f"/api/v1/cases/{case.pk}/escalate/"


def plan_url(consultation) -> str:
    return f"/api/v1/consultations/{consultation.pk}/plan/"


def test_escalate_201_with_the_consultation_and_the_countdown(urgent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = as_user(urgent.staff["mediator"]).post(
            escalate_url(urgent.case), {"reason": "集体欠薪", "lawyer": "aid_city"}, format="json"
        )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "open" and body["case"] == urgent.case.pk
    assert {m["role"]: m["username"] for m in body["members"]} == {
        "arbitrator": "arbitrator",
        "peoples_mediator": "pm_north",
        "lawyer": "aid_city",
    }
    assert body["countdown"]["code"] == "urgent.consultation" and body["countdown"]["state"] != "met"
    event = CaseEvent.objects.get(transition="escalate_urgent")
    assert set(
        Notification.objects.filter(event=event).values_list("recipient_user__username", flat=True)
    ) >= {"arbitrator", "pm_north", "aid_city"}


def test_escalate_candidates(urgent):
    answer = as_user(urgent.staff["station_admin"]).get(escalate_url(urgent.case))
    assert answer.status_code == 200
    assert [c["username"] for c in answer.json()["lawyer"]] == ["lawyer_north", "aid_city"]
    assert as_user(urgent.staff["intake_clerk"]).get(escalate_url(urgent.case)).status_code == 403
    assert as_user(urgent.staff["other_admin"]).get(escalate_url(urgent.case)).status_code == 404


@pytest.mark.parametrize(
    "who, status", [("intake_clerk", 403), ("other_admin", 404), ("court_clerk", 404), ("arbitrator", 404)]
)
def test_escalate_refused(urgent, who, status):
    answer = as_user(urgent.staff[who]).post(escalate_url(urgent.case), {"reason": "x"}, format="json")
    assert answer.status_code == status
    assert not UrgentConsultation.objects.exists()


def test_escalate_400_for_a_missing_reason_or_an_ineligible_pick(urgent):
    client = as_user(urgent.staff["station_admin"])
    answer = client.post(escalate_url(urgent.case), {}, format="json")
    assert answer.status_code == 400 and "reason" in answer.json()["errors"]
    answer = client.post(escalate_url(urgent.case), {"reason": "x", "lawyer": "mediator_b"}, format="json")
    assert answer.status_code == 400 and "lawyer" in answer.json()["errors"]
    answer = client.post(escalate_url(urgent.case), ["x"], format="json")
    assert answer.status_code == 400
    assert not UrgentConsultation.objects.exists()


def test_a_second_escalation_is_409_before_anything_else(urgent):
    escalate(urgent)
    answer = as_user(urgent.staff["mediator"]).post(escalate_url(urgent.case), {}, format="json")
    assert answer.status_code == 409
    assert answer.json()["current_state"] == S.IN_MEDIATION
    assert UrgentConsultation.objects.count() == 1


def test_a_closed_case_is_409(urgent):
    case = case_in_state(S.CLOSED, station=urgent.station)
    answer = as_user(urgent.staff["station_admin"]).post(escalate_url(case), {"reason": "x"}, format="json")
    assert answer.status_code == 409


def test_consultations_mine(urgent):
    consultation = escalate(urgent)
    for who in ("arbitrator", "peoples_mediator", "lawyer", "station_admin"):
        answer = as_user(urgent.staff[who]).get("/api/v1/consultations/")
        assert answer.status_code == 200
        assert [c["id"] for c in answer.json()["results"]] == [consultation.pk], who
    for who in ("other_admin", "aid_lawyer", "court_clerk"):
        assert as_user(urgent.staff[who]).get("/api/v1/consultations/").json()["results"] == [], who
    assert APIClient().get("/api/v1/consultations/").status_code == 401


def test_participants_open_the_case_with_personal_data_masked(urgent):
    lawyer = as_user(urgent.staff["lawyer"])
    assert lawyer.get(f"/api/v1/cases/{urgent.case.pk}/").status_code == 404
    escalate(urgent)
    answer = lawyer.get(f"/api/v1/cases/{urgent.case.pk}/")
    assert answer.status_code == 200
    assert answer.json()["worker_id_number"] == urgent.case.worker_id_masked
    assert answer.json()["worker_phone"] == urgent.case.worker_phone_masked
    listed = lawyer.get("/api/v1/cases/").json()["results"]
    assert [c["id"] for c in listed] == [urgent.case.pk]


def test_record_plan_200_closes_and_meets_the_countdown(urgent, django_capture_on_commit_callbacks):
    consultation = escalate(urgent)
    with django_capture_on_commit_callbacks(execute=True):
        answer = as_user(urgent.staff["lawyer"]).post(plan_url(consultation), PLAN, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "closed" and body["plan_recorded_by"] == "lawyer_north"
    assert body["plan_actions"] == PLAN["actions"]
    assert body["countdown"]["state"] == "met"
    assert CaseDeadline.objects.get(case=urgent.case, rule__code="urgent.consultation").met_at is not None
    again = as_user(urgent.staff["arbitrator"]).post(plan_url(consultation), PLAN, format="json")
    assert again.status_code == 409


@pytest.mark.parametrize(
    "who, status",
    [
        ("intake_clerk", 403),
        ("official", 404),
        ("other_admin", 404),
        ("aid_lawyer", 404),
        ("court_clerk", 404),
    ],
)
def test_record_plan_refused(urgent, who, status):
    consultation = escalate(urgent, actor_key="station_admin")
    answer = as_user(urgent.staff[who]).post(plan_url(consultation), PLAN, format="json")
    assert answer.status_code == status
    consultation.refresh_from_db()
    assert consultation.is_open


def test_record_plan_400(urgent):
    consultation = escalate(urgent)
    client = as_user(urgent.staff["arbitrator"])
    answer = client.post(plan_url(consultation), {"summary": "x", "actions": []}, format="json")
    assert answer.status_code == 400 and "actions" in answer.json()["errors"]
    answer = client.post(
        plan_url(consultation), {"summary": "x", "actions": [{"what": "y", "who": "z"}]}, format="json"
    )
    assert answer.status_code == 400
    assert (
        as_user(urgent.staff["arbitrator"])
        .post("/api/v1/consultations/999999/plan/", PLAN, format="json")
        .status_code
        == 404
    )
