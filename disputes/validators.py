"""Checks on what a worker types, with messages in plain Chinese. One place for the form, the staff form and the
API alike."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .pii import normalize

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_number_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits of a resident ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a unified social credit code."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def validate_id_number(value: str) -> str:
    """An 18-character resident ID number with a valid birth date and check character; returns it normalized."""
    value = normalize(value)
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(_("身份证号应为18位，最后一位可以是数字或字母X。"), code="id_format")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期不正确，请核对。"), code="id_birth") from None
    if not date(1900, 1, 1) <= born <= timezone.localdate():
        raise ValidationError(_("身份证号中的出生日期不正确，请核对。"), code="id_birth")
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验不通过，可能有一位输错了，请逐位核对。"), code="id_checksum")
    return value


def validate_phone(value: str) -> str:
    """A mainland mobile number (11 digits starting with 1) or a landline with its area code."""
    value = normalize(value).removeprefix("+86")
    if not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise ValidationError(
            _("请填写11位手机号码（如 13812345678），或带区号的固定电话。"), code="phone_format"
        )
    return value


def validate_credit_code(value: str) -> str:
    """An 18-character unified social credit code (GB 32100-2015) with its check character; blank is allowed."""
    value = normalize(value)
    if not value:
        return value
    if not _CREDIT_CODE.match(value):
        raise ValidationError(
            _("统一社会信用代码应为18位数字或大写字母；不知道可以不填。"), code="credit_format"
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("统一社会信用代码校验不通过，请核对；不知道可以不填。"), code="credit_checksum"
        )
    return value
