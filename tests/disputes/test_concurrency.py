"""Two staff clicking at once must not both win (SPEC.md).

The row lock in case_transition makes the second call see the new state and answer 409; the optimistic check
of ConcurrentTransitionMixin catches a stale in-memory copy."""

import threading
from unittest import mock

import pytest
from django.db import connection, transaction
from django_fsm import ConcurrentTransition

from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.services import NOTIFY_TASK, case_transition
from disputes.states import CaseStatus

from ..factories import case_in_state

S = CaseStatus


def _race(calls):
    """Run each (name, actor, payload) in its own thread with its own connection, released at one barrier."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, name, actor, payload):
        try:
            barrier.wait(timeout=10)
            results[index] = case_transition(case_id=case_id, name=name, actor=actor, payload=payload)
        except Exception as exc:  # recorded and asserted on below
            results[index] = exc
        finally:
            connection.close()

    case_id = calls[0][0]
    threads = [
        threading.Thread(target=run, args=(i, name, actor, payload))
        for i, (_case_id, name, actor, payload) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a transition hung"
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("second_name", "second_payload", "winner_states"),
    [
        ("accept", {}, {S.ACCEPTED}),
        ("reject", {"reason": "重复申请"}, {S.ACCEPTED, S.REJECTED}),
    ],
)
def test_two_concurrent_transitions_one_wins(postgres, directory, second_name, second_payload, winner_states):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    admin, mediator = directory.staff["station_admin"], directory.staff["mediator"]
    first_actor, second_actor = (mediator, admin) if second_name == "reject" else (admin, mediator)
    with mock.patch("config.celery.enqueue") as enqueue:
        results = _race(
            [
                (case.pk, "accept", first_actor, {}),
                (case.pk, second_name, second_actor, second_payload),
            ]
        )
    wins = [r for r in results if isinstance(r, Case)]
    conflicts = [r for r in results if isinstance(r, TransitionConflict)]
    assert len(wins) == 1, results
    assert len(conflicts) == 1, results
    saved = Case.objects.get(pk=case.pk)
    assert saved.status == wins[0].status
    assert saved.status in winner_states
    events = list(CaseEvent.objects.filter(case=case))
    assert len(events) == 1
    assert events[0].to_state == saved.status
    # The conflict names the state the winner left behind.
    assert conflicts[0].current_state == saved.status
    enqueue.assert_called_once_with(NOTIFY_TASK, event_id=events[0].pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_transition_many_threads_exactly_one_accept(postgres, directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    actors = [directory.staff["station_admin"], directory.staff["mediator"]] * 2
    with mock.patch("config.celery.enqueue"):
        results = _race([(case.pk, "accept", actor, {}) for actor in actors])
    assert sum(isinstance(r, Case) for r in results) == 1, results
    assert sum(isinstance(r, TransitionConflict) for r in results) == len(actors) - 1, results
    assert CaseEvent.objects.filter(case=case, transition="accept").count() == 1


@pytest.mark.django_db
def test_stale_copy_cannot_be_saved(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)
    first.accept()
    with transaction.atomic():
        first.save()
    second.reject(reason="重复申请")
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED


@pytest.mark.django_db
def test_stale_copy_of_the_same_transition_cannot_be_saved(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)
    first.accept()
    first.save()
    second.accept()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()
    # Once reloaded, the copy is current and may move on.
    second.refresh_from_db()
    assert second.status == S.ACCEPTED
    second.start_mediation()
    second.save()
    assert Case.objects.get(pk=case.pk).status == S.IN_MEDIATION
