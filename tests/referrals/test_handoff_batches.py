"""Batched delivery (referrals.handoffs.handoff_deliveries_deliver): a task claims a batch of due inbox rows in one
statement and delivers them in one transaction; webhook and e-mail rows are still claimed and sent one at a time.
Per-row guarantees hold as for a single delivery: one attempt counted per claim, one message per staff member and
handoff however often a row is delivered, lapsed leases taken back by the sweep, dead letters after three lapses."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone

from disputes.models import CaseEvent
from disputes.states import CaseStatus
from referrals import handoffs
from referrals.models import AgencyEndpoint, Handoff, HandoffDelivery, Notification
from referrals.states import DeliveryChannel, DeliveryStatus, HandoffKind, HandoffStatus
from referrals.tasks import deliver_handoff

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_handoffs(directory, django_capture_on_commit_callbacks):
    """``n`` handoffs to the arbitration commission, written by ``handoff_create`` and not yet delivered (their
    messages are captured, not run); returns their inbox deliveries, oldest first."""
    case = case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station)

    def make(n: int) -> list[HandoffDelivery]:
        with django_capture_on_commit_callbacks(execute=False):
            for _n in range(n):
                handoffs.handoff_create(
                    case=case, kind=HandoffKind.ARBITRATION, to_org=directory.commission, note="batch"
                )
        return list(HandoffDelivery.objects.filter(channel=DeliveryChannel.INBOX).order_by("pk"))

    return make


def _inbox_messages() -> int:
    return Notification.objects.filter(idempotency_key__startswith="handoff:").count()


def test_one_call_claims_and_delivers_a_whole_batch_of_due_inbox_rows(make_handoffs, directory):
    rows = make_handoffs(7)
    delivered = handoffs.handoff_deliveries_deliver(delivery_ids=[rows[0].pk], fill=10)
    assert delivered == 7
    assert set(HandoffDelivery.objects.values_list("status", "attempts", "lapses")) == {
        (DeliveryStatus.DELIVERED, 1, 0)
    }
    assert set(Handoff.objects.values_list("status", flat=True)) == {HandoffStatus.DELIVERED}
    assert not HandoffDelivery.objects.filter(delivered_at=None).exists()
    # The commission's one staff member: one message per handoff, each with its own key.
    arbitrator = directory.staff["arbitrator"]
    assert Notification.objects.filter(recipient_user=arbitrator).count() == 7 == _inbox_messages()
    assert "新的移交" in Notification.objects.filter(recipient_user=arbitrator).first().body


def test_fill_is_bounded_and_takes_the_oldest_due_rows_first(make_handoffs):
    rows = make_handoffs(6)
    assert handoffs.handoff_deliveries_deliver(delivery_ids=[rows[5].pk], fill=2) == 3
    delivered = set(
        HandoffDelivery.objects.filter(status=DeliveryStatus.DELIVERED).values_list("pk", flat=True)
    )
    assert delivered == {rows[0].pk, rows[1].pk, rows[5].pk}


def test_a_row_delivered_by_one_batch_is_not_claimed_by_the_next(make_handoffs):
    rows = make_handoffs(3)
    ids = [row.pk for row in rows]
    assert handoffs.handoff_deliveries_deliver(delivery_ids=ids) == 3
    assert handoffs.handoff_deliveries_deliver(delivery_ids=ids, fill=100) == 0
    assert set(HandoffDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert _inbox_messages() == 3


def test_rows_not_yet_due_and_rows_held_by_a_claim_are_left_alone(make_handoffs):
    rows = make_handoffs(3)
    HandoffDelivery.objects.filter(pk=rows[0].pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    HandoffDelivery.objects.filter(pk=rows[1].pk).update(
        status=DeliveryStatus.SENDING, attempts=1, lease_until=timezone.now() + timedelta(minutes=2)
    )
    assert handoffs.handoff_deliveries_deliver(delivery_ids=[rows[0].pk, rows[1].pk], fill=100) == 1
    statuses = dict(HandoffDelivery.objects.values_list("pk", "status"))
    assert statuses == {
        rows[0].pk: DeliveryStatus.PENDING,
        rows[1].pk: DeliveryStatus.SENDING,
        rows[2].pk: DeliveryStatus.DELIVERED,
    }


@override_settings(HANDOFF_RETRY_BASE_SECONDS=60)
def test_webhook_rows_are_claimed_one_at_a_time_and_never_taken_by_fill(make_handoffs, directory):
    AgencyEndpoint.objects.create(
        organization=directory.commission,
        webhook_url="http://127.0.0.1:9/hook",  # nothing listens: a connection error, retried from the row
        secret="s3cret",
        timeout_seconds=1,
    )
    make_handoffs(2)
    webhooks = list(HandoffDelivery.objects.filter(channel=DeliveryChannel.WEBHOOK).order_by("pk"))
    inbox = HandoffDelivery.objects.filter(channel=DeliveryChannel.INBOX)
    assert len(webhooks) == 2

    assert handoffs.handoff_deliveries_deliver(delivery_ids=[inbox.first().pk], fill=100) == 2
    assert set(inbox.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert set(
        HandoffDelivery.objects.filter(channel=DeliveryChannel.WEBHOOK).values_list("attempts", flat=True)
    ) == {0}  # fill took the inbox rows only

    assert handoffs.handoff_deliveries_deliver(delivery_ids=[webhooks[0].pk], fill=100) == 0
    first = HandoffDelivery.objects.get(pk=webhooks[0].pk)
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    assert "ConnectError" in first.last_error and first.next_attempt_at > timezone.now()
    assert HandoffDelivery.objects.get(pk=webhooks[1].pk).attempts == 0


def test_a_batch_that_fails_as_a_whole_is_delivered_row_by_row(make_handoffs, directory):
    rows = make_handoffs(3)
    with mock.patch.object(handoffs, "inbox_notify_many", side_effect=RuntimeError("bulk insert failed")):
        delivered = handoffs.handoff_deliveries_deliver(delivery_ids=[row.pk for row in rows])
    assert delivered == 3
    assert set(HandoffDelivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.DELIVERED, 1)}
    assert _inbox_messages() == 3


def test_a_batch_whose_task_died_lapses_and_is_delivered_once_afterwards(make_handoffs, settings):
    settings.HANDOFF_MAX_LAPSES = 3
    rows = make_handoffs(4)
    # A task claims the batch, then dies before delivering it (nothing of the delivery was committed).
    claimed = handoffs._claim_inbox_batch(ids=[rows[0].pk], fill=10)
    assert sorted(claimed) == [row.pk for row in rows]
    assert (
        handoffs.handoff_deliveries_deliver(delivery_ids=claimed, fill=10) == 0
    )  # leased: nobody may take them
    HandoffDelivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))

    assert handoffs.handoff_deliveries_sweep() == 4
    assert set(HandoffDelivery.objects.values_list("status", "lapses", "attempts")) == {
        (DeliveryStatus.PENDING, 1, 1)
    }
    assert handoffs.handoff_deliveries_deliver(delivery_ids=claimed) == 4
    # Every second attempt is explained by the lapse; each message exists once.
    assert set(HandoffDelivery.objects.values_list("status", "lapses", "attempts")) == {
        (DeliveryStatus.DELIVERED, 1, 2)
    }
    assert _inbox_messages() == 4


def test_three_lapses_of_a_batch_make_dead_letters(make_handoffs, settings):
    settings.HANDOFF_MAX_LAPSES = 3
    rows = make_handoffs(2)
    for _lapse in range(3):
        assert len(handoffs._claim_inbox_batch(ids=[], fill=10)) == 2
        HandoffDelivery.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
        handoffs.handoff_deliveries_sweep()
    assert set(HandoffDelivery.objects.values_list("status", "lapses", "attempts")) == {
        (DeliveryStatus.DEAD, 3, 3)
    }
    assert CaseEvent.objects.filter(transition="handoff_dead_letter").count() == 2
    assert handoffs.handoff_deliveries_deliver(delivery_ids=[row.pk for row in rows], fill=10) == 0
    assert _inbox_messages() == 0


def test_the_sweep_publishes_inbox_rows_in_batches_and_external_rows_alone(
    make_handoffs, directory, settings
):
    settings.HANDOFF_BATCH_SIZE = 2
    AgencyEndpoint.objects.create(organization=directory.commission, email="arb@example.org")
    make_handoffs(5)
    with mock.patch.object(handoffs, "enqueue_on_commit") as enqueue:
        assert handoffs.handoff_deliveries_sweep() == 10
    messages = [call.kwargs["delivery_ids"] for call in enqueue.call_args_list]
    channels = dict(HandoffDelivery.objects.values_list("pk", "channel"))
    inbox = [ids for ids in messages if channels[ids[0]] == DeliveryChannel.INBOX]
    email = [ids for ids in messages if channels[ids[0]] == DeliveryChannel.EMAIL]
    assert sorted(len(ids) for ids in inbox) == [1, 2, 2]
    assert all(channels[pk] == DeliveryChannel.INBOX for ids in inbox for pk in ids)
    assert len(email) == 5 and all(len(ids) == 1 for ids in email)
    assert sorted(pk for ids in messages for pk in ids) == sorted(channels)


def test_handoff_create_publishes_one_message_with_all_its_rows(
    directory, django_capture_on_commit_callbacks
):
    AgencyEndpoint.objects.create(organization=directory.commission, email="arb@example.org")
    case = case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station)
    with (
        mock.patch("referrals.handoffs.enqueue_on_commit") as enqueue,
        django_capture_on_commit_callbacks(execute=False),
    ):
        handoff = handoffs.handoff_create(
            case=case, kind=HandoffKind.ARBITRATION, to_org=directory.commission
        )
    enqueue.assert_called_once_with(
        handoffs.DELIVER_TASK, delivery_ids=sorted(handoff.deliveries.values_list("pk", flat=True))
    )


def test_the_task_in_process_delivers_only_its_own_rows(make_handoffs):
    rows = make_handoffs(3)
    # Eager (the demo without a broker): a request delivers what it wrote, never a backlog of other rows.
    assert deliver_handoff.apply(kwargs={"delivery_ids": [rows[0].pk]}).get() == 1
    # A message published before batches existed names one row.
    assert deliver_handoff.apply(kwargs={"delivery_id": rows[1].pk}).get() == 1
    assert HandoffDelivery.objects.get(pk=rows[2].pk).status == DeliveryStatus.PENDING
