"""Who may run which transition: the role × transition matrix on the ``directory`` fixture.

Each scenario puts a case in a source state of the transition, attached to the directory's organizations, and
lists exactly the actors for whom ``has_transition_perm`` is true. Every other actor of the matrix must be
refused."""

from decimal import Decimal

import pytest
from django_fsm import has_transition_perm

from disputes import permissions as perm
from disputes.permissions import SYSTEM, WORKER
from disputes.states import CaseStatus
from organizations.states import OrgType, Role

from ..factories import OrganizationFactory, UserFactory, case_in_state, make_staff

S = CaseStatus

STAFF = [
    "station_admin",
    "mediator",
    "branch_mediator",
    "intake_clerk",
    "other_mediator",
    "other_admin",
    "arbitrator",
    "court_clerk",
    "official",
]
ACTORS = [*STAFF, "other_arbitrator", "other_court_clerk", "inactive_admin", "worker", "system", "superuser"]


@pytest.fixture
def actors(directory):
    other_commission = OrganizationFactory(
        code="arb-2", name="另一仲裁委", region=directory.south, commission=True
    )
    other_court = OrganizationFactory(code="court-2", name="南区人民法院", region=directory.south, court=True)
    inactive = make_staff(org=directory.station, role=Role.STATION_ADMIN, username="admin_a_left")
    inactive.is_active = False
    inactive.save()
    superuser = UserFactory(username="root", is_superuser=True)
    government = OrganizationFactory(
        code="gov-north",
        name="北区新业态劳动纠纷调解站",
        region=directory.north,
        type=OrgType.GOVERNMENT_STATION,
        industry="",
    )
    return {
        **directory.staff,
        "other_arbitrator": make_staff(org=other_commission, role=Role.ARBITRATOR, username="arbitrator_2"),
        "other_court_clerk": make_staff(org=other_court, role=Role.COURT_CLERK, username="court_clerk_2"),
        "inactive_admin": inactive,
        "worker": WORKER,
        "system": SYSTEM,
        "superuser": superuser,
        "_other_commission": other_commission,
        "_other_court": other_court,
        "_government": government,
    }


def _allowed(case, name, actors) -> set[str]:
    return {key for key in ACTORS if has_transition_perm(getattr(case, name), actors[key])}


STATION_ADMINS = {"station_admin", "superuser"}
MEDIATORS = {"station_admin", "mediator", "superuser"}

