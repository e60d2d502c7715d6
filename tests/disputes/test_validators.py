import pytest
from django.core.exceptions import ValidationError

from disputes.validators import (
    id_number_check_digit,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)


def test_the_id_check_digit_follows_gb_11643():
    assert id_number_check_digit("11010519491231002") == "X"  # the standard's own example
    assert id_number_check_digit("44052418800101001") == "4"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002X",
        "11010519491231002x",
        " 110105 19491231002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_a_valid_id_number_is_normalized(raw):
    assert validate_id_number(raw) == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("1101051949123100", "id_format"),
        ("11010519491331002X", "id_birth"),
        ("11010530001231002X", "id_birth"),
        ("abcdefghijklmnopqr", "id_format"),
        ("", "id_format"),
    ],
)
def test_a_wrong_id_number_says_what_is_wrong_in_chinese(raw, code):
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(raw)
    assert excinfo.value.code == code
    assert "身份证号" in excinfo.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0577-88123456", "057788123456")],
)
def test_phones(raw, clean):
    assert validate_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "hello", "", "138123456789"])
def test_wrong_phones(raw):
    with pytest.raises(ValidationError, match="手机号"):
        validate_phone(raw)


@pytest.mark.parametrize("code", ["914403001922038216", "9144030071526726XG", "91330100799655058B", ""])
def test_credit_codes(code):
    assert validate_credit_code(code) == code


@pytest.mark.parametrize("code", ["914403001922038217", "91440300192203821", "I14403001922038216"])
def test_wrong_credit_codes(code):
    with pytest.raises(ValidationError, match="统一社会信用代码"):
        validate_credit_code(code)
