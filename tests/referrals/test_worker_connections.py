"""A worker as deployed (``celery -A config worker``, the prefork pool) keeps its database connection from one task
to the next, and still replaces one that broke.

Celery's Django fixup closes the connection around every task unless ``CELERY_DB_REUSE_MAX`` is set; opening a new
one costs more than a delivery's own queries. A probe task (tests/referrals/worker_probe.py) reports the
PostgreSQL backend pid its task ran on: the same pid before and after a handoff delivery means one connection
served them all; after the test terminates that backend, the next task runs on a new one instead of failing. The
same worker with ``CELERY_DB_REUSE_MAX=0`` (Celery's default behaviour) gets a new backend for every task, which
shows the probe tells the difference.
"""

import uuid

import pytest
from django.db import connection

from config.celery import app as celery_app
from disputes.states import CaseStatus
from referrals.handoffs import handoff_create
from referrals.models import HandoffDelivery
from referrals.states import DeliveryChannel, DeliveryStatus, HandoffKind

from ..factories import case_in_state
from .conftest import subprocess_env, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PROBE = "tests.database_backend_pid"


def _probe(path) -> int:
    """Run the probe once in the worker and return the backend pid it reported."""
    before = path.read_text().split() if path.exists() else []
    celery_app.send_task(PROBE, args=[str(path)], queue="handoffs")
    assert wait_until(lambda: path.exists() and len(path.read_text().split()) > len(before), timeout=30)
    return int(path.read_text().split()[-1])


def _deliver_one(directory, case) -> None:
    handoff = handoff_create(
        case=case,
        kind=HandoffKind.ARBITRATION,
        to_org=directory.commission,
        idempotency_key=str(uuid.uuid4()),
    )
    inbox = HandoffDelivery.objects.filter(handoff=handoff, channel=DeliveryChannel.INBOX)
    assert wait_until(lambda: inbox.filter(status=DeliveryStatus.DELIVERED).exists(), timeout=30)


def test_a_deployed_worker_keeps_its_connection_and_replaces_a_broken_one(
    directory, redis_broker, spawn, tmp_path
):
    case = case_in_state(CaseStatus.MEDIATION_FAILED, station=directory.station)
    spawn.worker(
        subprocess_env(),
        queues="handoffs",
        pool="prefork",
        concurrency=1,
        include="tests.referrals.worker_probe",
    )
    pids = tmp_path / "pids"

    first = _probe(pids)
    _deliver_one(directory, case)  # a real delivery task in between
    assert _probe(pids) == first
    assert _probe(pids) == first

    # The database ends that connection (a restart, an administrator): the next task gets a new one, no error.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    second = _probe(pids)
    assert second != first
    _deliver_one(directory, case)
    assert _probe(pids) == second


def test_without_db_reuse_max_every_task_opens_a_new_connection(directory, redis_broker, spawn, tmp_path):
    spawn.worker(
        subprocess_env(CELERY_DB_REUSE_MAX="0"),
        queues="handoffs",
        pool="prefork",
        concurrency=1,
        include="tests.referrals.worker_probe",
    )
    pids = tmp_path / "pids"
    assert len({_probe(pids) for _run in range(3)}) == 3
