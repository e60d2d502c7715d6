"""Fault: the worker is killed with SIGKILL in the middle of 1,000 webhook deliveries, and in the middle of a batch
of inbox deliveries.

A prefork worker (two pool processes) delivers 1,000 handoffs to a receiver on 127.0.0.1. When the 300th message
reaches the receiver (which applies it, then holds its answer), the test kills the worker's whole process group
with SIGKILL: that message was sent and never recorded, others were claimed or prefetched and never finished. A new
worker starts and the sweep (beat's job, run here by the test) takes back the rows whose three-second lease ran
out. Every handoff must be delivered, each counted once by the receiver, which deduplicates on ``Idempotency-Key``.
"""

import json
import signal

import pytest
from django.db import connection
from django.db.models import F

from config.celery import enqueue
from disputes.states import CaseStatus
from organizations.models import Organization
from referrals.handoffs import DELIVER_TASK, handoff_deliveries_sweep, handoff_packet
from referrals.models import AgencyEndpoint, Handoff, HandoffDelivery, Notification
from referrals.states import DeliveryChannel, DeliveryStatus, HandoffKind, HandoffStatus

from ..factories import OrganizationFactory, case_in_state
from .conftest import subprocess_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DELIVERIES = 1_000
CASES = 20
KILL_AT = 300
LEASE_SECONDS = 3


@pytest.fixture
def legal_aid_centre(webhook_receiver) -> Organization:
    """A receiving organization whose own system takes handoffs by webhook (it has no staff in the platform)."""
    centre = OrganizationFactory(code="legal-aid", name="示范市法律援助中心")
    AgencyEndpoint.objects.create(
        organization=centre,
        webhook_url=webhook_receiver.url,
        secret=webhook_receiver.secret,
        timeout_seconds=5,
    )
    return centre


def _handoffs_waiting_for_delivery(*, to_org: Organization, cases: list) -> list[int]:
    """``DELIVERIES`` handoffs with one webhook delivery each, as ``handoff_create`` writes them, in bulk (the
    test is about delivering them); returns the delivery ids, not yet published."""
    packets = {
        case.pk: json.dumps(
            handoff_packet(case=case, kind=HandoffKind.LEGAL_AID), ensure_ascii=False, default=str
        )
        for case in cases
    }
    handoffs = Handoff.objects.bulk_create(
        Handoff(
            case=cases[n % CASES],
            kind=HandoffKind.LEGAL_AID,
            from_org_id=cases[n % CASES].station_id,
            to_org=to_org,
            packet_json=packets[cases[n % CASES].pk],
            idempotency_key=f"fault-test:{n}",
        )
        for n in range(DELIVERIES)
    )
    deliveries = HandoffDelivery.objects.bulk_create(
        HandoffDelivery(handoff=h, channel=DeliveryChannel.WEBHOOK, idempotency_key=f"handoff:{h.pk}:webhook")
        for h in handoffs
    )
    return [d.pk for d in deliveries]


def test_a_worker_killed_mid_way_loses_nothing_and_the_receiver_applies_each_once(
    directory, legal_aid_centre, webhook_receiver, redis_broker, spawn, settings
):
    cases = [case_in_state(CaseStatus.IN_MEDIATION, station=directory.station) for _ in range(CASES)]
    for delivery_id in _handoffs_waiting_for_delivery(to_org=legal_aid_centre, cases=cases):
        assert enqueue(DELIVER_TASK, delivery_id=delivery_id)
    webhooks = HandoffDelivery.objects.filter(channel=DeliveryChannel.WEBHOOK)
    assert webhooks.count() == DELIVERIES

    settings.HANDOFF_LEASE_SECONDS = LEASE_SECONDS
    env = subprocess_env(HANDOFF_LEASE_SECONDS=str(LEASE_SECONDS))
    webhook_receiver.hold_at = KILL_AT
    first = spawn.worker(env, queues="handoffs", pool="prefork", concurrency=2)
    assert webhook_receiver.holding.wait(120), first.output()[-3000:]
    first.kill(signal.SIGKILL)  # the main process and its pool, at once
    webhook_receiver.release.set()

    interrupted = list(
        webhooks.filter(status=DeliveryStatus.SENDING).values_list("idempotency_key", flat=True)
    )
    held = webhook_receiver.requests[KILL_AT - 1]
    assert held in interrupted  # sent and applied, never recorded as delivered
    delivered_before = webhooks.filter(status=DeliveryStatus.DELIVERED).count()
    assert KILL_AT - 10 <= delivered_before < DELIVERIES - 100  # killed in the middle

    spawn.worker(env, queues="handoffs", pool="prefork", concurrency=2)

    def all_delivered():
        handoff_deliveries_sweep()
        return not HandoffDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()

    assert wait_until(all_delivered, timeout=120, interval=1.0), list(
        HandoffDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).values(
            "status", "lapses", "last_error"
        )[:5]
    )

    keys = set(webhooks.values_list("idempotency_key", flat=True))
    assert len(keys) == DELIVERIES
    # The receiver has every handoff and applied each once; the messages it got twice were the interrupted ones.
    assert set(webhook_receiver.effects) == keys
    assert set(webhook_receiver.effects.values()) == {1}
    assert webhook_receiver.duplicates >= 1
    assert len(webhook_receiver.requests) == DELIVERIES + webhook_receiver.duplicates
    repeated = {key for key in webhook_receiver.requests if webhook_receiver.requests.count(key) > 1}
    assert held in repeated and repeated <= set(interrupted)
    assert not webhook_receiver.refused
    # Every second attempt is explained by a lease that ran out (the sweep took the row back), never a double claim.
    assert not webhooks.exclude(attempts=1 + F("lapses")).exists()
    assert set(webhooks.filter(idempotency_key__in=interrupted).values_list("lapses", flat=True)) == {1}
    assert not HandoffDelivery.objects.filter(status=DeliveryStatus.DEAD).exists()


