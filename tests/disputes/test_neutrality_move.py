"""The neutrality move: the worker (and only the worker) moves a case from an industry-association station, or one
of its branch outlets, to the government new-employment-form station of the region or the nearest region above,
at any time before an agreement; one confirmed action on /track/, recorded in the history."""

import html
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import can_proceed

from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.permissions import SYSTEM, WORKER
from disputes.services import ClaimInput, case_create, case_transition
from disputes.states import ActorKind, CaseStatus
from disputes.tracking import tracking_move_to_government_station, worker_actions, worker_view
from disputes.triage import government_station_for
from organizations.states import OrgType

from ..factories import OrganizationFactory, RegionFactory, case_in_state

pytestmark = pytest.mark.django_db
S = CaseStatus


@pytest.fixture(autouse=True)
def _quiet():
    cache.clear()
    with mock.patch("config.celery.enqueue") as patched:
        yield patched
    cache.clear()


@pytest.fixture
def gov(directory):
    return OrganizationFactory(
        code="gov-city",
        name="示范市新业态劳动纠纷调解站",
        region=directory.city,
        type=OrgType.GOVERNMENT_STATION,
        industry="",
    )


def filed_at(station, *, to: str = S.ASSIGNED, staff=None):
    """A case filed by the worker with ``station`` chosen, triaged, and taken on to ``to``; (case, pin)."""
    case, pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number="11010519491231002X",
        worker_phone="13912345678",
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=station,
    )
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": station})
    if to in (S.ACCEPTED, S.IN_MEDIATION):
        case_transition(case_id=case.pk, name="accept", actor=staff, payload={"mediator": staff})
    if to == S.IN_MEDIATION:
        case_transition(case_id=case.pk, name="start_mediation", actor=staff)
    return Case.objects.get(pk=case.pk), pin


# --- The transition --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("state", [S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION])
def test_the_worker_moves_the_case_before_an_agreement(directory, gov, state):
    case, _pin = filed_at(directory.station, to=state, staff=directory.staff["mediator"])
    moved = tracking_move_to_government_station(case_id=case.pk)
    assert moved.status == S.ASSIGNED and moved.station == gov and moved.mediator is None
    event = CaseEvent.objects.get(case=case, transition="move_to_government_station")
    assert event.actor_kind == ActorKind.WORKER and event.actor is None
    assert event.from_state == state and event.payload == {"station": "gov-city"}


def test_from_a_branch_outlet_of_an_industry_station(directory, gov):
    case, _pin = filed_at(directory.station)
    case_transition(
        case_id=case.pk,
        name="dispatch_to_branch",
        actor=directory.staff["station_admin"],
        payload={"branch": directory.branch},
    )
    assert tracking_move_to_government_station(case_id=case.pk).station == gov


@pytest.mark.parametrize(
    "state",
    [
        S.SUBMITTED,
        S.AGREEMENT_REACHED,
        S.CONFIRMATION_REQUESTED,
        S.CONFIRMED,
        S.FULFILLED,
        S.MEDIATION_FAILED,
        S.REFERRED_TO_ARBITRATION,
        S.REJECTED,
        S.WITHDRAWN,
        S.CLOSED,
    ],
)
def test_not_after_an_agreement_nor_outside_the_station_states(directory, state):
    case = case_in_state(state, station=directory.station)
    assert not can_proceed(case.move_to_government_station, check_conditions=False)


@pytest.mark.parametrize("state", [S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION])
def test_the_allowed_source_states(directory, state):
    case = case_in_state(state, station=directory.station)
    assert can_proceed(case.move_to_government_station)


def test_only_the_worker_may_make_the_move(directory, gov):
    case, _pin = filed_at(directory.station)
    for actor in [SYSTEM, *directory.staff.values()]:
        with pytest.raises(PermissionDenied):
            case_transition(
                case_id=case.pk, name="move_to_government_station", actor=actor, payload={"station": gov}
            )
    assert Case.objects.get(pk=case.pk).station == directory.station


def test_not_from_a_government_union_or_peoples_station(directory, gov):
    union = OrganizationFactory(
        code="union", region=directory.north, type=OrgType.UNION_COMMITTEE, industry=""
    )
    for station in (gov, union):
        case, _pin = filed_at(station)
        with pytest.raises(TransitionConflict):
            tracking_move_to_government_station(case_id=case.pk)
        assert not worker_actions(case).move_to_government