# (transition, state, station, handling_org, intake_org, allowed actors);
# organizations by directory attribute name.
SCENARIOS = [
    ("triage", S.SUBMITTED, "station", None, None, {"system", "station_admin", "intake_clerk", "superuser"}),
    ("triage", S.SUBMITTED, None, None, "station", {"system", "station_admin", "intake_clerk", "superuser"}),
    ("triage", S.SUBMITTED, None, None, None, {"system"}),  # no organization to be staff of
    ("dispatch_to_branch", S.ASSIGNED, "station", None, None, STATION_ADMINS),
    # The system transfers too: re-routing after staff correct the facts the routing rules read.
    ("transfer", S.ASSIGNED, "station", None, None, STATION_ADMINS | {"system"}),
    ("reject", S.ASSIGNED, "station", None, None, STATION_ADMINS),
    ("accept", S.ASSIGNED, "station", None, None, MEDIATORS),
    ("start_mediation", S.ACCEPTED, "station", None, None, MEDIATORS),
    ("record_agreement", S.IN_MEDIATION, "station", None, None, MEDIATORS),
    ("record_failure", S.IN_MEDIATION, "station", None, None, MEDIATORS),
    ("request_confirmation", S.AGREEMENT_REACHED, "station", None, None, MEDIATORS),
    ("confirm", S.CONFIRMATION_REQUESTED, "station", "court", None, {"court_clerk", "superuser"}),
    ("confirm", S.CONFIRMATION_REQUESTED, "station", "commission", None, {"arbitrator", "superuser"}),
    ("refuse_confirmation", S.CONFIRMATION_REQUESTED, "station", "court", None, {"court_clerk", "superuser"}),
    (
        "refuse_confirmation",
        S.CONFIRMATION_REQUESTED,
        "station",
        "commission",
        None,
        {"arbitrator", "superuser"},
    ),
    ("record_fulfilment", S.AGREEMENT_REACHED, "station", None, None, MEDIATORS),
    ("record_fulfilment", S.CONFIRMED, "station", "court", None, MEDIATORS | {"court_clerk"}),
    # The worker applies for enforcement; staff may record an application made on paper.
    ("open_enforcement", S.CONFIRMED, "station", "court", None, MEDIATORS | {"court_clerk", "worker"}),
    ("close_enforcement", S.ENFORCEMENT, "station", "court", None, {"court_clerk", "superuser"}),
    ("close", S.FULFILLED, "station", None, None, MEDIATORS),
    ("refer_to_arbitration", S.SUBMITTED, "station", None, None, MEDIATORS | {"worker"}),
    ("refer_to_arbitration", S.ASSIGNED, "station", None, None, MEDIATORS | {"worker"}),
    ("refer_to_arbitration", S.IN_MEDIATION, "station", None, None, MEDIATORS | {"worker"}),
    ("refer_to_arbitration", S.MEDIATION_FAILED, "station", None, None, MEDIATORS | {"worker"}),
    ("refer_to_arbitration", S.SUBMITTED, None, None, "station", {"worker", "intake_clerk", "superuser"}),
    (
        "accept_arbitration",
        S.REFERRED_TO_ARBITRATION,
        "station",
        "commission",
        None,
        {"arbitrator", "superuser"},
    ),
    (
        "decline_arbitration",
        S.REFERRED_TO_ARBITRATION,
        "station",
        "commission",
        None,
        {"arbitrator", "superuser"},
    ),
    ("close_arbitration", S.ARBITRATION_ACCEPTED, "station", "commission", None, {"arbitrator", "superuser"}),
    ("withdraw", S.SUBMITTED, "station", None, None, MEDIATORS | {"worker"}),
    ("withdraw", S.IN_MEDIATION, "station", None, None, MEDIATORS | {"worker"}),
    (
        "withdraw",
        S.REFERRED_TO_ARBITRATION,
        "station",
        "commission",
        None,
        MEDIATORS | {"worker", "arbitrator"},
    ),
    ("withdraw", S.CONFIRMED, "station", "court", None, MEDIATORS | {"worker", "court_clerk"}),
    # A case dispatched to the branch: the branch's mediator, and the parent station's staff, may act on it.
    ("accept", S.ASSIGNED, "branch", None, None, MEDIATORS | {"branch_mediator"}),
    ("reject", S.ASSIGNED, "branch", None, None, STATION_ADMINS),
    ("record_agreement", S.IN_MEDIATION, "branch", None, None, MEDIATORS | {"branch_mediator"}),
    # The other station's case: its own staff, never station A's.
    ("accept", S.ASSIGNED, "other", None, None, {"other_mediator", "other_admin", "superuser"}),
    ("transfer", S.ASSIGNED, "other", None, None, {"other_admin", "superuser", "system"}),
    # The neutrality move is the worker's own choice, from an industry station or its branch: nobody else,
    # not even a superuser or the system, may make it for them; at the government station there is no move.
    ("move_to_government_station", S.ASSIGNED, "station", None, None, {"worker"}),
    ("move_to_government_station", S.ACCEPTED, "station", None, None, {"worker"}),
    ("move_to_government_station", S.IN_MEDIATION, "station", None, None, {"worker"}),
    ("move_to_government_station", S.ACCEPTED, "branch", None, None, {"worker"}),
    ("move_to_government_station", S.ASSIGNED, "other", None, None, {"worker"}),
    ("move_to_government_station", S.ASSIGNED, "_government", None, None, set()),
    ("move_to_government_station", S.IN_MEDIATION, "_government", None, None, set()),
    # Sent to the other commission or court: the directory's arbitrator or clerk may not act.
    (
        "accept_arbitration",
        S.REFERRED_TO_ARBITRATION,
        "station",
        "_other_commission",
        None,
        {"other_arbitrator", "superuser"},
    ),
    (
        "confirm",
        S.CONFIRMATION_REQUESTED,
        "station",
        "_other_court",
        None,
        {"other_court_clerk", "superuser"},
    ),
]


def _org(directory, actors, key):
    if key is None:
        return None
    return actors[key] if key.startswith("_") else getattr(directory, key)


def _scenario_id(s):
    return f"{s[0]}-{s[1]}-{s[2]}-{s[3]}-{s[4]}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[_scenario_id(s) for s in SCENARIOS])