# --- A batch killed mid-way ----------------------------------------------------------------------------------------
BATCH = 60


def test_a_worker_killed_in_the_middle_of_a_batch_commits_none_of_it_and_the_batch_is_delivered_once(
    directory, redis_broker, spawn, settings
):
    """One message, one task: it claims all ``BATCH`` inbox rows (its own and, filling its batch, the others) and
    is killed with SIGKILL inside the transaction that delivers them, held there by a row lock the test keeps on
    one of the handoffs. None of the batch's messages may exist afterwards, every row must still be leased, and
    once the leases lapse a new worker delivers each row once: one message per staff member and handoff, a second
    attempt on each row explained by its lapse."""
    import psycopg2

    cases = [case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station) for _ in range(CASES)]
    packets = {
        case.pk: json.dumps(
            handoff_packet(case=case, kind=HandoffKind.ARBITRATION), ensure_ascii=False, default=str
        )
        for case in cases
    }
    handoffs = Handoff.objects.bulk_create(
        Handoff(
            case=cases[n % CASES],
            kind=HandoffKind.ARBITRATION,
            from_org=directory.station,
            to_org=directory.commission,
            packet_json=packets[cases[n % CASES].pk],
            idempotency_key=f"batch-fault:{n}",
        )
        for n in range(BATCH)
    )
    deliveries = HandoffDelivery.objects.bulk_create(
        HandoffDelivery(handoff=h, channel=DeliveryChannel.INBOX, idempotency_key=f"handoff:{h.pk}:inbox")
        for h in handoffs
    )
    rows = HandoffDelivery.objects.filter(pk__in=[d.pk for d in deliveries])
    messages = Notification.objects.filter(idempotency_key__startswith="handoff:")
    staff = directory.commission.memberships.filter(user__is_active=True).values("user").distinct().count()
    assert staff >= 1

    db = settings.DATABASES["default"]
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"], connect_timeout=5
    )
    try:
        with blocker.cursor() as cursor:  # psycopg2 opens a transaction: the lock is held until rollback
            cursor.execute("SELECT id FROM referrals_handoff WHERE id = %s FOR UPDATE", [handoffs[-1].pk])
            settings.HANDOFF_LEASE_SECONDS = LEASE_SECONDS
            env = subprocess_env(HANDOFF_LEASE_SECONDS=str(LEASE_SECONDS))
            assert enqueue(DELIVER_TASK, delivery_ids=[deliveries[0].pk])
            first = spawn.worker(env, queues="handoffs", pool="prefork", concurrency=2)

            def waiting_backend():
                with connection.cursor() as probe:
                    probe.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE %%referrals_handoff%%'"
                    )
                    found = probe.fetchone()
                return found[0] if found else None

            assert wait_until(lambda: waiting_backend() is not None, timeout=60), first.output()[-3000:]
            worker_backend = waiting_backend()
            # The whole batch was claimed by the one task, which is now inside its delivery transaction.
            assert rows.filter(status=DeliveryStatus.SENDING).count() == BATCH
            first.kill(signal.SIGKILL)
        blocker.rollback()
    finally:
        blocker.close()

    def backend_gone():
        with connection.cursor() as probe:
            probe.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [worker_backend])
            return probe.fetchone() is None

    assert wait_until(backend_gone, timeout=30)
    # The killed transaction committed nothing: no message, every row still leased with its one attempt.
    assert messages.count() == 0
    assert set(rows.values_list("status", "attempts", "lapses")) == {(DeliveryStatus.SENDING, 1, 0)}

    spawn.worker(env, queues="handoffs", pool="prefork", concurrency=2)

    def all_delivered():
        handoff_deliveries_sweep()
        return not rows.exclude(status=DeliveryStatus.DELIVERED).exists()

    assert wait_until(all_delivered, timeout=120, interval=1.0), list(
        rows.exclude(status=DeliveryStatus.DELIVERED).values("status", "lapses", "last_error")[:5]
    )
    assert set(rows.values_list("attempts", "lapses")) == {(2, 1)}
    assert messages.count() == BATCH * staff
    assert messages.values("idempotency_key").distinct().count() == BATCH * staff
    assert set(Handoff.objects.filter(pk__in=[h.pk for h in handoffs]).values_list("status", flat=True)) == {
        HandoffStatus.DELIVERED
    }
    assert not HandoffDelivery.objects.filter(status=DeliveryStatus.DEAD).exists()
