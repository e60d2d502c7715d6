"""POST /api/v1/cases/{id}/transitions/{name}/: 200 with the case, 404 unknown name or case not visible,
409 wrong state (or lost race), 403 no permission, 400 bad payload; nothing is written unless the transition
succeeds."""

import re
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from disputes.forms import TRANSITION_FORMS
from disputes.models import Case, CaseEvent
from disputes.services import case_transition, transition_names
from disputes.states import CaseStatus as S

from ..factories import case_in_state

CJK = re.compile(r"[\u4e00-\u9fff]")


def url(case, name: str) -> str:
    return f"/api/v1/cases/{case.pk}/transitions/{name}/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def snapshot(case) -> tuple:
    """What must not change when a request is refused."""
    fresh = Case.objects.get(pk=case.pk)
    return (
        fresh.status,
        fresh.station_id,
        fresh.handling_org_id,
        fresh.mediator_id,
        fresh.amount_agreed,
        CaseEvent.objects.filter(case=case).count(),
    )


@pytest.fixture
def assigned(directory):
    return case_in_state(S.ASSIGNED, station=directory.station)


@pytest.fixture
def in_mediation(directory):
    return case_in_state(S.IN_MEDIATION, station=directory.station)


@pytest.fixture
def agreed(directory):
    return case_in_state(S.AGREEMENT_REACHED, station=directory.station)


@pytest.fixture
def mediator(directory):
    return as_user(directory.staff["mediator"])


@pytest.fixture
def station_admin(directory):
    return as_user(directory.staff["station_admin"])


