"""The case's state machine, tested as GSA-TTS/FAC tests theirs.

Every transition runs from exactly the states the life cycle in SPEC.md allows, and from no other. The tables
below are written out by hand on purpose: they are the specification, not a copy of the code."""

import pytest
from django_fsm import can_proceed

from disputes.models import Case
from disputes.states import OPEN_STATES, TERMINAL_STATES, WORKER_LABELS, CaseStatus

S = CaseStatus

ALL_STATES = list(S.values)
OPEN = [
    S.SUBMITTED,
    S.ASSIGNED,
    S.ACCEPTED,
    S.IN_MEDIATION,
    S.AGREEMENT_REACHED,
    S.CONFIRMATION_REQUESTED,
    S.CONFIRMED,
    S.ENFORCEMENT,
    S.FULFILLED,
    S.MEDIATION_FAILED,
    S.REFERRED_TO_ARBITRATION,
    S.ARBITRATION_ACCEPTED,
]
TERMINAL = [S.CLOSED, S.WITHDRAWN, S.REJECTED]

# transition name -> (allowed source states, target state)
EXPECTED = {
    "triage": ({S.SUBMITTED}, S.ASSIGNED),
    "dispatch_to_branch": ({S.ASSIGNED}, S.ASSIGNED),
    "transfer": ({S.ASSIGNED}, S.ASSIGNED),
    # The neutrality move: the worker leaves an industry station for the government station, until mediation ends.
    "move_to_government_station": ({S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION}, S.ASSIGNED),
    "reject": ({S.ASSIGNED}, S.REJECTED),
    "accept": ({S.ASSIGNED}, S.ACCEPTED),
    "start_mediation": ({S.ACCEPTED}, S.IN_MEDIATION),
    "record_agreement": ({S.IN_MEDIATION}, S.AGREEMENT_REACHED),
    "record_failure": ({S.IN_MEDIATION}, S.MEDIATION_FAILED),
    "request_confirmation": ({S.AGREEMENT_REACHED}, S.CONFIRMATION_REQUESTED),
    "confirm": ({S.CONFIRMATION_REQUESTED}, S.CONFIRMED),
    "refuse_confirmation": ({S.CONFIRMATION_REQUESTED}, S.AGREEMENT_REACHED),
    "record_fulfilment": ({S.AGREEMENT_REACHED, S.CONFIRMED}, S.FULFILLED),
    # A confirmed agreement, or an award in effect that is not paid (its condition: arbitration's award row).
    "open_enforcement": ({S.CONFIRMED, S.ARBITRATION_ACCEPTED}, S.ENFORCEMENT),
    "close_enforcement": ({S.ENFORCEMENT}, S.CLOSED),
    "close": ({S.FULFILLED}, S.CLOSED),
    # Mediation is optional (LDMAL Art. 5): every state before an agreement offers arbitration.
    "refer_to_arbitration": (
        {S.SUBMITTED, S.ASSIGNED, S.ACCEPTED, S.IN_MEDIATION, S.MEDIATION_FAILED},
        S.REFERRED_TO_ARBITRATION,
    ),
    "accept_arbitration": ({S.REFERRED_TO_ARBITRATION}, S.ARBITRATION_ACCEPTED),
    "decline_arbitration": ({S.REFERRED_TO_ARBITRATION}, S.CLOSED),
    "close_arbitration": ({S.ARBITRATION_ACCEPTED}, S.CLOSED),
    "withdraw": (set(OPEN), S.WITHDRAWN),
}


def _transitions():
    return list(Case._meta.get_field("status").get_all_transitions(Case))


def _case(state: str) -> Case:
    # In memory: can_proceed(check_conditions=False) looks at the state only.
    return Case(status=state)


def test_the_expected_table_lists_every_transition_of_the_model():
    assert {t.name for t in _transitions()} == set(EXPECTED)


def test_open_and_terminal_states_partition_the_states():
    assert set(OPEN) | set(TERMINAL) == set(ALL_STATES)
    assert set(OPEN_STATES) == set(OPEN)
    assert set(TERMINAL_STATES) == set(TERMINAL)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("state", ALL_STATES)
def test_transition_runs_from_exactly_its_allowed_states(name, state):
    allowed, _target = EXPECTED[name]
    case = _case(state)
    assert can_proceed(getattr(case, name), check_conditions=False) is (state in allowed), (
        f"{name} from {state}: expected {'allowed' if state in allowed else 'refused'}"
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_transition_targets(name):
    _allowed, target = EXPECTED[name]
    declared = {(t.source, t.target) for t in _transitions() if t.name == name}
    assert {source for source, _ in declared} == EXPECTED[name][0]
    assert {t for _, t in declared} == {target}


@pytest.mark.parametrize("state", TERMINAL)
def test_nothing_leaves_a_terminal_state(state):
    case = _case(state)
    assert [t.name for t in case.get_available_status_transitions()] == []
    for name in EXPECTED:
        assert not can_proceed(getattr(case, name), check_conditions=False)


@pytest.mark.parametrize("state", OPEN)
def test_every_open_state_can_be_withdrawn_from_and_left(state):
    case = _case(state)
    assert can_proceed(case.withdraw, check_conditions=False)


def test_status_field_is_protected():
    case = _case(S.SUBMITTED)
    with pytest.raises(AttributeError):
        case.status = S.CLOSED
    assert case.status == S.SUBMITTED


@pytest.mark.django_db
def test_status_field_is_protected_on_a_saved_case():
    from tests.factories import case_in_state

    case = case_in_state(S.ASSIGNED)
    loaded = Case.objects.get(pk=case.pk)
    with pytest.raises(AttributeError):
        loaded.status = S.ACCEPTED
    loaded.refresh_from_db()  # ConcurrentTransitionMixin allows reloading a protected field
    assert loaded.status == S.ASSIGNED


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_has_an_internal_and_a_worker_facing_label(state):
    internal = str(S(state).label)
    worker = str(WORKER_LABELS[state])
    assert internal and internal != state
    assert worker and worker != state


def test_worker_labels_cover_exactly_the_states():
    assert set(WORKER_LABELS) == set(ALL_STATES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_transition_has_a_label(name):
    for t in _transitions():
        if t.name == name:
            assert str(t.custom.get("label", "")).strip(), f"{name} from {t.source} has no label"


def test_a_transition_changes_the_state_in_memory():
    case = _case(S.ACCEPTED)
    case.start_mediation()
    assert case.status == S.IN_MEDIATION
