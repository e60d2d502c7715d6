"""GET /api/v1/cases/{id}/history/: the case's events, oldest first, for the staff who may see the case."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.services import case_transition
from disputes.states import CaseStatus as S

from ..factories import case_in_state

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def url(case) -> str:
    return f"/api/v1/cases/{case.pk}/history/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def worked_case(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    mediator = directory.staff["mediator"]
    case_transition(case_id=case.pk, name="accept", actor=mediator, note="予以受理", at=T0)
    case_transition(case_id=case.pk, name="start_mediation", actor=mediator, at=T0 + timedelta(days=1))
    case_transition(
        case_id=case.pk,
        name="record_agreement",
        actor=mediator,
        note="双方同意分期支付",
        payload={"amount_agreed": "5000.00"},
        at=T0 + timedelta(days=2),
    )
    return case


def test_the_history_lists_the_events_in_order(worked_case, directory):
    response = as_user(directory.staff["mediator"]).get(url(worked_case))

    assert response.status_code == 200
    events = response.json()
    assert [(e["transition"], e["from_state"], e["to_state"]) for e in events] == [
        ("accept", "assigned", "accepted"),
        ("start_mediation", "accepted", "in_mediation"),
        ("record_agreement", "in_mediation", "agreement_reached"),
    ]
    first, _, last = events
    assert first["actor"] == "mediator_a"
    assert first["note"] == "予以受理"
    assert last["note"] == "双方同意分期支付"
    assert last["payload"] == {"amount_agreed": "5000.00"}
    assert last["to_state_display"] == "已达成调解协议"
    assert datetime.fromisoformat(first["created_at"]) == T0
    assert [datetime.fromisoformat(e["created_at"]) for e in events] == sorted(
        datetime.fromisoformat(e["created_at"]) for e in events
    )


def test_a_transition_through_the_api_appears_in_the_history(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    client = as_user(directory.staff["station_admin"])
    assert (
        client.post(f"/api/v1/cases/{case.pk}/transitions/accept/", {"note": "ok"}, format="json").status_code
        == 200
    )

    events = client.get(url(case)).json()
    assert len(events) == 1
    assert events[0]["transition"] == "accept"
    assert events[0]["actor"] == "admin_a"
    assert events[0]["actor_kind"] == "staff"


def test_a_worker_or_system_event_has_no_staff_actor(directory):
    from disputes.permissions import SYSTEM

    case = case_in_state(S.SUBMITTED, intake_org=directory.station)
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    event = as_user(directory.staff["mediator"]).get(url(case)).json()[0]
    assert event["actor"] is None
    assert event["actor_kind"] == "system"
    assert event["payload"] == {"station": "station-a"}


def test_an_official_of_the_region_may_read_it(worked_case, directory):
    assert len(as_user(directory.staff["official"]).get(url(worked_case)).json()) == 3


def test_a_case_without_events_has_an_empty_history(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    response = as_user(directory.staff["mediator"]).get(url(case))
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("who", ["other_mediator", "other_admin", "court_clerk"])
def test_a_case_not_visible_is_a_404(worked_case, directory, who):
    response = as_user(directory.staff[who]).get(url(worked_case))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "双方同意" not in response.content.decode()


def test_a_missing_case_is_a_404(directory):
    assert as_user(directory.staff["mediator"]).get("/api/v1/cases/999999/history/").status_code == 404


def test_anonymous_is_a_401(worked_case):
    assert APIClient().get(url(worked_case)).status_code == 401
