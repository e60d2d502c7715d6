"""Integration: a real Celery worker over Redis and PostgreSQL delivers what a transition enqueued, and a web
process whose broker is down still answers at once and loses nothing."""

import json
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from config.celery import app as celery_app
from disputes.models import Case, CaseEvent
from disputes.permissions import WORKER
from disputes.services import ClaimInput, case_create
from referrals import services
from referrals.models import EventDispatch, Notification
from referrals.states import NotificationStatus

from .conftest import ROOT, subprocess_env

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(redis_broker, spawn):
    return spawn.worker(subprocess_env()).log


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


def test_with_the_broker_down_a_claim_is_filed_at_once_and_swept_later(redis_broker, settings):
    settings.SMS_QUIET_HOURS = ""  # delivered at any hour the suite runs
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
        env=subprocess_env(REDIS_URL="redis://127.0.0.1:1/0"),  # nothing listens on port 1
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["elapsed"] < 2.5, outcome
    event = CaseEvent.objects.get(case_id=outcome["case_id"], transition="submit")
    assert not EventDispatch.objects.filter(event=event).exists()  # the nudge was lost with the broker...
    celery_app.conf.task_always_eager = True
    assert services.events_sweep() >= 1  # ...and the sweeper delivers it
    assert Notification.objects.filter(event=event, status=NotificationStatus.SENT).exists()
