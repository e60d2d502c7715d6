"""Key rotation for the encrypted columns (``manage.py rotate_keys``, disputes.pii.reencrypt_column): rows written
under an old key still open after the old key is removed, a second run rewrites nothing, and a row under a key that
is no longer configured stops the command with a clear message instead of being skipped."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from disputes.models import Case, IntakeReceipt
from disputes.pii import encrypted_columns
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def rotate() -> str:
    out = io.StringIO()
    call_command("rotate_keys", "--batch", "2", stdout=out)
    return out.getvalue()


@pytest.fixture
def old_rows(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    cases = [
        CaseFactory(worker_id_number=f"11010519491231{n:03d}X", worker_phone=f"1391234{n:04d}", station=None)
        for n in range(5)
    ]
    receipt = IntakeReceipt.objects.create(key="k1", answer='[{"pin": "123456"}]')
    return cases, receipt


def test_every_encrypted_column_of_every_app_is_found():
    found = {f"{model._meta.label}.{field.name}" for model, field in encrypted_columns()}
    assert {
        "disputes.Case.worker_id_number",
        "disputes.Case.worker_phone",
        "disputes.IntakeReceipt.answer",
        "disputes.RiskReport.reporter_phone",
        "referrals.Notification.to_phone",
    } <= found


def test_old_rows_open_after_rotation_with_the_old_key_removed(settings, old_rows):
    cases, receipt = old_rows
    before = raw("disputes_case", "worker_id_number", cases[0].pk)
    assert Fernet(OLD.encode()).decrypt(before.encode()) == b"11010519491231000X"

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    output = rotate()
    assert "disputes.Case.worker_id_number: rows=5 re-encrypted=5" in output
    assert "disputes.IntakeReceipt.answer: rows=1 re-encrypted=1" in output

    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    for n, case in enumerate(cases):
        fresh = Case.objects.get(pk=case.pk)
        assert fresh.worker_id_number == f"11010519491231{n:03d}X"
        assert fresh.worker_phone == f"1391234{n:04d}"
    assert IntakeReceipt.objects.get(pk=receipt.pk).answer == '[{"pin": "123456"}]'
    token = raw("disputes_case", "worker_id_number", cases[0].pk)
    assert token != before
    assert Fernet(NEW.encode()).decrypt(token.encode()) == b"11010519491231000X"


def test_a_second_run_rewrites_nothing(settings, old_rows):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()
    token = raw("disputes_case", "worker_phone", old_rows[0][0].pk)
    output = rotate()
    assert "disputes.Case.worker_phone: rows=5 re-encrypted=0" in output
    assert raw("disputes_case", "worker_phone", old_rows[0][0].pk) == token


def test_without_the_old_key_the_command_stops_and_says_why(settings, old_rows):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="put the old key back"):
        rotate()
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    assert Case.objects.get(pk=old_rows[0][0].pk).worker_id_number == "11010519491231000X"


def test_the_matching_hash_is_unchanged_by_rotation(settings, old_rows):
    """The keyed hash uses PII_HASH_KEY, not the encryption keys: rotation keeps people matchable."""
    case = old_rows[0][0]
    digest = Case.objects.values_list("worker_id_hash", flat=True).get(pk=case.pk)
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()
    assert Case.objects.values_list("worker_id_hash", flat=True).get(pk=case.pk) == digest
