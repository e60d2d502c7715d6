"""With Redis unreachable, the cache behind rate limits reads as empty and the pages keep answering."""

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django_ratelimit.core import is_ratelimited

UNREACHABLE = {
    "default": {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: refused at once
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@override_settings(CACHES=UNREACHABLE)
def test_an_unreachable_redis_reads_as_an_empty_cache():
    cache = caches["default"]
    assert cache.get("k", "default") == "default"
    assert cache.add("k", 1) is False
    cache.set("k", 1)  # dropped, no error
    with pytest.raises(ValueError):
        cache.incr("k")
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False


@override_settings(CACHES=UNREACHABLE, RATELIMIT_ENABLE=True, RATELIMIT_FAIL_OPEN=True)
def test_rate_limits_are_suspended_rather_than_refusing_everyone():
    request = RequestFactory().post("/intake/", REMOTE_ADDR="203.0.113.5")
    assert not is_ratelimited(
        request, group="intake-form", key="ip", rate="1/h", method="POST", increment=True
    )


@pytest.mark.django_db
@override_settings(CACHES=UNREACHABLE)
def test_the_tracking_page_answers_with_redis_down(client):
    response = client.post("/track/", {"tracking_code": "ABCD-EFGH", "access_pin": "123456"})
    assert response.status_code == 200
    assert "查询码或密码不正确" in response.content.decode()