# --- Success ------------------------------------------------------------------------------------------------
def test_a_mediator_accepts_an_assigned_case(assigned, mediator, directory):
    response = mediator.post(url(assigned, "accept"), {"note": "材料齐全，予以受理"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["id"] == assigned.pk
    assert data["status"] == "accepted"
    assert data["station"] == "station-a"
    assert "start_mediation" in data["available_transitions"]
    assigned.refresh_from_db()
    assert assigned.status == S.ACCEPTED
    event = CaseEvent.objects.get(case=assigned)
    assert (event.transition, event.from_state, event.to_state) == ("accept", "assigned", "accepted")
    assert event.actor == directory.staff["mediator"]
    assert event.note == "材料齐全，予以受理"


def test_an_empty_body_is_fine_for_a_transition_without_fields(assigned, mediator):
    assert mediator.post(url(assigned, "accept")).status_code == 200


def test_accept_names_the_mediator_by_username(assigned, station_admin, directory):
    response = station_admin.post(url(assigned, "accept"), {"mediator": "mediator_a"}, format="json")

    assert response.status_code == 200
    assert response.json()["mediator"] == "mediator_a"
    assigned.refresh_from_db()
    assert assigned.mediator == directory.staff["mediator"]
    assert CaseEvent.objects.get(case=assigned).payload == {"mediator": "mediator_a"}


def test_a_form_encoded_body_works_too(agreed, mediator):
    response = mediator.post(url(agreed, "record_fulfilment"), {"amount_paid": "6000.50"})
    assert response.status_code == 200
    assert Case.objects.get(pk=agreed.pk).amount_paid == Decimal("6000.50")


def test_an_amount_may_be_a_json_number(agreed, mediator):
    response = mediator.post(url(agreed, "record_fulfilment"), {"amount_paid": 6000}, format="json")
    assert response.status_code == 200
    assert response.json()["amount_paid"] == "6000.00"


@pytest.mark.parametrize(
    ("who", "state", "name", "body", "where"),
    [
        ("mediator", S.IN_MEDIATION, "record_agreement", {"amount_agreed": "6000"}, "签字"),
        ("arbitrator", S.CONFIRMATION_REQUESTED, "confirm", {"document_number": "1"}, "出具文书"),
        (
            "arbitrator",
            S.REFERRED_TO_ARBITRATION,
            "accept_arbitration",
            {"arbitration_number": "1"},
            "受理通知书",
        ),
    ],
)
def test_a_desk_step_is_refused_on_the_generic_path_with_where_it_is_done(
    directory, who, state, name, body, where
):
    """Recording an agreement needs both signatures, a confirmation or an acceptance issues a document: the
    state never moves on the generic path without what the law attaches to the step."""
    case = case_in_state(state, station=directory.station, region=directory.north)
    if state == S.CONFIRMATION_REQUESTED:
        Case.objects.filter(pk=case.pk).update(handling_org=directory.commission)
    if state == S.REFERRED_TO_ARBITRATION:
        Case.objects.filter(pk=case.pk).update(handling_org=directory.commission)
    before = snapshot(case)
    client = as_user(directory.staff[who])
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert name not in detail["available_transitions"]
    response = client.post(url(case, name), body, format="json")
    assert response.status_code == 409, response.content
    assert where in response.json()["detail"]
    assert snapshot(case) == before


def test_a_station_admin_transfers_a_case_to_another_station(assigned, station_admin):
    """After a transfer the case has left the admin's scope; the answer is still the case as it now
    stands."""
    response = station_admin.post(
        url(assigned, "transfer"), {"station": "station-b", "note": "属外卖行业"}, format="json"
    )

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["station"] == "station-b"
    assert data["available_transitions"] == []
    assert data["worker_id_number"] == "3303**********1234"
    assert Case.objects.get(pk=assigned.pk).station.code == "station-b"


def test_dispatch_to_a_branch(assigned, station_admin):
    response = station_admin.post(
        url(assigned, "dispatch_to_branch"), {"branch": "station-a-1"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["station"] == "station-a-1"


def test_an_intake_clerk_triages_a_recorded_claim(directory):
    case = case_in_state(S.SUBMITTED, intake_org=directory.station)
    response = as_user(directory.staff["intake_clerk"]).post(
        url(case, "triage"), {"station": "station-b"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "assigned"
    assert Case.objects.get(pk=case.pk).station == directory.other


def test_reject_takes_a_reason_code(assigned, station_admin):
    response = station_admin.post(url(assigned, "reject"), {"reason": "duplicate"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert Case.objects.get(pk=assigned.pk).closed_at is not None


def test_the_whole_road_from_mediation_to_close(in_mediation, directory):
    mediator = as_user(directory.staff["mediator"])
    arbitrator = as_user(directory.staff["arbitrator"])
    # The desk steps (both signatures, the commission's decision) are run as their desks run them.
    desk = {
        "record_agreement": (directory.staff["mediator"], {"amount_agreed": Decimal("6000.00")}),
        "confirm": (directory.staff["arbitrator"], {"document_number": "示仲审字〔2026〕1号"}),
    }
    steps = [
        (mediator, "record_agreement", {}, "agreement_reached"),
        (
            mediator,
            "request_confirmation",
            {"route": "arbitration_review", "organization": "arb"},
            "confirmation_requested",
        ),
        (arbitrator, "confirm", {}, "confirmed"),
        (mediator, "record_fulfilment", {"amount_paid": "6000.00"}, "fulfilled"),
        (mediator, "close", {}, "closed"),
    ]
    for client, name, body, status in steps:
        if name in desk:
            actor, payload = desk[name]
            case_transition(case_id=in_mediation.pk, name=name, actor=actor, payload=payload)
            assert Case.objects.get(pk=in_mediation.pk).status == status
            continue
        response = client.post(url(in_mediation, name), body, format="json")
        assert response.status_code == 200, (name, response.content)
        assert response.json()["status"] == status
    # Each step's transition, in order (the upper apps may add history rows of their own between them, such as
    # the commission's receipt of the filing).
    names = {s[1] for s in steps}
    history = [e.transition for e in CaseEvent.objects.filter(case=in_mediation) if e.transition in names]
    assert history == [s[1] for s in steps]


def test_refer_to_arbitration_needs_the_workers_consent(assigned, mediator, directory):
    before = snapshot(assigned)
    response = mediator.post(url(assigned, "refer_to_arbitration"), {"commission": "arb"}, format="json")
    assert response.status_code == 400
    assert "worker_consents" in response.json()["errors"]
    assert snapshot(assigned) == before

    response = mediator.post(
        url(assigned, "refer_to_arbitration"), {"commission": "arb", "worker_consents": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "referred_to_arbitration"
    assert "accept_arbitration" not in response.json()["available_transitions"]  # the commission's desk


# --- Refusals -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["fly", "save", "delete", "get_status_display", "submit"])
def test_an_unknown_transition_is_a_404(assigned, station_admin, name):
    before = snapshot(assigned)
    response = station_admin.post(url(assigned, name), {}, format="json")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert CJK.search(body["detail"])
    assert snapshot(assigned) == before


def test_a_wrong_state_is_a_409_naming_the_current_state(assigned, mediator):
    before = snapshot(assigned)
    response = mediator.post(url(assigned, "record_agreement"), {"amount_agreed": "100"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["current_state"] == "assigned"
    assert "已分派调解组织" in body["detail"] and "assigned" in body["detail"]
    assert snapshot(assigned) == before


def test_a_wrong_state_is_a_409_even_with_a_bad_payload(assigned, mediator):
    response = mediator.post(url(assigned, "record_agreement"), {"amount_agreed": "abc"}, format="json")
    assert response.status_code == 409


def test_the_same_transition_twice_the_second_is_a_409(assigned, mediator):
    assert mediator.post(url(assigned, "accept"), {}, format="json").status_code == 200
    response = mediator.post(url(assigned, "accept"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["current_state"] == "accepted"
    assert "已受理" in response.json()["detail"]
    assert CaseEvent.objects.filter(case=assigned).count() == 1


def test_a_transition_on_a_closed_case_is_a_409(directory, mediator):
    case = case_in_state(S.CLOSED, station=directory.station)
    response = mediator.post(url(case, "withdraw"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["current_state"] == "closed"


def test_losing_a_race_is_a_409_and_writes_nothing_of_its_own(assigned, mediator, directory, monkeypatch):
    """Another staff member's accept commits between this request's checks and its locked write."""
    import disputes.api.views as views

    real = views.transition_form

    def other_click_wins_meanwhile(name, **kwargs):
        case_transition(case_id=assigned.pk, name="accept", actor=directory.staff["station_admin"])
        return real(name, **kwargs)

    monkeypatch.setattr(views, "transition_form", other_click_wins_meanwhile)
    response = mediator.post(url(assigned, "accept"), {}, format="json")

    assert response.status_code == 409
    assert response.json()["current_state"] == "accepted"
    assert [e.actor for e in CaseEvent.objects.filter(case=assigned)] == [directory.staff["station_admin"]]


@pytest.mark.parametrize(
    "who, name",
    [
        ("mediator", "transfer"),
        ("mediator", "reject"),
        ("official", "accept"),
        ("intake_clerk", "accept"),
        ("intake_clerk", "transfer"),
    ],
)
def test_without_permission_is_a_403(directory, who, name):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    before = snapshot(case)
    response = as_user(directory.staff[who]).post(
        url(case, name), {"station": "station-b", "reason": "duplicate"}, format="json"
    )

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert CJK.search(body["detail"])
    assert snapshot(case) == before


def test_another_stations_case_is_a_404_not_a_403(assigned, directory):
    before = snapshot(assigned)
    response = as_user(directory.staff["other_admin"]).post(url(assigned, "accept"), {}, format="json")
    assert response.status_code == 404
    assert snapshot(assigned) == before


def test_a_branch_does_not_see_its_parent_stations_case(assigned, directory):
    response = as_user(directory.staff["branch_mediator"]).post(url(assigned, "accept"), {}, format="json")
    assert response.status_code == 404


def test_a_missing_case_is_a_404(directory, mediator):
    assert mediator.post("/api/v1/cases/999999/transitions/accept/", {}, format="json").status_code == 404


def test_anonymous_is_a_401(assigned):
    before = snapshot(assigned)
    response = APIClient().post(url(assigned, "accept"), {}, format="json")
    assert response.status_code == 401
    assert snapshot(assigned) == before


@pytest.mark.parametrize(
    "who, state, name, body, field",
    [
        ("intake_clerk", S.SUBMITTED, "triage", {"station": "no-such-station"}, "station"),
        ("intake_clerk", S.SUBMITTED, "triage", {}, "station"),
        ("intake_clerk", S.SUBMITTED, "triage", {"station": "court"}, "station"),
        ("station_admin", S.ASSIGNED, "transfer", {"station": "no-such-station"}, "station"),
        ("station_admin", S.ASSIGNED, "transfer", {"station": "station-a"}, "station"),
        ("station_admin", S.ASSIGNED, "dispatch_to_branch", {"branch": "station-b"}, "branch"),
        ("station_admin", S.ASSIGNED, "reject", {"reason": "bored"}, "reason"),
        ("station_admin", S.ASSIGNED, "accept", {"mediator": "mediator_b"}, "mediator"),
        ("mediator", S.AGREEMENT_REACHED, "record_fulfilment", {"amount_paid": "abc"}, "amount_paid"),
        ("mediator", S.AGREEMENT_REACHED, "record_fulfilment", {"amount_paid": "-5"}, "amount_paid"),
        ("mediator", S.AGREEMENT_REACHED, "record_fulfilment", {"amount_paid": "1.234"}, "amount_paid"),
        ("mediator", S.AGREEMENT_REACHED, "record_fulfilment", {}, "amount_paid"),
        ("mediator", S.IN_MEDIATION, "record_failure", {"note": ""}, "note"),
        ("mediator", S.IN_MEDIATION, "withdraw", {"note": "x" * 2001}, "note"),
        (
            "mediator",
            S.AGREEMENT_REACHED,
            "request_confirmation",
            {"route": "arbitration_review", "organization": "court"},
            "organization",
        ),
        (
            "mediator",
            S.AGREEMENT_REACHED,
            "request_confirmation",
            {"route": "telepathy", "organization": "arb"},
            "route",
        ),
    ],
)
def test_a_bad_payload_is_a_400_with_chinese_field_errors_and_nothing_written(
    directory, who, state, name, body, field
):
    case = case_in_state(
        state, station=None if state == S.SUBMITTED else directory.station, intake_org=directory.station
    )
    before = snapshot(case)

    response = as_user(directory.staff[who]).post(url(case, name), body, format="json")

    assert response.status_code == 400, response.content
    data = response.json()
    assert data["code"] == "invalid"
    assert CJK.search(data["detail"])
    assert list(data["errors"]) == [field]
    assert all(CJK.search(message) for message in data["errors"][field])
    assert snapshot(case) == before


@pytest.mark.parametrize("body", ["{not json", "[1, 2", ""])
def test_malformed_json_is_a_400_and_nothing_written(agreed, mediator, body):
    before = snapshot(agreed)
    response = mediator.post(url(agreed, "record_fulfilment"), data=body, content_type="application/json")

    assert response.status_code == 400
    data = response.json()
    assert CJK.search(data["detail"])
    assert snapshot(agreed) == before


@pytest.mark.parametrize("body", ['[{"amount_paid": "100"}]', '"100"', "100", "null"])
def test_a_body_that_is_not_an_object_is_a_400(agreed, mediator, body):
    before = snapshot(agreed)
    response = mediator.post(url(agreed, "record_fulfilment"), data=body, content_type="application/json")

    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert CJK.search(data["detail"])
    assert snapshot(agreed) == before


def test_an_unsupported_media_type_is_a_415(agreed, mediator):
    response = mediator.post(
        url(agreed, "record_fulfilment"), data="amount_paid=1", content_type="text/plain"
    )
    assert response.status_code == 415
    assert CJK.search(response.json()["detail"])


def test_get_is_not_allowed(assigned, mediator):
    assert mediator.get(url(assigned, "accept")).status_code == 405


def test_every_transition_has_a_payload_form():
    assert set(transition_names()) == set(TRANSITION_FORMS)
