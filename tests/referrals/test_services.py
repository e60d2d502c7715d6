"""The notification outbox: fan-out once, delivery claimed once, failures retried from the row, sweepers."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from disputes.models import CaseEvent
from disputes.permissions import SYSTEM
from disputes.services import case_transition
from referrals import services
from referrals.models import EventDispatch, Notification
from referrals.states import NotificationChannel, NotificationStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    # These tests run at any hour; quiet hours have their own (tests/referrals/test_notifications_quiet_hours.py).
    settings.SMS_QUIET_HOURS = ""


def _triaged(directory, django_capture_on_commit_callbacks):
    case = case_in_state("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    return case, CaseEvent.objects.get(case=case, transition="triage")


def test_a_transition_notifies_the_worker_by_sms_and_the_station_in_app(
    directory, django_capture_on_commit_callbacks
):
    case, event = _triaged(directory, django_capture_on_commit_callbacks)
    notes = Notification.objects.filter(event=event)
    sms = notes.get(channel=NotificationChannel.SMS)
    assert sms.to_worker and sms.status == NotificationStatus.SENT
    assert case.tracking_code in sms.body and "13812345678" not in sms.body
    in_app = set(
        notes.filter(channel=NotificationChannel.IN_APP).values_list("recipient_user__username", flat=True)
    )
    assert in_app == {"admin_a", "mediator_a"}
    assert not notes.filter(recipient_user=directory.staff["other_mediator"]).exists()


def test_fan_out_happens_once_however_often_it_is_called(directory, django_capture_on_commit_callbacks):
    case, event = _triaged(directory, django_capture_on_commit_callbacks)
    before = Notification.objects.filter(event=event).count()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.case_event_dispatch(event_id=event.pk) == []
    assert Notification.objects.filter(event=event).count() == before
    assert EventDispatch.objects.filter(event=event).count() == 1


def test_a_vanished_event_is_a_no_op():
    assert services.case_event_dispatch(event_id=987654321) == []


def test_delivery_is_claimed_once(directory):
    case = case_in_state("assigned", station=directory.station)
    note = Notification.objects.create(
        case=case, channel=NotificationChannel.SMS, to_worker=True, body="x", idempotency_key="k1"
    )
    with mock.patch("referrals.sms.ConsoleSmsBackend.send") as send:
        assert services.notification_deliver(notification_id=note.pk) is True
        assert services.notification_deliver(notification_id=note.pk) is False
    assert send.call_count == 1
    note.refresh_from_db()
    assert note.status == NotificationStatus.SENT and note.attempts == 1


def test_a_failed_delivery_is_retried_later_then_marked_failed(directory):
    case = case_in_state("assigned", station=directory.station)
    note = Notification.objects.create(
        case=case, channel=NotificationChannel.SMS, to_worker=True, body="x", idempotency_key="k2"
    )
    with mock.patch("referrals.sms.ConsoleSmsBackend.send", side_effect=OSError("gateway down")):
        for attempt in range(1, services.MAX_ATTEMPTS + 1):
            Notification.objects.filter(pk=note.pk).update(next_attempt_at=timezone.now())
            assert services.notification_deliver(notification_id=note.pk) is False
            note.refresh_from_db()
            assert note.attempts == attempt
            assert note.next_attempt_at > timezone.now()
            assert "gateway down" in note.last_error
    assert note.status == NotificationStatus.FAILED


def test_sweepers_republish_what_the_broker_never_got(directory):
    case = case_in_state("assigned", station=directory.station)
    event = CaseEvent.objects.create(
        case=case, transition="triage", from_state="submitted", to_state="assigned", actor_kind="system"
    )
    stuck = Notification.objects.create(
        case=case,
        channel=NotificationChannel.SMS,
        to_worker=True,
        body="x",
        idempotency_key="k3",
        status=NotificationStatus.SENDING,
        lease_until=timezone.now() - timedelta(minutes=1),
    )
    with mock.patch.object(services, "enqueue_on_commit") as enqueue:
        assert services.events_sweep() == 1
        assert services.notifications_sweep() == 1
    enqueue.assert_any_call("referrals.dispatch_case_event", event_id=event.pk)
    enqueue.assert_any_call(services.DELIVER_TASK, notification_id=stuck.pk)
