"""Webhooks against a real receiver on 127.0.0.1, delivered by a real worker over Redis.

The receiver (tests/referrals/conftest.py) checks every signature with its own HMAC code and applies each
``Idempotency-Key`` once. It answers 500, then times out, then 200: the delivery is retried from the row and the
receiver has the handoff once. One that never answers ends as a dead letter, which the sender's staff retry from the
admin. A receiver with another secret refuses the message; the receiver's own callbacks are signed the same way,
and a tampered one changes nothing.
"""

import hashlib
import hmac
import json
import time

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from disputes.models import CaseEvent
from disputes.services import case_transition
from disputes.states import CaseStatus
from referrals.handoffs import handoff_deliveries_sweep
from referrals.models import AgencyEndpoint, Handoff, HandoffDelivery
from referrals.states import DeliveryChannel, DeliveryStatus, HandoffStatus

from ..factories import case_in_state
from .conftest import subprocess_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The worker's settings: three attempts, a back-off of a fraction of a second so the test need not wait.
WORKER_SETTINGS = {"HANDOFF_MAX_ATTEMPTS": "3", "HANDOFF_RETRY_BASE_SECONDS": "0.2"}


@pytest.fixture
def endpoint(directory, webhook_receiver):
    return AgencyEndpoint.objects.create(
        organization=directory.commission,
        webhook_url=webhook_receiver.url,
        secret=webhook_receiver.secret,
        timeout_seconds=1,
    )


@pytest.fixture
def worker(redis_broker, spawn):
    return spawn.worker(subprocess_env(**WORKER_SETTINGS), queues="handoffs")


def _refer(directory) -> HandoffDelivery:
    case = case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station, region=directory.north)
    case_transition(
        case_id=case.pk,
        name="refer_to_arbitration",
        actor=directory.staff["mediator"],
        payload={"commission": directory.commission},
    )
    return HandoffDelivery.objects.get(handoff__case=case, channel=DeliveryChannel.WEBHOOK)


def _sweeping_until(delivery: HandoffDelivery, status: str, *, timeout: float) -> HandoffDelivery:
    """Run the sweep (beat's job) every half second until the row reaches ``status``; the row, refreshed."""

    def reached():
        handoff_deliveries_sweep()
        delivery.refresh_from_db()
        return delivery.status == status

    assert wait_until(reached, timeout=timeout, interval=0.5), (delivery.status, delivery.last_error)
    return delivery


def test_500_then_a_timeout_then_200_is_retried_and_delivered_once(
    directory, endpoint, webhook_receiver, worker
):
    webhook_receiver.script.extend([("status", 500), ("hang", 3)])  # then the default: 200
    delivery = _sweeping_until(_refer(directory), DeliveryStatus.DELIVERED, timeout=30)

    assert delivery.attempts == 3
    assert delivery.last_error == ""
    assert Handoff.objects.get(pk=delivery.handoff_id).status == HandoffStatus.DELIVERED
    # Three signed requests with the same key; the effect once: the 500 applied nothing, the timed-out request
    # applied it (its answer came too late), and the third was recognised as a repeat.
    assert webhook_receiver.requests == [delivery.idempotency_key] * 3
    assert webhook_receiver.effects[delivery.idempotency_key] == 1
    assert webhook_receiver.duplicates == 1
    assert not webhook_receiver.refused
    assert "ReadTimeout" in worker.output()


def test_a_receiver_that_never_answers_ends_as_a_dead_letter_retried_from_the_admin(
    directory, endpoint, webhook_receiver, worker, client
):
    webhook_receiver.default = ("hang", 30)
    delivery = _sweeping_until(_refer(directory), DeliveryStatus.DEAD, timeout=30)
    assert delivery.attempts == 3
    assert "Timeout" in delivery.last_error
    handoff = Handoff.objects.get(pk=delivery.handoff_id)
    assert CaseEvent.objects.filter(case_id=handoff.case_id, transition="handoff_dead_letter").count() == 1
    time.sleep(1.5)  # no more attempts of a dead letter, however often the sweep runs
    handoff_deliveries_sweep()
    time.sleep(0.5)
    assert len(webhook_receiver.requests) == 3

    # The receiver is fixed; the sender's station admin presses 重新投递 on the dead letter.
    webhook_receiver.default = ("status", 200)
    client.force_login(directory.staff["station_admin"])
    page = client.get(reverse("admin:referrals_handoffdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    retry_url = reverse("admin:referrals_handoffdelivery_retry", args=[delivery.pk])
    assert retry_url in page.content.decode()
    assert client.post(retry_url).status_code == 302

    assert wait_until(
        lambda: HandoffDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED, timeout=15
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 1  # a fresh count after the retry
    assert webhook_receiver.effects[delivery.idempotency_key] == 1
    assert len(webhook_receiver.requests) == 4


def test_a_receiver_refuses_a_message_not_signed_with_its_secret(
    directory, endpoint, webhook_receiver, worker
):
    endpoint.secret = "not-the-receivers-secret"
    endpoint.save()
    delivery = _sweeping_until(_refer(directory), DeliveryStatus.DEAD, timeout=15)
    assert webhook_receiver.refused == ["bad signature"]
    assert not webhook_receiver.effects
    assert delivery.attempts == 1  # a 401 is a refusal that retrying cannot fix
    assert delivery.last_error == "PermanentDeliveryError: HTTP 401"


def _signed(secret: str, body: bytes, *, stamp: int | None = None) -> dict:
    """Headers as the agency's system computes them: its own HMAC code, not ours."""
    stamp = str(int(time.time()) if stamp is None else stamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-OneStop-Timestamp": stamp, "X-OneStop-Signature": f"sha256={digest}"}


def test_the_receivers_signed_callback_is_accepted_and_a_tampered_one_refused(
    directory, endpoint, webhook_receiver
):
    delivery = _refer(directory)  # tasks run in-process here: the receiver gets the handoff, then calls back
    handoff = delivery.handoff
    api = APIClient()
    api.force_authenticate(directory.staff["arbitrator"])
    url = f"/api/v1/handoffs/{handoff.pk}/accept/"
    body = json.dumps(
        {"reference": "温劳人仲案字〔2026〕12号", "assignee_name": "孙建华"}, ensure_ascii=False
    ).encode()
    headers = _signed(webhook_receiver.secret, body)

    tampered = body.replace("12号".encode(), "13号".encode())
    for refused_body, refused_headers in (
        (tampered, headers),  # the body changed after signing
        (body, {**headers, "X-OneStop-Timestamp": str(int(time.time()) + 1)}),  # the timestamp changed
        (body, _signed("a-guessed-secret", body)),
        (body, _signed(webhook_receiver.secret, body, stamp=int(time.time()) - 600)),  # replayed too late
        (body, {}),
    ):
        answer = api.post(url, refused_body, content_type="application/json", headers=refused_headers)
        assert answer.status_code == 403, answer.content
        assert answer.json()["code"] == "permission_denied"
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.DELIVERED and handoff.reference == ""
    assert not CaseEvent.objects.filter(case=handoff.case, transition="handoff_accepted").exists()

    accepted = api.post(url, body, content_type="application/json", headers=headers)
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["reference"] == "温劳人仲案字〔2026〕12号"
    handoff.refresh_from_db()
    assert handoff.status == HandoffStatus.ACCEPTED
