"""Fault: the broker (Redis) dies while 100 cases are handed to arbitration and claims keep arriving.

The web application runs under gunicorn, a worker and beat run beside it, all on a Redis of the test's own that the
test kills (SIGKILL, no persistence: every queued message is lost) and starts again. Every request must answer
within 5 s, every claim the client got a receipt for must be in the database, and every handoff must reach the
receiver once Redis is back: none lost, none twice.
"""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from rest_framework.authtoken.models import Token

from disputes.models import Case
from disputes.states import CaseStatus
from referrals.models import AgencyEndpoint, Handoff, HandoffDelivery, Notification
from referrals.states import DeliveryChannel, DeliveryStatus

from ..factories import case_in_state
from .conftest import subprocess_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CASES = 100
ANSWER_WITHIN = 5.0  # seconds: a request that takes longer counts as hanging


def _claim(n: int) -> dict:
    return {
        "worker_name": "王芳",
        "worker_id_number": "330302199001011235",
        "worker_phone": "13957712345",
        "employer_name": f"温州市某某速运有限公司第{n}分公司",
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_claimed": "3000",
        "facts": "两个月工资未发放。",
        "consent": True,
    }


class Traffic:
    """Requests sent from a pool of threads; each answer (or failure) recorded with how long it took."""

    def __init__(self, base_url: str, token: str):
        self.client = httpx.Client(base_url=base_url, timeout=ANSWER_WITHIN * 3)
        self.token = token
        self.lock = threading.Lock()
        self.results: list[dict] = []

    def _send(self, kind: str, method_args: dict) -> None:
        started = time.monotonic()
        try:
            response = self.client.post(**method_args)
            outcome = {"status": response.status_code, "body": response.json()}
        except (httpx.HTTPError, ValueError) as exc:
            outcome = {"status": None, "body": repr(exc)}
        outcome.update(kind=kind, seconds=time.monotonic() - started, at=time.monotonic())
        with self.lock:
            self.results.append(outcome)

    def refer(self, case_id: int) -> None:
        self._send(
            "refer",
            {
                "url": f"/api/v1/cases/{case_id}/transitions/refer_to_arbitration/",
                "json": {"commission": "arb", "worker_consents": True, "note": "调解不成，转仲裁"},
                "headers": {"Authorization": f"Token {self.token}"},
            },
        )

    def claim(self, n: int) -> None:
        self._send(
            "claim",
            {"url": "/api/v1/intake/", "json": _claim(n), "headers": {"Idempotency-Key": uuid.uuid4().hex}},
        )

    def done(self) -> int:
        with self.lock:
            return len(self.results)


def test_with_redis_down_requests_answer_and_every_handoff_is_delivered_once_it_is_back(
    directory, throwaway_redis, spawn, webhook_receiver
):
    AgencyEndpoint.objects.create(
        organization=directory.commission,
        webhook_url=webhook_receiver.url,
        secret=webhook_receiver.secret,
        timeout_seconds=5,
    )
    cases = [
        case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station, region=directory.north).pk
        for _ in range(CASES)
    ]
    token = Token.objects.create(user=directory.staff["mediator"]).key
    env = subprocess_env(
        REDIS_URL=throwaway_redis.url,
        API_INTAKE_RATE="100000/hour",
        HANDOFF_SWEEP_SECONDS="1",
    )
    web, worker, beat = spawn.web(env, wait=False), spawn.worker(env, wait=False), spawn.beat(env, wait=False)
    web.wait_ready(), worker.wait_ready(), beat.wait_ready()

    traffic = Traffic(web.url, token)
    # One stream of work, a transition and a claim for each case. Redis is killed when 50 of the 200 requests are
    # answered (others still in flight) and started again when 140 are; the stream never pauses.
    jobs = []
    for n, case_id in enumerate(cases):
        jobs += [(traffic.refer, case_id), (traffic.claim, n)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(*job) for job in jobs[:75]]
        assert wait_until(lambda: traffic.done() >= 50, timeout=60)
        throwaway_redis.stop()
        down_at = time.monotonic()
        futures += [pool.submit(*job) for job in jobs[75:150]]
        assert wait_until(lambda: traffic.done() >= 140, timeout=120)
        throwaway_redis.start()
        up_at = time.monotonic()
        futures += [pool.submit(*job) for job in jobs[150:]]
        for future in futures:
            future.result(timeout=120)

    results = traffic.results
    assert len(results) == 2 * CASES
    slow = [r for r in results if r["seconds"] >= ANSWER_WITHIN]
    assert not slow, slow[:5]
    failed = [r for r in results if r["status"] != {"refer": 200, "claim": 201}[r["kind"]]]
    assert not failed, failed[:5]
    during = [r for r in results if down_at <= r["at"] <= up_at]
    assert len(during) >= 60, "too few requests were answered while Redis was down"
    assert "could not publish referrals.deliver_handoff" in web.process.output()  # the outage was real

    # Every receipt the clients got is a case in the database.
    codes = [r["body"]["tracking_code"] for r in results if r["kind"] == "claim"]
    assert len(set(codes)) == CASES
    assert Case.objects.filter(tracking_code__in=codes).count() == CASES

    # Every handoff reaches the receiver once Redis is back (the sweep re-publishes what the broker lost).
    assert Handoff.objects.count() == CASES
    undelivered = HandoffDelivery.objects.exclude(status=DeliveryStatus.DELIVERED)
    assert wait_until(lambda: not undelivered.exists(), timeout=90, interval=0.5), (
        list(undelivered.values("status", "last_error")[:5]),
        beat.output()[-2000:],
    )
    webhooks = HandoffDelivery.objects.filter(channel=DeliveryChannel.WEBHOOK)
    keys = set(webhooks.values_list("idempotency_key", flat=True))
    assert len(keys) == CASES
    # None lost, none twice: the receiver got each message exactly once, each delivery took one attempt, and the
    # commission's arbitrator has one inbox message per handoff.
    assert sorted(webhook_receiver.requests) == sorted(keys)
    assert set(webhook_receiver.effects) == keys and set(webhook_receiver.effects.values()) == {1}
    assert webhook_receiver.duplicates == 0 and not webhook_receiver.refused
    assert set(HandoffDelivery.objects.values_list("attempts", flat=True)) == {1}
    arbitrator = directory.staff["arbitrator"]
    inbox = Notification.objects.filter(recipient_user=arbitrator, idempotency_key__startswith="handoff:")
    assert inbox.count() == CASES
