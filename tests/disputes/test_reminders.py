"""disputes.reminders: one reminder per key however often the scans run; the deadline reminders (due soon on the
rule's days, overdue once); closed cases left alone; the worker's sentence when the mediation limit passes; and the
outbox carrying reminders to the mediator."""

import threading
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction

from disputes.exceptions import UnknownTransition
from disputes.models import Case, CaseDeadline, CaseEvent, DeadlineRule, Reminder
from disputes.permissions import SYSTEM, WORKER
from disputes.reminders import (
    deadline_reminder_for,
    deadline_reminders_scan,
    reminder_record_once,
)
from disputes.services import NOTIFY_TASK, ClaimInput, case_create, case_transition
from disputes.states import ActorKind, CaseStatus
from disputes.tracking import worker_view
from referrals.models import Notification
from referrals.services import case_event_dispatch

from ..factories import case_in_state

S = CaseStatus
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def accepted_case(directory) -> Case:
    """A case filed, triaged and accepted through the services: its mediation limit (mediation.arb_unlock, the
    seeded rule: 15 days, reminders 5 and 1 days before) is running."""
    case, _pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number="11010519491231002X",
        worker_phone="13912345678",
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=directory.station,
    )
    case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    return case_transition(case_id=case.pk, name="accept", actor=directory.staff["station_admin"])


def mediation_limit(case) -> CaseDeadline:
    return CaseDeadline.objects.select_related("rule").get(case=case, rule__code="mediation.arb_unlock")


def reminders_of(case, name=None):
    events = CaseEvent.objects.filter(case=case, transition__in=["deadline_due_soon", "deadline_overdue"])
    if name:
        events = events.filter(transition=name)
    return list(events.order_by("id"))


def keys_of(case):
    return sorted(Reminder.objects.filter(case=case).values_list("key", flat=True))


# --- The mechanism ---------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_key_is_recorded_once_as_a_system_event(directory):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    args = {"case_id": case.pk, "key": "payment:1:due_soon:2026-12-01", "name": "deadline_due_soon"}
    assert reminder_record_once(**args, note="付款将到期", payload={"amount": Decimal("100.00")}) is True
    assert reminder_record_once(**args, note="付款将到期") is False
    [event] = CaseEvent.objects.filter(case=case)
    assert event.transition == "deadline_due_soon"
    assert event.actor_kind == ActorKind.SYSTEM and event.actor is None
    assert event.from_state == event.to_state == S.IN_MEDIATION
    assert event.payload == {"amount": "100.00"} and event.note == "付款将到期"
    reminder = Reminder.objects.get(case=case)
    assert reminder.event_id == event.pk and reminder.key == args["key"]
    # The same key on another case is another reminder.
    other = case_in_state(S.IN_MEDIATION, station=directory.station)
    assert reminder_record_once(**{**args, "case_id": other.pk}) is True


@pytest.mark.django_db
@pytest.mark.parametrize("state", [S.CLOSED, S.WITHDRAWN, S.REJECTED])
def test_a_finished_case_is_never_reminded(directory, state):
    case = case_in_state(state, station=directory.station)
    assert reminder_record_once(case_id=case.pk, key="k", name="deadline_overdue") is False
    assert not CaseEvent.objects.filter(case=case).exists()
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_a_missing_case_an_unknown_event_and_a_bad_key(directory):
    assert reminder_record_once(case_id=987654, key="k", name="deadline_overdue") is False
    case = case_in_state(S.ACCEPTED, station=directory.station)
    with pytest.raises(UnknownTransition):
        reminder_record_once(case_id=case.pk, key="k", name="no_such_event")
    for key in ("", "x" * 201):
        with pytest.raises(ValueError):
            reminder_record_once(case_id=case.pk, key=key, name="deadline_overdue")
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_the_reminder_is_announced_after_commit_and_a_rollback_leaves_nothing(
    directory, django_capture_on_commit_callbacks, _quiet_tasks
):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    with django_capture_on_commit_callbacks(execute=True):
        reminder_record_once(case_id=case.pk, key="k1", name="deadline_overdue")
    event = CaseEvent.objects.get(case=case)
    _quiet_tasks.assert_called_once_with(NOTIFY_TASK, event_id=event.pk)

    _quiet_tasks.reset_mock()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        reminder_record_once(case_id=case.pk, key="k2", name="deadline_overdue")
        raise RuntimeError("the caller's transaction fails")
    assert callbacks == [] and not _quiet_tasks.called
    assert keys_of(case) == ["k1"]
    # Rolled back, the key is free: the next scan sends it.
    assert reminder_record_once(case_id=case.pk, key="k2", name="deadline_overdue") is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_calls_record_one_reminder(postgres, directory):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = reminder_record_once(case_id=case.pk, key="race", name="deadline_overdue")
        except Exception as exc:  # asserted below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert sorted(results) == [False, True], results
    assert CaseEvent.objects.filter(case=case, transition="deadline_overdue").count() == 1
    assert Reminder.objects.filter(case=case).count() == 1


