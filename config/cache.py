"""The cache behind rate limits and tracking lock-outs, failing open when Redis is unreachable.

Django's ``RedisCache`` raises when Redis is down, and every rate-limited page (the claim form, ``/track/``, the
intake API) would answer 500 during a Redis outage. OneStop's promise is the other way round: with Redis down,
claims are still filed and nothing is lost (docs/outbox.md). So this backend reads an unreachable Redis as an
empty cache and drops writes, logging each failure; with ``RATELIMIT_FAIL_OPEN`` the limits are suspended for
the outage instead of refusing everyone. Nothing that must be kept lives in this cache (sessions are in the
database).
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _unreachable(operation: str) -> None:
    logger.warning("cache unreachable during %s; failing open", operation, exc_info=True)


class FailOpenRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError:
            _unreachable("get")
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError:
            _unreachable("get_many")
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError:
            _unreachable("has_key")
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError:
            _unreachable("add")
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError:
            _unreachable("set")

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError:
            _unreachable("set_many")
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError:
            _unreachable("touch")
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError:
            _unreachable("incr")
            raise ValueError(f"cache unreachable: {key}") from None  # what callers expect of a missing key

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError:
            _unreachable("delete")
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError:
            _unreachable("delete_many")

    def clear(self):
        try:
            return super().clear()
        except RedisError:
            _unreachable("clear")
