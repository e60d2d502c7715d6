"""The test suite: PostgreSQL and Redis from the environment (the Makefile sets them), fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS0xMjM0NTY3ODkwMTI=")
os.environ.setdefault("PII_HASH_KEY", "test-pii-hash-key")

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

DEBUG = False
# Fast hashing for the thousands of users the suite creates. Base and production hash with Argon2 first, which
# tests/config/test_auth_passwords.py proves by loading those settings in a subprocess.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Unit tests run tasks in-process; the integration tests' subprocesses set CELERY_TASK_ALWAYS_EAGER=0 to use Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