# --- Deadline reminders ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_scan_reminds_before_on_the_rules_days_and_once_each(directory):
    case = accepted_case(directory)
    deadline = mediation_limit(case)
    assert deadline.rule.remind_days_before == [5, 1]
    due = deadline.due_on

    assert deadline_reminders_scan(today=due - timedelta(days=6)) == []
    key5 = f"deadline:mediation.arb_unlock:{due.isoformat()}:due_soon:5"
    assert deadline_reminders_scan(today=due - timedelta(days=5)) == [(case.pk, key5)]
    assert deadline_reminders_scan(today=due - timedelta(days=5)) == []  # the same day again
    assert deadline_reminders_scan(today=due - timedelta(days=3)) == []  # still the five-day reminder
    key1 = f"deadline:mediation.arb_unlock:{due.isoformat()}:due_soon:1"
    assert deadline_reminders_scan(today=due - timedelta(days=1)) == [(case.pk, key1)]
    assert deadline_reminders_scan(today=due) == []

    [five, one] = reminders_of(case, "deadline_due_soon")
    assert five.actor_kind == ActorKind.SYSTEM
    assert five.payload == {
        "rule": "mediation.arb_unlock",
        "rule_name": deadline.rule.name,
        "due_on": due.isoformat(),
        "days_before": 5,
    }
    assert "还剩 5 天" in five.note and due.isoformat() in five.note
    assert "还剩 1 天" in one.note


@pytest.mark.django_db
def test_a_scan_that_missed_days_sends_only_the_tightest_reminder(directory):
    case = accepted_case(directory)
    due = mediation_limit(case).due_on
    [(case_id, key)] = deadline_reminders_scan(today=due)  # first run on the last day
    assert key.endswith(":due_soon:1")
    assert len(reminders_of(case)) == 1
    assert "今天到期" in reminders_of(case)[0].note


@pytest.mark.django_db
def test_an_overdue_deadline_is_reminded_once_however_often_the_scan_runs(directory):
    case = accepted_case(directory)
    due = mediation_limit(case).due_on
    after = due + timedelta(days=1)
    assert deadline_reminders_scan(today=after) == [
        (case.pk, f"deadline:mediation.arb_unlock:{due.isoformat()}:overdue")
    ]
    for day in range(1, 10):
        assert deadline_reminders_scan(today=after + timedelta(days=day)) == []
    [event] = reminders_of(case, "deadline_overdue")
    assert event.payload["rule"] == "mediation.arb_unlock" and event.payload["due_on"] == due.isoformat()
    assert "已于" in event.note and mediation_limit(case).rule.consequence in event.note


@pytest.mark.django_db
def test_a_deadline_that_moves_is_reminded_again(directory):
    case = accepted_case(directory)
    deadline = mediation_limit(case)
    due = deadline.due_on
    assert len(deadline_reminders_scan(today=due - timedelta(days=1))) == 1
    CaseDeadline.objects.filter(pk=deadline.pk).update(due_on=due + timedelta(days=7))  # a holiday notice
    assert deadline_reminders_scan(today=due - timedelta(days=1)) == []
    assert len(deadline_reminders_scan(today=due + timedelta(days=6))) == 1


@pytest.mark.django_db
def test_met_inactive_and_closed_are_not_reminded(directory):
    met = accepted_case(directory)
    case_transition(case_id=met.pk, name="start_mediation", actor=directory.staff["mediator"])
    case_transition(
        case_id=met.pk,
        name="record_failure",
        actor=directory.staff["mediator"],
        payload={"reason": "用人单位拒绝调解"},
    )
    assert mediation_limit(met).met_at is not None

    closed = case_in_state(S.CLOSED, station=directory.station)
    rule = DeadlineRule.objects.get(code="mediation.arb_unlock")
    # A stale row on a finished case (its refresh would have made it inactive): still not reminded.
    CaseDeadline.objects.create(case=closed, rule=rule, starts_on=TODAY, due_on=TODAY, is_active=True)
    inactive = case_in_state(S.IN_MEDIATION, station=directory.station)
    CaseDeadline.objects.create(case=inactive, rule=rule, starts_on=TODAY, due_on=TODAY, is_active=False)
    retired = case_in_state(S.IN_MEDIATION, station=directory.station)
    retired_rule = DeadlineRule.objects.create(
        code="test.retired", name="已停用", worker_text="-", source="-", trigger="accept", is_active=False
    )
    CaseDeadline.objects.create(case=retired, rule=retired_rule, starts_on=TODAY, due_on=TODAY)

    for day in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=30)):
        assert [r for r in deadline_reminders_scan(today=day) if r[0] != met.pk] == []
    assert deadline_reminders_scan(today=mediation_limit(met).due_on + timedelta(days=1)) == []
    assert not Reminder.objects.exclude(case=met).exists()
    assert not Reminder.objects.filter(case=met, key__contains="mediation.arb_unlock").exists()


