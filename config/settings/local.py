"""The demo and local development: SQLite and in-process tasks unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "demo-only-secret-key-not-for-production")
# Demo-only keys: production reads its own from the environment (see README).
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "ZGVtby1vbmx5LWZpZWxkLWtleS0xMjM0NTY3ODkwMTI=")
os.environ.setdefault("PII_HASH_KEY", "demo-only-pii-hash-key")

from .base import *  # noqa: E402,F403
