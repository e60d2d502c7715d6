"""Assigning a mediator: the station admin assigns an available mediator of the case's own station (a history
event, no state change); a station with automatic assignment gets, at acceptance, the available mediator with the
fewest open cases, preferring one who speaks the worker's language, ties to the lowest id."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disputes.exceptions import TransitionConflict
from disputes.forms import AcceptForm
from disputes.models import Case, CaseEvent
from disputes.permissions import SYSTEM
from disputes.services import case_transition
from disputes.states import ActorKind, CaseStatus
from disputes.triage import case_assign_mediator, mediator_auto_pick
from organizations.models import Membership
from organizations.states import Role
from referrals.models import Notification
from referrals.services import case_event_dispatch

from ..factories import case_in_state, make_staff

pytestmark = pytest.mark.django_db
S = CaseStatus


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


@pytest.fixture
def team(directory):
    """Station A with three mediators besides mediator_a, and automatic assignment on."""
    station = directory.station
    station.auto_assign = True
    station.save()
    people = {
        "m1": make_staff(org=station, role=Role.MEDIATOR, username="m1"),
        "m2": make_staff(org=station, role=Role.MEDIATOR, username="m2"),
        "m3": make_staff(org=station, role=Role.MEDIATOR, username="m3"),
    }
    people["mediator_a"] = directory.staff["mediator"]
    return people


def load(user, n: int, station) -> None:
    for _ in range(n):
        case_in_state(S.IN_MEDIATION, station=station, mediator=user)


def set_member(user, station, **fields) -> None:
    Membership.objects.filter(user=user, organization=station, role=Role.MEDIATOR).update(**fields)


# --- Manual assignment ---------------------------------------------------------------------------------------
def test_the_station_admin_assigns_an_available_mediator_and_it_is_recorded(directory, team):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    admin = directory.staff["station_admin"]
    result = case_assign_mediator(case_id=case.pk, mediator=team["m2"], actor=admin, note="熟悉快递行业")
    assert result.mediator == team["m2"] and result.status == S.ACCEPTED
    event = CaseEvent.objects.get(case=case, transition="assign_mediator")
    assert event.from_state == event.to_state == S.ACCEPTED
    assert event.payload == {"mediator": "m2", "previous": None} and event.actor == admin
    assert event.actor_kind == ActorKind.STAFF and event.note == "熟悉快递行业"

    case_event_dispatch(event_id=event.pk)
    assert Notification.objects.filter(event=event, recipient_user=team["m2"]).exists()

    again = case_assign_mediator(case_id=case.pk, mediator=team["m3"], actor=admin)
    assert again.mediator == team["m3"]
    assert (
        CaseEvent.objects.filter(case=case, transition="assign_mediator").last().payload["previous"] == "m2"
    )


def test_only_available_mediators_of_the_cases_own_station(directory, team):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    admin = directory.staff["station_admin"]
    set_member(team["m1"], directory.station, is_available=False)
    for who in (
        team["m1"],
        directory.staff["other_mediator"],
        directory.staff["branch_mediator"],
        admin,
        None,
    ):
        with pytest.raises(ValidationError):
            case_assign_mediator(case_id=case.pk, mediator=who, actor=admin)
    assert Case.objects.get(pk=case.pk).mediator is None
    assert not CaseEvent.objects.filter(case=case).exists()


def test_only_the_station_admin_may_assign(directory, team):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    for actor in (team["m1"], directory.staff["other_admin"], directory.staff["official"]):
        with pytest.raises(PermissionDenied):
            case_assign_mediator(case_id=case.pk, mediator=team["m2"], actor=actor)


@pytest.mark.parametrize("state", [S.SUBMITTED, S.AGREEMENT_REACHED, S.CLOSED, S.WITHDRAWN])
def test_assignment_is_for_a_case_at_the_station_before_an_agreement(directory, team, state):
    kwargs = {} if state == S.SUBMITTED else {"station": directory.station}
    case = case_in_state(state, **kwargs)
    with pytest.raises(TransitionConflict):
        case_assign_mediator(case_id=case.pk, mediator=team["m1"], actor=directory.staff["station_admin"])


# --- Automatic assignment ------------------------------------------------------------------------------------
def test_the_mediator_with_fewest_open_cases_gets_the_case(directory, team):
    load(team["mediator_a"], 3, directory.station)
    load(team["m1"], 2, directory.station)
    load(team["m2"], 1, directory.station)
    load(team["m3"], 2, directory.station)
    case = case_in_state(S.ASSIGNED, station=directory.station)
    assert mediator_auto_pick(case=case) == team["m2"]


def test_closed_cases_do_not_count_and_ties_go_to_the_lowest_id(directory, team):
    load(team["mediator_a"], 1, directory.station)
    load(team["m1"], 1, directory.station)
    case_in_state(S.CLOSED, station=directory.station, mediator=team["m2"])
    case_in_state(S.CLOSED, station=directory.station, mediator=team["m3"])
    case = case_in_state(S.ASSIGNED, station=directory.station)
    expected = min((team["m2"], team["m3"]), key=lambda u: u.pk)
    assert mediator_auto_pick(case=case) == expected
    assert mediator_auto_pick(case=case) == expected  # deterministic


def test_a_mediator_marked_away_gets_nothing(directory, team):
    load(team["mediator_a"], 5, directory.station)
    load(team["m1"], 5, directory.station)
    load(team["m3"], 5, directory.station)
    set_member(team["m2"], directory.station, is_available=False)
    case = case_in_state(S.ASSIGNED, station=directory.station)
    assert mediator_auto_pick(case=case) in {team["mediator_a"], team["m1"], team["m3"]}


def test_the_workers_language_comes_before_the_load(directory, team):
    load(team["m3"], 4, directory.station)
    set_member(team["m3"], directory.station, languages=["zh", "ug"])
    set_member(team["m1"], directory.station, languages=["yue"])
    case = case_in_state(S.ASSIGNED, station=directory.station, language="ug")
    assert mediator_auto_pick(case=case) == team["m3"]


def test_without_a_speaker_the_least_loaded_is_chosen(directory, team):
    load(team["mediator_a"], 1, directory.station)
    load(team["m2"], 1, directory.station)
    load(team["m3"], 1, directory.station)
    case = case_in_state(S.ASSIGNED, station=directory.station, language="bo")
    assert mediator_auto_pick(case=case) == team["m1"]


def test_a_mandarin_case_prefers_those_who_speak_mandarin(directory, team):
    for user in (team["mediator_a"], team["m1"], team["m2"]):
        set_member(user, directory.station, languages=["yue"])
    load(team["m3"], 3, directory.station)  # languages empty: Mandarin
    case = case_in_state(S.ASSIGNED, station=directory.station)
    assert case.language == "zh"
    assert mediator_auto_pick(case=case) == team["m3"]


def test_no_automatic_assignment_unless_the_station_chose_it(directory, team):
    directory.station.auto_assign = False
    directory.station.save()
    case = case_in_state(S.ASSIGNED, station=directory.station)
    assert mediator_auto_pick(case=case) is None


def test_acceptance_without_a_mediator_assigns_one_automatically(directory, team):
    load(team["mediator_a"], 2, directory.station)
    load(team["m1"], 1, directory.station)
    load(team["m3"], 1, directory.station)
    case = case_in_state(S.ASSIGNED, station=directory.station)
    form = AcceptForm(data={"mediator": "", "note": ""}, case=case)
    assert form.is_valid()
    accepted = case_transition(
        case_id=case.pk, name="accept", actor=directory.staff["station_admin"], payload=form.payload()
    )
    assert accepted.status == S.ACCEPTED and accepted.mediator == team["m2"]
    assert CaseEvent.objects.get(case=case, transition="accept").payload == {"mediator": "m2"}


def test_a_named_mediator_at_acceptance_wins_over_automatic_assignment(directory, team):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    form = AcceptForm(data={"mediator": "m3", "note": ""}, case=case)
    assert form.is_valid()
    assert form.payload() == {"mediator": team["m3"]}


def test_the_admin_assign_page(client, directory, team):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    client.force_login(directory.staff["station_admin"])
    url = f"/admin/disputes/routingrule/case/{case.pk}/assign/"
    page = client.get(url)
    assert page.status_code == 200 and "m1" in page.content.decode()
    response = client.post(url, {"mediator": team["m1"].pk, "note": ""})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).mediator == team["m1"]
    client.force_login(team["m1"])
    assert client.get(url).status_code == 403
    client.force_login(directory.staff["other_admin"])
    assert client.get(url).status_code == 404


def test_the_system_may_assign_too(directory, team):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    case_assign_mediator(case_id=case.pk, mediator=team["m1"], actor=SYSTEM)
    assert CaseEvent.objects.get(case=case, transition="assign_mediator").actor_kind == ActorKind.SYSTEM
