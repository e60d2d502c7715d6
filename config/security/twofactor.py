"""Two-factor authentication for staff (django-otp): enrolling a TOTP authenticator, verifying a sign-in with a
code from it or with a one-time recovery code, and the demo's published key.

Who must pass it is decided in one place, ``otp_required_for``; where it is enforced is
``config.security.middleware.StaffSessionMiddleware``. A session is verified when django-otp's ``otp_device_id``
names a confirmed device of its user (``django_otp.login``); django-otp's ``OTPMiddleware`` turns that into
``request.user.is_verified()``.
"""

import base64
import time
from dataclasses import dataclass
from enum import StrEnum

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

ENROLMENT_DEVICE_NAME = "身份验证器（待确认）"
TOTP_DEVICE_NAME = "身份验证器"
RECOVERY_DEVICE_NAME = "恢复码"
# The demo's published authenticator key (20 bytes, hex), shared by every demo account so that a visitor needs one
# authenticator entry (or `manage.py demo_totp`). Public like the demo password: never used outside seed_demo.
DEMO_TOTP_KEY = b"onestop-demo-2026!TO".hex()


class VerifyOutcome(StrEnum):
    VERIFIED = "verified"
    INVALID = "invalid"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret_base32: str
    otpauth_uri: str
    qr_svg: str


def otp_required_for(user) -> bool:
    """True for every signed-in member of staff (and every superuser): they must pass two-factor verification
    before any staff page, the admin or a session-authenticated API call."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_staff or user.is_superuser))


def user_has_confirmed_device(user) -> bool:
    """True when the user has a confirmed TOTP authenticator or recovery codes left to verify with."""
    return user_has_device(user, confirmed=True)


def totp_secret_base32(device: TOTPDevice) -> str:
    """The device's key as authenticator apps take it when typed in (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_code(device: TOTPDevice, *, at: float | None = None, step_offset: int = 0) -> str:
    """The code the device's authenticator shows at ``at`` (now by default), ``step_offset`` steps later."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (at if at is not None else time.time()) + step_offset * device.step
    return f"{totp.token():0{device.digits}d}"


def totp_enrolment_start(*, user) -> Enrolment:
    """The pending (unconfirmed) authenticator of ``user`` with its secret, otpauth URI and QR code; created on
    first call and reused after, so reloading the page does not change the code the user has just scanned."""
    device = (
        TOTPDevice.objects.filter(user=user, confirmed=False, name=ENROLMENT_DEVICE_NAME)
        .order_by("pk")
        .first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=ENROLMENT_DEVICE_NAME, confirmed=False)
    uri = device.config_url
    qr = segno.make(uri, error="m")
    return Enrolment(
        device=device,
        secret_base32=totp_secret_base32(device),
        otpauth_uri=uri,
        qr_svg=qr.svg_inline(scale=5, border=2, light="#fff", title="二维码：用身份验证器扫描"),
    )


@dataclass(frozen=True)
class EnrolmentResult:
    outcome: VerifyOutcome
    recovery_codes: list[str]


@transaction.atomic
def totp_enrolment_confirm(*, request, token: str) -> EnrolmentResult:
    """Confirm the pending authenticator of ``request.user`` with a ``token`` it shows.

    On success the device becomes the user's only confirmed TOTP device (an older one is removed), a fresh set of
    ``OTP_STATIC_RECOVERY_CODES`` recovery codes replaces any old set, the session is verified with a new key, and
    the recovery codes are returned: the only time they exist in clear outside the database. A wrong code (or
    no pending device) is INVALID; wrong codes are throttled as on the verify page (THROTTLED).
    """
    user = request.user
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False, name=ENROLMENT_DEVICE_NAME)
        .order_by("pk")
        .first()
    )
    if device is None:
        return EnrolmentResult(VerifyOutcome.INVALID, [])
    if not device.verify_is_allowed()[0]:
        return EnrolmentResult(VerifyOutcome.THROTTLED, [])
    if not device.verify_token(_normalise(token)):
        return EnrolmentResult(VerifyOutcome.INVALID, [])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.name = TOTP_DEVICE_NAME
    device.confirmed = True
    device.save(update_fields=["name", "confirmed"])
    codes = recovery_codes_replace(user=user)
    _session_verified(request, device)
    return EnrolmentResult(VerifyOutcome.VERIFIED, codes)


def recovery_codes_replace(*, user) -> list[str]:
    """A new set of one-time recovery codes for ``user`` (the old set stops working); returns them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_STATIC_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def otp_verify(*, request, token: str) -> VerifyOutcome:
    """Verify ``request.user``'s session with a code from their authenticator or a recovery code.

    Each device throttles its own failures (django-otp: a wait that doubles with every wrong code), so guessing
    is slow; a throttled answer says so rather than "wrong code". A TOTP code cannot be used twice (django-otp
    remembers the last time step accepted) and a recovery code is deleted once used. On success the session gets
    a new key, so an identifier seen before verification is worthless after it.
    """
    outcome, device = _token_match(user=request.user, token=token)
    if device is not None:
        _session_verified(request, device)
    return outcome


def otp_token_check(*, user, token: str) -> VerifyOutcome:
    """Check a code from ``user``'s authenticator (or a recovery code) where there is no session to mark: the
    API token exchange. The same throttling and single use as ``otp_verify``."""
    return _token_match(user=user, token=token)[0]


def _token_match(*, user, token: str):
    token = _normalise(token)
    # Six digits go to the authenticator, anything else to the recovery codes: a mistyped code then counts
    # against one kind of device only, and a recovery code does not throttle the authenticator.
    kind = TOTPDevice if token.isdigit() and len(token) <= 8 else StaticDevice
    throttled = False
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if not isinstance(device, kind):
                continue
            allowed, _data = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(token):
                return VerifyOutcome.VERIFIED, device
    return (VerifyOutcome.THROTTLED if throttled else VerifyOutcome.INVALID), None


def totp_device_ensure_demo(*, user) -> TOTPDevice:
    """The demo's confirmed authenticator for ``user``, with the published ``DEMO_TOTP_KEY`` (re-runnable)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, confirmed=True)
    device.name = TOTP_DEVICE_NAME
    device.key = DEMO_TOTP_KEY
    device.save()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device


def demo_totp_secret() -> str:
    """The demo key as typed into an authenticator app (base32)."""
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode("ascii").rstrip("=")


def _session_verified(request, device) -> None:
    otp_login(request, device)
    request.session.cycle_key()


def _normalise(token: str) -> str:
    # Authenticator apps show "123 456"; recovery codes are read aloud or copied with stray spaces.
    return "".join((token or "").split()).lower()