@pytest.mark.django_db
def test_a_rule_without_reminder_days_reminds_only_when_overdue(directory):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    rule = DeadlineRule.objects.create(
        code="test.quiet",
        name="测试期限",
        worker_text="-",
        source="-",
        trigger="accept",
        remind_days_before=[],
    )
    CaseDeadline.objects.create(case=case, rule=rule, starts_on=TODAY, due_on=TODAY)
    assert deadline_reminders_scan(today=TODAY) == []
    assert deadline_reminders_scan(today=TODAY + timedelta(days=1)) == [
        (case.pk, f"deadline:test.quiet:{TODAY.isoformat()}:overdue")
    ]


@pytest.mark.django_db
def test_acceptance_rules_get_their_daily_alarm_instead_of_the_generic_overdue_reminder(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    rule = DeadlineRule.objects.get(code="station.acceptance")
    deadline = CaseDeadline.objects.create(case=case, rule=rule, starts_on=TODAY, due_on=TODAY)
    assert deadline_reminder_for(deadline, today=TODAY + timedelta(days=2)) is None
    assert deadline_reminder_for(deadline, today=TODAY - timedelta(days=1)).kind == "due_soon"


# --- What people see -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_worker_is_told_they_may_go_to_arbitration_when_the_mediation_limit_passes(directory):
    case = accepted_case(directory)
    due = mediation_limit(case).due_on
    deadline_reminders_scan(today=due - timedelta(days=1))  # due soon: for staff only
    deadline_reminders_scan(today=due + timedelta(days=1))
    case = Case.objects.get(pk=case.pk)
    texts = [item.text for item in worker_view(case=case, today=due + timedelta(days=1)).history]
    assert any("可以申请劳动仲裁" in text and "第十四条" in text for text in texts), texts
    assert not any("还剩" in text or "提醒" in text for text in texts), texts
    assert all(event.note not in texts for event in reminders_of(case))  # staff notes never reach the worker


@pytest.mark.django_db
def test_other_overdue_deadlines_read_plainly_for_the_worker(directory):
    case = case_in_state(S.IN_MEDIATION, station=directory.station)
    rule = DeadlineRule.objects.create(
        code="test.visit", name="上门走访期限", worker_text="-", source="-", trigger="accept"
    )
    CaseDeadline.objects.create(case=case, rule=rule, starts_on=TODAY, due_on=TODAY)
    deadline_reminders_scan(today=TODAY + timedelta(days=1))
    texts = [item.text for item in worker_view(case=case).history]
    assert f"“上门走访期限”已于 {TODAY.isoformat()} 届满，我们已提醒工作人员尽快办理。" in texts


@pytest.mark.django_db
def test_a_reminder_reaches_the_mediator_through_the_outbox(directory):
    mediator = directory.staff["mediator"]
    case = case_in_state(S.IN_MEDIATION, station=directory.station, mediator=mediator)
    reminder_record_once(case_id=case.pk, key="k", name="deadline_overdue", payload={"rule": "x"})
    event = CaseEvent.objects.get(case=case)
    case_event_dispatch(event_id=event.pk)
    notes = Notification.objects.filter(event=event)
    # The mediator, and (for a deadline that passed) the station's staff: referrals migration 0007.
    told = set(notes.values_list("recipient_user_id", flat=True))
    assert told == {mediator.pk, directory.staff["station_admin"].pk}
    note = notes.get(recipient_user=mediator)
    assert case.tracking_code in note.body and "期限已届满提醒" in note.body


@pytest.mark.django_db
def test_the_beat_runs_the_scan_hourly(directory, settings):
    from disputes.tasks import deadline_reminders_task

    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["disputes.deadline_reminders"]["schedule"] <= 24 * 3600
    case = accepted_case(directory)
    due = mediation_limit(case).due_on
    with mock.patch("disputes.reminders.timezone.localdate", return_value=due + timedelta(days=1)):
        assert deadline_reminders_task() == 1
        assert deadline_reminders_task() == 0
