"""Passwords are hashed with Argon2 in every real environment. The test settings put a fast hasher first (the
suite creates thousands of users); this test loads base and production settings in a subprocess to prove that
they do not."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.contrib.auth.hashers import make_password; "
    "print(settings.PASSWORD_HASHERS[0]); print(make_password('x').split('$')[0])"
)


@pytest.mark.parametrize("module", ["config.settings.local", "config.settings.production"])
def test_argon2_hashes_new_passwords(module):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE",)}
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY="k" * 60,
        FIELD_ENCRYPTION_KEYS="cHJvZC1maWVsZC1rZXktZm9yLWRlcGxveS1jaGVjay0x",
        PII_HASH_KEY="p" * 40,
        ALLOWED_HOSTS="onestop.example.org",
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    first, algorithm = result.stdout.split()[-2:]
    assert first == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert algorithm == "argon2"


def test_the_argon2_hasher_works_here(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    encoded = make_password("onestop-demo-2026")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("onestop-demo-2026", encoded)
    assert not check_password("wrong", encoded)