def test_role_matrix(scenario, directory, actors):
    name, state, station, handling, intake, expected = scenario
    case = case_in_state(
        state,
        station=_org(directory, actors, station),
        handling_org=_org(directory, actors, handling),
        intake_org=_org(directory, actors, intake),
        region=directory.north,
    )
    assert _allowed(case, name, actors) == expected


def test_every_transition_has_a_scenario():
    from disputes.services import transition_names

    assert {s[0] for s in SCENARIOS} == set(transition_names())


@pytest.mark.parametrize("state", [s for s in S.values if s not in (S.CLOSED, S.WITHDRAWN, S.REJECTED)])
def test_worker_may_only_withdraw_go_to_arbitration_and_leave_an_industry_station(state, directory):
    case = case_in_state(state, station=directory.station)  # an industry station
    allowed = {t.name for t in case.get_available_user_status_transitions(WORKER)}
    expected = {"withdraw"}
    if state in (S.SUBMITTED, S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION, S.MEDIATION_FAILED):
        expected.add("refer_to_arbitration")
    if state in (S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION):
        expected.add("move_to_government_station")
    if state == S.CONFIRMED:
        expected.add("open_enforcement")  # the worker applies for enforcement of the confirmed agreement
    assert allowed == expected


@pytest.mark.parametrize("state", [S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION])
def test_worker_at_the_government_station_has_no_move(state, directory):
    government = OrganizationFactory(
        code="gov-north", region=directory.north, type=OrgType.GOVERNMENT_STATION, industry=""
    )
    case = case_in_state(state, station=government)
    allowed = {t.name for t in case.get_available_user_status_transitions(WORKER)}
    assert allowed == {"withdraw", "refer_to_arbitration"}


@pytest.mark.parametrize("state", S.values)
def test_an_official_may_run_nothing(state, directory):
    case = case_in_state(state, station=directory.station)
    official = directory.staff["official"]
    assert list(case.get_available_user_status_transitions(official)) == []


@pytest.mark.parametrize("state", S.values)
def test_system_may_only_triage_and_transfer(state, directory):
    case = case_in_state(state, station=directory.station)
    allowed = {t.name for t in case.get_available_user_status_transitions(SYSTEM)}
    expected = {S.SUBMITTED: {"triage"}, S.ASSIGNED: {"transfer"}}.get(state, set())
    assert allowed == expected


def test_wrong_state_gives_no_permission_even_to_the_right_role(directory):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    assert not has_transition_perm(case.accept, directory.staff["station_admin"])


def test_unmet_condition_gives_no_permission(directory):
    """accept needs a station; request_confirmation needs the agreed amount."""
    case = case_in_state(S.ASSIGNED, station=None, intake_org=directory.station)
    assert not has_transition_perm(case.accept, directory.staff["station_admin"])
    agreed = case_in_state(S.AGREEMENT_REACHED, station=directory.station, amount_agreed=None)
    assert not has_transition_perm(agreed.request_confirmation, directory.staff["mediator"])
    agreed_ok = case_in_state(S.AGREEMENT_REACHED, station=directory.station, amount_agreed=Decimal("1.00"))
    assert has_transition_perm(agreed_ok.request_confirmation, directory.staff["mediator"])


# --- Seeing a case and its people's data --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "sees", "sees_pii"),
    [
        ("station_admin", True, True),
        ("mediator", True, True),
        ("intake_clerk", True, True),
        ("branch_mediator", False, False),
        ("other_mediator", False, False),
        ("arbitrator", True, True),
        ("court_clerk", False, False),
        ("official", True, False),
    ],
)
def test_seeing_a_case_and_its_personal_data(directory, who, sees, sees_pii):
    case = case_in_state(
        S.REFERRED_TO_ARBITRATION, station=directory.station, handling_org=directory.commission
    )
    user = directory.staff[who]
    assert perm.can_see_case(case, user) is sees
    assert perm.can_see_personal_data(case, user) is sees_pii


@pytest.mark.parametrize("sentinel", [WORKER, SYSTEM])
def test_sentinels_see_nothing_through_staff_predicates(directory, sentinel):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    assert not perm.can_see_case(case, sentinel)
    assert not perm.can_see_personal_data(case, sentinel)
