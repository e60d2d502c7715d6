"""disputes.services.case_transition: the saved state, one CaseEvent, deadlines refreshed, and the
notification published only after commit."""

import importlib
from datetime import date, datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from disputes.exceptions import TransitionConflict, UnknownTransition
from disputes.models import Case, CaseDeadline, CaseEvent, DeadlineRule
from disputes.permissions import SYSTEM, WORKER
from disputes.services import NOTIFY_TASK, case_transition, transition_guard
from disputes.states import ActorKind, CaseStatus

from ..factories import case_in_state

S = CaseStatus
TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(db):
    """The seeded deadline rules (a transactional test elsewhere may have flushed the migration's seed)."""
    seed = importlib.import_module("disputes.migrations.0002_history_append_only_and_deadline_rules")
    for rule in seed.RULES:
        DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)


@pytest.fixture
def enqueue():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


class Boom(Exception):
    pass


def _events(case):
    return list(CaseEvent.objects.filter(case=case).order_by("id"))


# --- The happy path -----------------------------------------------------------------------------------------
def test_accept_saves_state_writes_one_event_and_enqueues_after_commit(
    directory, enqueue, django_capture_on_commit_callbacks
):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    admin = directory.staff["station_admin"]
    mediator = directory.staff["mediator"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = case_transition(
            case_id=case.pk, name="accept", actor=admin, note="材料齐全", payload={"mediator": mediator}
        )
    assert result.status == S.ACCEPTED
    saved = Case.objects.get(pk=case.pk)
    assert saved.status == S.ACCEPTED
    assert saved.mediator == mediator
    assert saved.closed_at is None

    [event] = _events(case)
    assert event.transition == "accept"
    assert (event.from_state, event.to_state) == (S.ASSIGNED, S.ACCEPTED)
    assert event.actor == admin
    assert event.actor_kind == ActorKind.STAFF
    assert event.note == "材料齐全"
    assert event.payload == {"mediator": mediator.username}

    # Nothing is published before commit; the callback publishes the event id.
    assert callbacks, "no on_commit callback registered"
    enqueue.assert_not_called()
    for callback in callbacks:
        callback()
    enqueue.assert_called_once_with(NOTIFY_TASK, event_id=event.pk)
    assert NOTIFY_TASK == "referrals.dispatch_case_event"


def test_enqueue_runs_when_the_transaction_commits(directory, enqueue, django_capture_on_commit_callbacks):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, name="start_mediation", actor=directory.staff["mediator"])
    [event] = _events(case)
    enqueue.assert_called_once_with("referrals.dispatch_case_event", event_id=event.pk)


@pytest.mark.parametrize(
    ("state", "name", "payload", "expected_payload", "extra"),
    [
        (
            S.IN_MEDIATION,
            "record_agreement",
            {"amount_agreed": Decimal("6000.50")},
            {"amount_agreed": "6000.50"},
            {"amount_agreed": Decimal("6000.50")},
        ),
        (
            S.IN_MEDIATION,
            "refer_to_arbitration",
            {"commission": "commission"},
            {"commission": "arb"},
            {"handling_org": "commission"},
        ),
        (
            S.ASSIGNED,
            "dispatch_to_branch",
            {"branch": "branch"},
            {"branch": "station-a-1"},
            {"station": "branch"},
        ),
        (
            S.ASSIGNED,
            "reject",
            {"reason": "不属于劳动争议"},
            {"reason": "不属于劳动争议"},
            {"outcome_note": "不属于劳动争议"},
        ),
    ],
)
def test_payload_is_stored_as_json(directory, enqueue, state, name, payload, expected_payload, extra):
    case = case_in_state(state, station=directory.station)
    payload = {k: getattr(directory, v) if k in ("commission", "branch") else v for k, v in payload.items()}
    case_transition(case_id=case.pk, name=name, actor=directory.staff["station_admin"], payload=payload)
    [event] = _events(case)
    assert event.payload == expected_payload
    saved = Case.objects.get(pk=case.pk)
    for field, value in extra.items():
        expected = getattr(directory, value) if field in ("station", "handling_org") else value
        assert getattr(saved, field) == expected


@pytest.mark.parametrize(("actor_key", "kind"), [("worker", ActorKind.WORKER), ("system", ActorKind.SYSTEM)])
def test_sentinel_actors_are_recorded_by_kind(directory, enqueue, actor_key, kind):
    if actor_key == "worker":
        case = case_in_state(S.MEDIATION_FAILED, station=directory.station)
        case_transition(
            case_id=case.pk,
            name="refer_to_arbitration",
            actor=WORKER,
            payload={"commission": directory.commission},
        )
    else:
        case = case_in_state(S.SUBMITTED)
        case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    [event] = _events(case)
    assert event.actor is None
    assert event.actor_kind == kind


