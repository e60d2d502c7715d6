"""A database that cannot be reached answers 503 (config.middleware.DatabaseUnavailableMiddleware): the API's error
shape under /api/, a Chinese page elsewhere; any other error is still a 500. The real outage, with a PostgreSQL
stopped under a running server, is tests/referrals/test_faults_postgres.py."""

import re
from unittest import mock

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.test import Client

CJK = re.compile(r"[\u4e00-\u9fff]")
DOWN = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("error", [DOWN, InterfaceError("connection already closed")])
def test_the_api_answers_503_in_its_error_shape(client, error):
    with mock.patch("disputes.api.intake.IntakeSubmitApi.post", side_effect=error):
        response = client.post("/api/v1/intake/", {}, content_type="application/json")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert CJK.search(body["detail"])
    assert "127.0.0.1" not in response.content.decode()  # the database's address stays in the log


def test_a_page_answers_503_with_a_chinese_page(client):
    with mock.patch("disputes.views._station_or_404", side_effect=DOWN):
        response = client.get("/intake/s/station-a/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "服务暂时不可用" in html and "12351" in html
    assert "Connection refused" not in html


def test_another_error_is_still_a_500(client):
    with mock.patch("disputes.views._station_or_404", side_effect=RuntimeError("a bug")):
        response = client.get("/intake/s/station-a/")
    assert response.status_code == 500


def test_connections_are_checked_and_connecting_is_bounded():
    database = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is True
    if database["ENGINE"] == "django.db.backends.postgresql":
        assert 0 < database["OPTIONS"]["connect_timeout"] <= 5