def test_the_government_station_of_the_region_or_the_nearest_above(directory):
    assert government_station_for(case_in_state(S.ASSIGNED, station=directory.station)) is None
    city_station = OrganizationFactory(
        code="gov-city", region=directory.city, type=OrgType.GOVERNMENT_STATION, industry=""
    )
    case = case_in_state(S.ASSIGNED, station=directory.station)
    assert government_station_for(case) == city_station  # the station's district has none: the city's
    north_station = OrganizationFactory(
        code="gov-north", region=directory.north, type=OrgType.GOVERNMENT_STATION, industry=""
    )
    assert government_station_for(case) == north_station
    north_station.accepts_claims = False
    north_station.save()
    assert government_station_for(case) == city_station


def test_without_a_government_station_the_worker_is_told_and_nothing_moves(directory):
    case, _pin = filed_at(directory.station)
    assert not worker_actions(case).move_to_government
    with pytest.raises(ValidationError):
        tracking_move_to_government_station(case_id=case.pk)
    assert not CaseEvent.objects.filter(case=case, transition="move_to_government_station").exists()


def test_the_history_sentence_names_the_government_station(directory, gov):
    case, _pin = filed_at(directory.station)
    tracking_move_to_government_station(case_id=case.pk)
    texts = [h.text for h in worker_view(case=Case.objects.get(pk=case.pk)).history]
    assert "您选择改由政府设立的新业态劳动纠纷调解站办理，申请已转交示范市新业态劳动纠纷调解站。" in texts


# --- /track/ -------------------------------------------------------------------------------------------------
def visible_text(response) -> str:
    page = re.sub(r"(?is)<(script|style|template|head)[^>]*>.*?</\1>", " ", response.content.decode())
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def open_case(client, case, pin):
    response = client.post("/track/", {"tracking_code": case.tracking_code, "access_pin": pin})
    assert response.status_code == 302


def test_the_tracking_page_offers_the_move_with_a_confirm_step(client, directory, gov):
    case, pin = filed_at(directory.station, to=S.IN_MEDIATION, staff=directory.staff["mediator"])
    open_case(client, case, pin)
    page = client.get("/track/")
    assert 'data-testid="move-to-government"' in page.content.decode()
    assert "确认转交" not in visible_text(page)
    confirm = client.get("/track/?confirm=move")
    text = visible_text(confirm)
    assert "确认转交" in text and "示范市新业态劳动纠纷调解站" in text

    unconfirmed = client.post("/track/", {"action": "move_to_government_station"})
    assert unconfirmed.status_code == 302 and "confirm=move" in unconfirmed["Location"]
    assert Case.objects.get(pk=case.pk).station == directory.station

    done = client.post("/track/", {"action": "move_to_government_station", "confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == "/track/"
    moved = Case.objects.get(pk=case.pk)
    assert moved.station == gov and moved.status == S.ASSIGNED
    after = visible_text(client.get("/track/"))
    assert "已按您的选择，将申请转交示范市新业态劳动纠纷调解站办理。" in after
    assert "改由政府调解站办理" not in after  # no longer at an industry station


def test_the_move_is_not_offered_after_an_agreement(client, directory, gov):
    case, pin = filed_at(directory.station, to=S.IN_MEDIATION, staff=directory.staff["mediator"])
    case_transition(
        case_id=case.pk,
        name="record_agreement",
        actor=directory.staff["mediator"],
        payload={"amount_agreed": Decimal("4000")},
    )
    open_case(client, case, pin)
    assert 'data-testid="move-to-government"' not in client.get("/track/").content.decode()
    assert "确认转交" not in visible_text(client.get("/track/?confirm=move"))
    refused = client.post("/track/", {"action": "move_to_government_station", "confirm": "yes"})
    assert refused.status_code == 302
    assert Case.objects.get(pk=case.pk).station == directory.station


def test_the_move_needs_an_opened_case(client, directory, gov):
    case, _pin = filed_at(directory.station)
    response = client.post("/track/", {"action": "move_to_government_station", "confirm": "yes"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).station == directory.station


def test_a_sub_region_case_goes_to_its_own_districts_station(directory):
    street = RegionFactory(code="north-1", name="东街街道", parent=directory.north)
    district = OrganizationFactory(
        code="gov-north", region=directory.north, type=OrgType.GOVERNMENT_STATION, industry=""
    )
    case = case_in_state(S.ASSIGNED, station=directory.station, region=street)
    assert government_station_for(case) == district
