"""Production settings pass Django's deployment checks; migrations match the models; the compose file is valid."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-value-0123456789",
    "FIELD_ENCRYPTION_KEYS": "cHJvZC1maWVsZC1rZXktZm9yLWRlcGxveS1jaGVjay0x",
    "PII_HASH_KEY": "production-pii-hash-key",
    "ALLOWED_HOSTS": "onestop.example.org",
    "DATABASE_URL": "sqlite:////tmp/onestop-deploy-check.sqlite3",
}


def test_production_settings_pass_check_deploy_without_warnings():
    dropped = ("REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "REDIS_URL")}
    env.update({k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_compose_file_is_valid():
    compose = shutil.which("docker-compose")
    if compose is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("docker-compose is not installed (make system-deps installs it)")
        pytest.skip("docker-compose is not installed")
    env = dict(
        os.environ,
        POSTGRES_PASSWORD="x",
        SECRET_KEY="x",
        FIELD_ENCRYPTION_KEYS="x",
        PII_HASH_KEY="x",
        ALLOWED_HOSTS="x",
    )
    result = subprocess.run(
        [compose, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
