"""disputes.pii: masking, normalizing, encryption with key rotation, the keyed hash."""

import pytest
from cryptography.fernet import Fernet, InvalidToken

from disputes import pii
from disputes.models import Case

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    """Switch FIELD_ENCRYPTION_KEYS inside a test; the cached MultiFernet is cleared before and after."""

    def use(*values):
        settings.FIELD_ENCRYPTION_KEYS = list(values)
        pii._fernet.cache_clear()

    pii._fernet.cache_clear()
    yield use
    pii._fernet.cache_clear()


# --- Masking ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("330302199001011234", "3303**********1234"),
        ("33030219900101123X", "3303**********123X"),
        ("33030219900101123x", "3303**********123X"),
        ("330302 19900101 1234", "3303**********1234"),
        ("３３０３０２１９９００１０１１２３４", "3303**********1234"),
        ("330302900101123", "3303*******1123"),  # a 15-digit first-generation card
        ("123456789", "1234*6789"),
        ("12345678", "********"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert pii.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("12351", "*****"),
        ("", ""),
    ],
)
def test_mask_phone(value, masked):
    assert pii.mask_phone(value) == masked


@pytest.mark.parametrize("value", ["330302199001011234", "13812345678"])
def test_masks_never_show_the_middle(value):
    for masked in (pii.mask_id_number(value), pii.mask_phone(value)):
        assert value not in masked
        assert value[4:-4] not in masked


# --- Normalizing --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("３３０３０２１９９００１０１１２３４", "330302199001011234"),
        ("  330302 19900101 1234  ", "330302199001011234"),
        ("330302\u300019900101\t1234", "330302199001011234"),  # ideographic space and a tab
        ("33030219900101123ｘ", "33030219900101123X"),  # full-width lower-case x
        ("138-1234-5678", "13812345678"),
        ("abcd-efgh", "ABCDEFGH"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize(value, normalized):
    assert pii.normalize(value) == normalized


# --- Keyed hash ---------------------------------------------------------------------------------------------
def test_keyed_hash_matches_across_spellings_and_reveals_nothing():
    plain = pii.keyed_hash("330302199001011234")
    assert plain == pii.keyed_hash("３３０３０２ １９９００１０１ １２３４")
    assert len(plain) == 64 and "330302" not in plain
    assert plain != pii.keyed_hash("330302199001011235")


@pytest.mark.parametrize("blank", ["", "   ", None, "　"])
def test_blank_values_have_no_hash(blank):
    assert pii.keyed_hash(blank) == ""


def test_keyed_hash_depends_on_its_own_key(settings, keys):
    before = pii.keyed_hash("13812345678")
    keys(NEW_KEY)  # the encryption key does not change the hash
    assert pii.keyed_hash("13812345678") == before
    settings.PII_HASH_KEY = "another-hash-key"
    assert pii.keyed_hash("13812345678") != before


# --- Encryption ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["330302199001011234", "13812345678", "张伟", "x"])
def test_encrypt_decrypt_round_trip(keys, value):
    keys(NEW_KEY)
    token = pii.encrypt(value)
    assert token != value
    if len(value) > 2:
        assert value not in token
    assert pii.decrypt(token) == value
    assert pii.encrypt(value) != token  # a fresh IV each time


def test_a_value_under_the_old_key_decrypts_after_rotation(keys):
    keys(OLD_KEY)
    token = pii.encrypt("330302199001011234")
    keys(NEW_KEY, OLD_KEY)
    assert pii.decrypt(token) == "330302199001011234"
    # New values are encrypted under the first (new) key only.
    fresh = pii.encrypt("13812345678")
    keys(NEW_KEY)
    assert pii.decrypt(fresh) == "13812345678"
    with pytest.raises(InvalidToken):
        pii.decrypt(token)


def test_a_value_under_an_unknown_key_does_not_decrypt(keys):
    keys(OLD_KEY)
    token = pii.encrypt("330302199001011234")
    keys(NEW_KEY)
    with pytest.raises(InvalidToken):
        pii.decrypt(token)


def test_the_cached_fernet_follows_the_setting(keys):
    keys(OLD_KEY)
    first = pii.fernet()
    assert pii.fernet() is first
    keys(NEW_KEY)
    assert pii.fernet() is not first


@pytest.mark.django_db
def test_a_stored_case_survives_key_rotation(keys):
    from ..factories import case_in_state

    keys(OLD_KEY)
    case = case_in_state("submitted")
    keys(NEW_KEY, OLD_KEY)
    loaded = Case.objects.get(pk=case.pk)
    assert loaded.worker_id_number == "330302199001011234"
    assert loaded.worker_phone == "13812345678"
    keys(NEW_KEY)
    with pytest.raises(ValueError, match="unknown key"):
        Case.objects.get(pk=case.pk)


@pytest.mark.django_db
def test_masked_properties_of_a_case():
    from ..factories import case_in_state

    case = case_in_state("submitted")
    assert case.worker_id_masked == "3303**********1234"
    assert case.worker_phone_masked == "138****5678"


@pytest.mark.parametrize("value", [None, ""])
def test_the_field_stores_empty_values_as_they_are(value):
    field = Case._meta.get_field("worker_phone")
    assert field.get_prep_value(value) == value
    assert field.from_db_value(value, None, None) == value
