from unittest import mock

import pytest

from config import health


def test_healthz_answers_without_touching_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "workers"}


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_broker_is_down(client):
    with mock.patch.object(health, "_check_broker", side_effect=ConnectionRefusedError("down")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error: ConnectionRefusedError"


@pytest.mark.django_db
def test_readyz_requires_workers_only_where_configured(client, settings):
    settings.READYZ_REQUIRE_WORKERS = True
    with mock.patch.object(health.celery_app.control, "ping", return_value=[]):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"].startswith("error")