# --- Rollback -----------------------------------------------------------------------------------------------
def test_rollback_of_the_surrounding_transaction_writes_and_enqueues_nothing(
    directory, enqueue, django_capture_on_commit_callbacks
):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        case_transition(case_id=case.pk, name="accept", actor=directory.staff["station_admin"])
        raise Boom
    assert callbacks == []
    enqueue.assert_not_called()
    assert Case.objects.get(pk=case.pk).status == S.ASSIGNED
    assert _events(case) == []
    assert not CaseDeadline.objects.filter(case=case).exists()


def test_a_failing_transition_body_writes_nothing(directory, enqueue, django_capture_on_commit_callbacks):
    """A bad payload raises inside the service: no state change, no event, no callback."""
    case = case_in_state(S.ASSIGNED, station=directory.station)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(TypeError),
        transaction.atomic(),
    ):
        case_transition(
            case_id=case.pk, name="accept", actor=directory.staff["station_admin"], payload={"nonsense": 1}
        )
    assert callbacks == []
    enqueue.assert_not_called()
    assert Case.objects.get(pk=case.pk).status == S.ASSIGNED
    assert _events(case) == []


# --- Refusals -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "name", "label"),
    [
        (S.ACCEPTED, "accept", "已受理"),
        (S.CLOSED, "withdraw", "已结案"),
        (S.AGREEMENT_REACHED, "refer_to_arbitration", "已达成调解协议"),
        (S.WITHDRAWN, "refer_to_arbitration", "已撤回"),
    ],
)
def test_wrong_state_is_a_conflict_naming_the_current_state(directory, enqueue, state, name, label):
    case = case_in_state(state, station=directory.station)
    with pytest.raises(TransitionConflict) as excinfo:
        case_transition(
            case_id=case.pk,
            name=name,
            actor=directory.staff["station_admin"],
            payload={"commission": directory.commission} if name == "refer_to_arbitration" else {},
        )
    message = str(excinfo.value)
    assert label in message
    assert state in message
    assert excinfo.value.current_state == state
    assert excinfo.value.name == name
    assert _events(case) == []
    assert Case.objects.get(pk=case.pk).status == state


@pytest.mark.parametrize("who", ["official", "other_mediator", "court_clerk"])
def test_wrong_state_is_a_conflict_even_without_permission(directory, enqueue, who):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    with pytest.raises(TransitionConflict):
        case_transition(case_id=case.pk, name="accept", actor=directory.staff[who])
    with pytest.raises(TransitionConflict):
        transition_guard(case=case, name="accept", actor=directory.staff[who])


def test_unmet_condition_is_a_conflict_with_a_reason(directory, enqueue):
    case = case_in_state(S.ASSIGNED, station=None, intake_org=directory.station)
    with pytest.raises(TransitionConflict) as excinfo:
        case_transition(case_id=case.pk, name="accept", actor=directory.staff["station_admin"])
    assert "前置条件" in str(excinfo.value)


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("other_mediator", "accept"),
        ("official", "accept"),
        ("mediator", "reject"),
        ("arbitrator", "accept"),
    ],
)
def test_no_permission_is_permission_denied_and_writes_nothing(directory, enqueue, who, name):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    payload = {"reason": "x"} if name == "reject" else {}
    with pytest.raises(PermissionDenied):
        case_transition(case_id=case.pk, name=name, actor=directory.staff[who], payload=payload)
    assert Case.objects.get(pk=case.pk).status == S.ASSIGNED
    assert _events(case) == []
    enqueue.assert_not_called()


@pytest.mark.parametrize("name", ["fly", "save", "delete", "refresh_from_db", "", "ACCEPT"])
def test_unknown_name_is_unknown_transition(directory, enqueue, name):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    with pytest.raises(UnknownTransition):
        case_transition(case_id=case.pk, name=name, actor=directory.staff["station_admin"])
    assert Case.objects.filter(pk=case.pk).exists()
    assert _events(case) == []


def test_worker_may_not_accept(directory, enqueue):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    with pytest.raises(PermissionDenied):
        case_transition(case_id=case.pk, name="accept", actor=WORKER)


# --- Terminal states ----------------------------------------------------------------------------------------
AT = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("state", "name", "actor", "payload", "handling"),
    [
        (S.ASSIGNED, "reject", "station_admin", {"reason": "重复申请"}, None),
        (S.IN_MEDIATION, "withdraw", "worker", {"reason": "已和解"}, None),
        (S.FULFILLED, "close", "mediator", {}, None),
        (
            S.REFERRED_TO_ARBITRATION,
            "decline_arbitration",
            "arbitrator",
            {"reason": "超出时效"},
            "commission",
        ),
        (S.ARBITRATION_ACCEPTED, "close_arbitration", "arbitrator", {"outcome": "裁决"}, "commission"),
        (S.ENFORCEMENT, "close_enforcement", "court_clerk", {"amount_recovered": Decimal("100")}, "court"),
    ],
)
def test_terminal_states_set_closed_at(directory, enqueue, state, name, actor, payload, handling):
    case = case_in_state(
        state, station=directory.station, handling_org=getattr(directory, handling) if handling else None
    )
    who = WORKER if actor == "worker" else directory.staff[actor]
    case_transition(case_id=case.pk, name=name, actor=who, payload=payload, at=AT)
    saved = Case.objects.get(pk=case.pk)
    assert saved.status in (S.REJECTED, S.WITHDRAWN, S.CLOSED)
    assert saved.closed_at == AT
    [event] = _events(case)
    assert event.created_at == AT


