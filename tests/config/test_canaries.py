"""Canaries: ID numbers and phones that exist nowhere else are filed through the real intake (the web form and the
API), the work that follows runs (notifications, SMS, the scanner's sweep), and then the database (a ``pg_dump`` of
the test database), the logs (every logger, every level, the JSON security log included) and the Celery messages
(as published to the broker: captured at ``before_task_publish`` and read back raw from Redis) are searched. No
canary may appear in plaintext anywhere."""

import base64
import json
import logging
import subprocess
import uuid

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from config.celery import app
from disputes.models import Case
from disputes.pii import keyed_hash
from disputes.validators import id_number_check_digit
from tests.conftest import require_service
from tests.disputes.test_views_intake import claim

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def canary_id(serial: str) -> str:
    first17 = f"51012319870623{serial}"
    return first17 + id_number_check_digit(first17)


CANARY_IDS = [canary_id("731"), canary_id("842")]
CANARY_PHONES = ["17691827364", "15587263541"]
CANARIES = CANARY_IDS + CANARY_PHONES


def spelled(value: str) -> list[str]:
    """The ways a value could appear in text: as typed, and with spaces or dashes in the usual places."""
    forms = [value]
    if len(value) == 11:
        forms.append(f"{value[:3]} {value[3:7]} {value[7:]}")
        forms.append(f"{value[:3]}-{value[3:7]}-{value[7:]}")
    return forms


def assert_clean(where: str, text: str) -> None:
    for value in CANARIES:
        for form in spelled(value):
            assert form not in text, f"canary {value[:3]}… found in {where}"


@pytest.fixture
def redis_broker(settings):
    """Publish to this test's own Redis database instead of running tasks in-process, so that what would reach the
    broker can be read back."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.flushdb()
    previous = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    published: list[tuple[str, str]] = []

    def record(sender=None, body=None, headers=None, **kwargs):
        published.append((sender, json.dumps({"body": body, "headers": headers}, default=str)))

    before_task_publish.connect(record, weak=False)
    yield client, published
    before_task_publish.disconnect(record)
    app.conf.task_always_eager = previous[0]
    client.flushdb()


def raw_broker_text(client) -> str:
    """Every message left in the broker's queues, raw and with kombu's base64 bodies decoded."""
    parts = []
    for key in client.keys("*"):
        kind = client.type(key)
        if kind == b"list":
            for raw in client.lrange(key, 0, -1):
                parts.append(raw.decode("utf-8", "replace"))
                try:
                    message = json.loads(raw)
                    parts.append(base64.b64decode(message.get("body", "")).decode("utf-8", "replace"))
                except (ValueError, TypeError):
                    pass
        elif kind == b"hash":
            parts.extend(str(v) for v in client.hgetall(key).values())
    return "\n".join(parts)


def pg_dump_text() -> str:
    db = connection.settings_dict
    command = ["pg_dump", "--data-only", "--no-owner", "-d", db["NAME"]]
    if db.get("HOST"):
        command += ["-h", db["HOST"]]
    if db.get("PORT"):
        command += ["-p", str(db["PORT"])]
    if db.get("USER"):
        command += ["-U", db["USER"]]
    env = {"PGPASSWORD": db.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_no_canary_in_the_database_the_logs_or_the_broker(client, directory, redis_broker, caplog):
    redis_client, published = redis_broker
    caplog.set_level(logging.DEBUG)
    security = logging.getLogger("onestop.security")
    security.addHandler(caplog.handler)  # the security logger does not propagate to the root
    try:
        form = claim(worker_id_number=CANARY_IDS[0], worker_phone=CANARY_PHONES[0])
        response = client.post("/intake/", form)
        assert response.status_code == 302
        assert client.get("/intake/done/").status_code == 200
        api = APIClient().post(
            "/api/v1/intake/",
            json.dumps(
                {
                    "worker_name": "张伟",
                    "worker_id_number": CANARY_IDS[1],
                    "worker_phone": CANARY_PHONES[1],
                    "employer_name": "温州市顺达速运有限公司",
                    "industry": "express_delivery",
                    "categories": ["wages"],
                    "amount_claimed": "9200.50",
                    "facts": "2026年1月至2月的工资未发放。",
                    "station": directory.station.code,
                    "consent": True,
                }
            ),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert api.status_code == 201, api.content
        assert Case.objects.count() == 2

        # What reached the broker, then the same tasks run here (as a worker would), with their logs captured.
        assert published, "the filings published no task"
        assert_clean("the published Celery messages", "\n".join(body for _name, body in published))
        broker = raw_broker_text(redis_client)
        assert "referrals.dispatch_case_event" in broker  # the messages really are there to search
        assert_clean("the broker (Redis)", broker)
        app.conf.task_always_eager = True
        for name, body in published:
            kwargs = json.loads(body)["body"][1]
            app.tasks[name].apply(kwargs=kwargs)
    finally:
        security.removeHandler(caplog.handler)

    logs = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, 'security', '')}" for r in caplog.records
    )
    assert "SMS to" in logs, "the notification task did not run: nothing to check in its logs"
    assert_clean("the logs", logs)
    dump = pg_dump_text()
    assert keyed_hash(CANARY_IDS[0]) in dump  # the dump really holds the filed cases
    assert_clean("the database (pg_dump)", dump)
    # The search would find them: the canaries really are in the database, encrypted, and open with the key.
    stored = set(Case.objects.values_list("worker_id_number", flat=True))
    assert stored == set(CANARY_IDS)
    assert settings.FIELD_ENCRYPTION_KEYS
