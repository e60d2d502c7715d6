"""Fault: the worker is killed with SIGKILL in the middle of 1,000 webhook deliveries.

A prefork worker (two pool processes) delivers 1,000 handoffs to a receiver on 127.0.0.1. When the 300th message
reaches the receiver (which applies it, then holds its answer), the test kills the worker's whole process group
with SIGKILL: that message was sent and never recorded, others were claimed or prefetched and never finished. A new
worker starts and the sweep (beat's job, run here by the test) takes back the rows whose three-second lease ran
out. Every handoff must be delivered, each counted once by the receiver, which deduplicates on ``Idempotency-Key``.
"""

import json
import signal

import pytest
from django.db.models import F

from config.celery import enqueue
from disputes.states import CaseStatus
from organizations.models import Organization
from referrals.handoffs import DELIVER_TASK, handoff_deliveries_sweep, handoff_packet
from referrals.models import AgencyEndpoint, Handoff, HandoffDelivery
from referrals.states import DeliveryChannel, DeliveryStatus, HandoffKind

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