@pytest.mark.parametrize(
    ("state", "name", "payload"),
    [(S.ACCEPTED, "start_mediation", {}), (S.IN_MEDIATION, "record_failure", {"reason": "差距大"})],
)
def test_open_states_leave_closed_at_empty(directory, enqueue, state, name, payload):
    case = case_in_state(state, station=directory.station)
    case_transition(case_id=case.pk, name=name, actor=directory.staff["mediator"], payload=payload, at=AT)
    assert Case.objects.get(pk=case.pk).closed_at is None


# --- Deadlines ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("accepted_at", "starts_on", "due_on"),
    [
        (datetime(2026, 3, 2, 10, 0, tzinfo=TZ), date(2026, 3, 2), date(2026, 3, 17)),
        # 2026-02-05 + 15 = 2026-02-20, inside the Spring Festival holiday (02-15..02-23): rolls to 02-24.
        (datetime(2026, 2, 5, 10, 0, tzinfo=TZ), date(2026, 2, 5), date(2026, 2, 24)),
        # 2026-09-20 + 15 = 2026-10-05, inside the National Day holiday: rolls to 10-08.
        (datetime(2026, 9, 20, 9, 0, tzinfo=TZ), date(2026, 9, 20), date(2026, 10, 8)),
        # Late evening UTC is the next morning in China: the local date starts the period.
        (datetime(2026, 3, 1, 17, 0, tzinfo=ZoneInfo("UTC")), date(2026, 3, 2), date(2026, 3, 17)),
    ],
)
def test_accept_creates_the_mediation_deadline(directory, enqueue, rules, accepted_at, starts_on, due_on):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    case_transition(case_id=case.pk, name="accept", actor=directory.staff["station_admin"], at=accepted_at)
    deadline = CaseDeadline.objects.get(case=case, rule__code="mediation.arb_unlock")
    assert deadline.starts_on == starts_on
    assert deadline.due_on == due_on
    assert deadline.is_active
    assert deadline.met_at is None
    assert deadline.provisional is False


def test_record_agreement_marks_the_mediation_deadline_met(directory, enqueue, rules):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    mediator = directory.staff["mediator"]
    case_transition(case_id=case.pk, name="accept", actor=mediator, at=datetime(2026, 3, 2, 9, tzinfo=TZ))
    case_transition(
        case_id=case.pk, name="start_mediation", actor=mediator, at=datetime(2026, 3, 3, 9, tzinfo=TZ)
    )
    agreed_at = datetime(2026, 3, 10, 15, tzinfo=TZ)
    case_transition(
        case_id=case.pk,
        name="record_agreement",
        actor=mediator,
        payload={"amount_agreed": Decimal("5000")},
        at=agreed_at,
    )
    deadline = CaseDeadline.objects.get(case=case, rule__code="mediation.arb_unlock")
    assert deadline.met_at == agreed_at
    assert deadline.is_active is False
    # The agreement starts its own windows: arbitration review 15 days, judicial confirmation 30 days.
    review = CaseDeadline.objects.get(case=case, rule__code="agreement.arb_review_window")
    assert (review.starts_on, review.due_on) == (date(2026, 3, 10), date(2026, 3, 25))
    assert review.is_active and review.met_at is None
    jc = CaseDeadline.objects.get(case=case, rule__code="agreement.jc_window")
    assert jc.due_on == date(2026, 4, 9)
    assert [e.transition for e in _events(case)] == ["accept", "start_mediation", "record_agreement"]


def test_refer_to_arbitration_starts_the_acceptance_decision_in_working_days(directory, enqueue, rules):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    case_transition(
        case_id=case.pk,
        name="refer_to_arbitration",
        actor=WORKER,
        payload={"commission": directory.commission},
        at=datetime(2026, 2, 12, 11, tzinfo=TZ),
    )
    decision = CaseDeadline.objects.get(case=case, rule__code="arb.acceptance_decision")
    # 5 working days from Thu 2026-02-12: 13 (Fri), 14 (swapped Sat), 24, 25, 26 (the holiday skipped).
    assert decision.due_on == date(2026, 2, 26)
    assert decision.is_active
