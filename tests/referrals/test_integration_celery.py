"""Integration: a real Celery worker over Redis and PostgreSQL delivers what a transition enqueued, and a web
process whose broker is down still answers at once and loses nothing."""

import json
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config.celery import app as celery_app
from disputes.models import Case, CaseEvent
from disputes.permissions import WORKER
from disputes.services import ClaimInput, case_create
from referrals import services
from referrals.models import EventDispatch, Notification
from referrals.states import NotificationStatus

from ..conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _subprocess_env(**overrides) -> dict:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CELERY_TASK_ALWAYS_EAGER="0",
    )
    env.update(overrides)
    return env


@pytest.fixture
def redis_broker(postgres):
    if not settings.REDIS_URL:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("REDIS_URL is not set")
        pytest.skip("REDIS_URL is not set")
    require_service("Redis", "127.0.0.1", 6379)
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("default", "notifications", "handoffs")  # stale messages of an earlier run
    celery_app.conf.task_always_eager = False
    yield client
    celery_app.conf.task_always_eager = True


@pytest.fixture
def worker(redis_broker, tmp_path):
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "default,notifications,handoffs",
                "--pool",
                "solo",
                "-n",
                f"itest-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=_subprocess_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "worker did not start:\n" + log.read_text()
            time.sleep(0.2)
        yield log
    finally:
        process.terminate()
        process.wait(timeout=20)


def _file_a_claim() -> Case:
    case, _pin = case_create(
        actor=WORKER,
        worker_name="李娜",
        worker_id_number="330302199203041234",
        worker_phone="13900001111",
        employer_name="温州某某配送服务有限公司",
        industry="food_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4200"))],
        facts="两个月工资未发。",
    )
    return case


def _wait_for(predicate, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_real_worker_delivers_the_notification_of_a_committed_change(worker):
    case = _file_a_claim()
    sent = _wait_for(lambda: Notification.objects.filter(case=case, status=NotificationStatus.SENT).exists())
    assert sent, worker.read_text()
    assert EventDispatch.objects.filter(event__case=case).count() == 1
    log = worker.read_text()
    assert "referrals.deliver_notification" in log
    assert "13900001111" not in log  # the console SMS provider logs the number masked
    assert "139****1111" in log


def test_with_the_broker_down_a_claim_is_filed_at_once_and_swept_later(redis_broker):
    script = (
        "import django, json, time; django.setup()\n"
        "from tests.referrals.test_integration_celery import _file_a_claim\n"
        "t = time.monotonic(); case = _file_a_claim(); elapsed = time.monotonic() - t\n"
        "print(json.dumps({'case_id': case.pk, 'elapsed': elapsed}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=_subprocess_env(REDIS_URL="redis://127.0.0.1:1/0"),  # nothing listens on port 1
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["elapsed"] < 2.5, outcome
    event = CaseEvent.objects.get(case_id=outcome["case_id"], transition="submit")
    assert not EventDispatch.objects.filter(event=event).exists()  # the nudge was lost with the broker...
    celery_app.conf.task_always_eager = True
    assert services.events_sweep() >= 1  # ...and the sweeper delivers it
    assert Notification.objects.filter(event=event, status=NotificationStatus.SENT).exists()
