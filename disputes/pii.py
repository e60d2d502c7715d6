"""People's data: encryption at rest, the keyed hash that matches a person across cases, and masking.

Encryption uses Fernet (AES-128-CBC with HMAC-SHA256) from ``cryptography``, keyed by
``settings.FIELD_ENCRYPTION_KEYS``: the first key encrypts, every key decrypts, so keys rotate without downtime.
The matching hash is an HMAC-SHA256 under ``settings.PII_HASH_KEY``, a separate key, so the hash column reveals
nothing without it and a leaked encryption key does not give the matching key.
"""

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()


def normalize(value: str) -> str:
    """Full-width to half-width, no spaces or dashes, upper case: the form both the hash and the mask use."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\-]", "", value).upper()


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of the normalized value, hex; empty for an empty value (so blanks never match each other)."""
    value = normalize(value)
    if not value:
        return ""
    return hmac.new(settings.PII_HASH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """``330302199001011234`` → ``3303**********1234``: the region prefix and the last four only."""
    value = normalize(value)
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    value = normalize(value)
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


class EncryptedCharField(models.TextField):
    """A text value stored as a Fernet token. It cannot be filtered on: match with the keyed-hash column."""

    description = "Encrypted text"

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        try:
            return decrypt(value)
        except InvalidToken as exc:  # a row written under a key no longer configured: refuse loudly
            raise ValueError(f"cannot decrypt {self.model.__name__}.{self.name}: unknown key") from exc

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))


# --- Key rotation --------------------------------------------------------------------------------------------
def encrypted_columns() -> list[tuple[type[models.Model], "EncryptedCharField"]]:
    """Every encrypted column of every installed model (each app's, not only this one's)."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedCharField)
    ]


def reencrypt_column(model, field, *, batch: int = 1000) -> tuple[int, int]:
    """Re-encrypt every value of one column under the first key of ``FIELD_ENCRYPTION_KEYS``; returns (rows read,
    rows rewritten). Values already under the first key are left alone, so a second run rewrites nothing and an
    interrupted run can be started again. Raises ``InvalidToken`` for a value no configured key opens (stop: a key
    was removed too early). Reads and writes the raw column (no decryption into Python objects), one transaction
    per batch."""
    from django.db import connections, router, transaction

    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    table, column, pk = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
    primary = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode())
    rotator = fernet()
    read = rewritten = 0
    last = None
    while True:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            where = f"WHERE {pk} > %s " if last is not None else ""
            cursor.execute(
                # Names come from the models, values are bound parameters.
                f"SELECT {pk}, {column} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608  # nosec B608
                [last, batch] if last is not None else [batch],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            changes = []
            for key, token in rows:
                if token in (None, ""):
                    continue
                try:
                    primary.decrypt(token.encode())
                except InvalidToken:
                    changes.append((rotator.rotate(token.encode()).decode(), key))
            if changes:
                # Names come from the models, never from input.
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", changes)  # noqa: S608  # nosec B608
            read += len(rows)
            rewritten += len(changes)
            last = rows[-1][0]
    return read, rewritten
