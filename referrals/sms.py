"""SMS providers, and the quiet hours in which ordinary SMS wait for the morning.

A provider has one method, ``send(phone, body)``: it returns once the provider accepted the message and raises on
any failure, so the notification row is retried (``referrals.services.notification_deliver``). No provider ever
logs or raises with a phone number unmasked.

``settings.SMS_BACKEND`` names the provider: :class:`ConsoleSmsBackend` for the demo and development,
:class:`AliyunSmsBackend` for Alibaba Cloud's SMS service (dysmsapi ``SendSms``).
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import uuid
from datetime import datetime, time, timedelta
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from disputes.pii import mask_phone

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not accept the message; the row is retried later."""


class ConsoleSmsBackend:
    """Writes the message to the log with the number masked: for the demo and development."""

    def send(self, phone: str, body: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), body)


# --- Alibaba Cloud (Aliyun) SMS ---------------------------------------------------------------------------------
ALIYUN_SMS_VERSION = "2017-05-25"
_SIGNATURE_PREFIX = re.compile(r"^\s*【[^】]{1,30}】\s*")


def aliyun_percent_encode(value: str) -> str:
    """Aliyun's encoding for RPC signatures: UTF-8, RFC 3986 (``A-Z a-z 0-9 - _ . ~`` kept, space → ``%20``,
    ``*`` → ``%2A``, upper-case hex)."""
    return quote(str(value), safe="~")


def aliyun_rpc_signature(*, method: str, params: dict[str, str], secret: str) -> str:
    """The signature v1 (HMAC-SHA1) of an RPC request, as Aliyun's "签名机制" describes it.

    The parameters (all but ``Signature``) are sorted by name, each name and value percent-encoded and joined as
    ``name=value`` with ``&``; StringToSign = ``METHOD&%2F&`` + the percent-encoded canonical string; the key is
    the AccessKey secret followed by ``&``; the signature is the Base64 of the HMAC-SHA1 digest.
    """
    canonical = "&".join(
        f"{aliyun_percent_encode(name)}={aliyun_percent_encode(params[name])}"
        for name in sorted(params)
        if name != "Signature"
    )
    string_to_sign = f"{method.upper()}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class AliyunSmsBackend:
    """Sends through dysmsapi ``SendSms`` with the generic template ``SMS_ALIYUN_TEMPLATE_CODE``, whose one
    parameter ``content`` carries our text (the template must be approved for variables that long).

    Aliyun puts the signature ``【SMS_ALIYUN_SIGN_NAME】`` in front of the text itself, so a leading ``【…】`` of our
    text is dropped rather than shown twice. Raises :class:`SmsError` on an HTTP error, a timeout, an answer that
    is not JSON, or ``Code`` other than ``"OK"``; the message never contains the phone number.
    """

    def __init__(
        self,
        *,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str | None = None,
        template_code: str | None = None,
        endpoint: str | None = None,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.access_key_id = access_key_id or settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = access_key_secret or settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = sign_name or settings.SMS_ALIYUN_SIGN_NAME
        self.template_code = template_code or settings.SMS_ALIYUN_TEMPLATE_CODE
        self.endpoint = endpoint or settings.SMS_ALIYUN_ENDPOINT
        self.timeout = timeout or settings.SMS_ALIYUN_TIMEOUT_SECONDS
        self.transport = transport
        missing = [
            name
            for name, value in (
                ("SMS_ALIYUN_ACCESS_KEY_ID", self.access_key_id),
                ("SMS_ALIYUN_ACCESS_KEY_SECRET", self.access_key_secret),
                ("SMS_ALIYUN_SIGN_NAME", self.sign_name),
                ("SMS_ALIYUN_TEMPLATE_CODE", self.template_code),
            )
            if not value
        ]
        if missing:
            raise ImproperlyConfigured(f"Aliyun SMS needs {', '.join(missing)}")
        url = urlsplit(self.endpoint)
        # The request carries the phone number and the text: in clear only to a test server on this machine.
        if url.scheme != "https" and not (url.scheme == "http" and _is_loopback(url.hostname)):
            raise ImproperlyConfigured("SMS_ALIYUN_ENDPOINT must be an https:// address")

    def params(self, phone: str, body: str, *, nonce: str | None = None, now: datetime | None = None) -> dict:
        """The signed form of one ``SendSms`` request."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(
                {"content": _SIGNATURE_PREFIX.sub("", body, count=1)}, ensure_ascii=False
            ),
            "Timestamp": (now or timezone.now()).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": ALIYUN_SMS_VERSION,
        }
        params["Signature"] = aliyun_rpc_signature(
            method="POST", params=params, secret=self.access_key_secret
        )
        return params

    def send(self, phone: str, body: str) -> None:
        masked = mask_phone(phone)
        try:
            with httpx.Client(
                transport=self.transport, timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0))
            ) as client:
                response = client.post(self.endpoint, data=self.params(phone, body))
        except httpx.HTTPError as exc:  # timeouts and refused connections; the request URL carries no phone
            raise SmsError(f"Aliyun SMS to {masked}: {type(exc).__name__}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        code = str(answer.get("Code") or "")
        if response.status_code != 200 or code != "OK":
            message = str(answer.get("Message") or "")[:200]
            if phone:
                message = message.replace(phone, masked)
            raise SmsError(
                f"Aliyun SMS to {masked}: HTTP {response.status_code} {code or '-'} {message}".strip()
            )
        logger.info("Aliyun SMS to %s accepted (BizId %s)", masked, answer.get("BizId", ""))


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


# --- Quiet hours --------------------------------------------------------------------------------------------------
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def quiet_hours() -> tuple[time, time] | None:
    """``settings.SMS_QUIET_HOURS`` (``"21:00-08:00"``) as (start, end); None when empty (no quiet hours)."""
    raw = settings.SMS_QUIET_HOURS
    if not raw or not raw.strip():
        return None
    match = _WINDOW.match(raw)
    if not match:
        raise ImproperlyConfigured(f"SMS_QUIET_HOURS must look like 21:00-08:00, not {raw!r}")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ImproperlyConfigured(f"SMS_QUIET_HOURS has an impossible time: {raw!r}")
    start, end = time(h1, m1), time(h2, m2)
    return None if start == end else (start, end)


def sms_quiet_until(now: datetime | None = None) -> datetime | None:
    """The end of the quiet period ``now`` falls in (an aware datetime), or None outside quiet hours.

    The window is read in ``settings.SMS_QUIET_HOURS_TIME_ZONE`` (Asia/Shanghai); it may run past midnight
    (21:00-08:00) or not (12:00-14:00). Its start is quiet, its end is not.
    """
    window = quiet_hours()
    if window is None:
        return None
    start, end = window
    zone = ZoneInfo(settings.SMS_QUIET_HOURS_TIME_ZONE)
    local = (now or timezone.now()).astimezone(zone)
    clock = local.time()
    if start < end:
        quiet = start <= clock < end
        end_day = local.date()
    else:  # past midnight: quiet from start until midnight, and from midnight until end
        quiet = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(end_day, end, tzinfo=zone)
