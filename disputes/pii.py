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
