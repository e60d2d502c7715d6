"""Delivery adapters: how one handoff message reaches its receiver. Each raises on failure; the caller
(:func:`referrals.handoffs.handoff_delivery_deliver`) decides between retrying and giving up.

- ``inbox``: the receiving organization's inbox in the platform (always): the handoff is listed for its staff,
  who get an in-app message.
- ``webhook``: the receiver's own system, over HTTPS, the packet signed with HMAC-SHA256 under the shared secret
  (:func:`sign`), with connect and read timeouts. 2xx is delivered; 408, 425, 429 and 5xx are retried; any other
  status is a refusal that retrying cannot fix (:class:`PermanentDeliveryError`).
- ``email``: a notice to the receiver's mailbox with the tracking code and where to find the handoff, never the
  packet (e-mail is not a safe place for ID numbers).
"""

import hashlib
import hmac
import json
import os
import time
from collections import defaultdict

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Membership

from .models import Notification
from .states import DeliveryChannel, NotificationChannel, NotificationStatus

SIGNATURE_HEADER = "X-OneStop-Signature"
TIMESTAMP_HEADER = "X-OneStop-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# A signed request older (or newer) than this is refused: a captured request cannot be replayed later.
SIGNATURE_TOLERANCE_SECONDS = 300
_RETRYABLE = {408, 425, 429}


class PermanentDeliveryError(Exception):
    """The receiver refused the message in a way that retrying will not change (a 4xx, no endpoint)."""


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>.<body>"``: the same scheme both ways (our webhooks,
    the receiver's callbacks)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_valid(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    """A signature made with ``secret`` over this body, at a time within the tolerance."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    if age > SIGNATURE_TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature or "")


_http_clients: dict[int, httpx.Client] = {}


def _http_client() -> httpx.Client:
    """This process's HTTP client for webhooks, made on first use and kept: its TLS context and its connections
    to the receivers are reused from one delivery to the next (a client made per request costs tens of
    milliseconds in loading CA certificates alone). Keyed by process id, so a forked pool process makes its own
    instead of sharing its parent's sockets. Same defaults as ``httpx.post``: certificates verified, redirects
    not followed."""
    pid = os.getpid()
    client = _http_clients.get(pid)
    if client is None:
        client = _http_clients[pid] = httpx.Client()
    return client


def webhook_body(delivery) -> bytes:
    handoff = delivery.handoff
    message = {
        "type": "handoff",
        "id": handoff.pk,
        "idempotency_key": delivery.idempotency_key,
        "kind": handoff.kind,
        "from": handoff.from_org.code if handoff.from_org_id else None,
        "to": handoff.to_org.code,
        "created_at": handoff.created_at.isoformat(),
        "packet": handoff.packet,
    }
    return json.dumps(message, ensure_ascii=False, sort_keys=True).encode()


def _webhook(delivery) -> None:
    endpoint = getattr(delivery.handoff.to_org, "endpoint", None)
    if endpoint is None or not endpoint.is_active or not endpoint.webhook_url:
        raise PermanentDeliveryError("no active webhook endpoint")
    if not endpoint.secret:
        raise PermanentDeliveryError("the endpoint has no signing secret")
    body = webhook_body(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "OneStop-Handoff/1",
        IDEMPOTENCY_HEADER: delivery.idempotency_key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    timeout = httpx.Timeout(
        float(endpoint.timeout_seconds), connect=min(3.0, float(endpoint.timeout_seconds))
    )
    response = _http_client().post(endpoint.webhook_url, content=body, headers=headers, timeout=timeout)
    if 200 <= response.status_code < 300:
        return
    message = f"HTTP {response.status_code}"
    if response.status_code >= 500 or response.status_code in _RETRYABLE:
        raise httpx.HTTPStatusError(message, request=response.request, response=response)
    raise PermanentDeliveryError(message)


def _email(delivery) -> None:
    handoff = delivery.handoff
    endpoint = getattr(handoff.to_org, "endpoint", None)
    if endpoint is None or not endpoint.email:
        raise PermanentDeliveryError("no e-mail address")
    params = {
        "kind": handoff.get_kind_display(),
        "code": handoff.case.tracking_code,
        "org": handoff.from_org.name if handoff.from_org_id else _("劳动者本人"),
    }
    send_mail(
        _("【一站式劳动争议调处】新的移交：%(kind)s（案件 %(code)s）") % params,
        _(
            "%(org)s向贵单位移交了一件%(kind)s事项，案件查询码 %(code)s。\n"
            "请登录平台在“移交收件箱”查看材料并签收：%(url)s\n"
            "（本邮件不含当事人个人信息。）"
        )
        % {**params, "url": inbox_path(handoff)},
        settings.DEFAULT_FROM_EMAIL,
        [endpoint.email],
    )


def inbox_notify(*, handoff) -> None:
    """The in-platform inbox: the receiving organization's staff get an in-app message, once each."""
    inbox_notify_many(handoffs=[handoff])


def inbox_notify_many(*, handoffs) -> None:
    """The inbox messages of several handoffs at once: one query for the receivers' staff, one bulk INSERT. Each
    message's idempotency key (``handoff:<id>:user:<user>:in_app``) is unique and a conflicting row is skipped
    (``ON CONFLICT DO NOTHING``), so a handoff delivered again never messages anyone twice."""
    if not handoffs:
        return
    staff: dict[int, list[int]] = defaultdict(list)
    for org_id, user_id in (
        Membership.objects.filter(
            organization_id__in={handoff.to_org_id for handoff in handoffs}, user__is_active=True
        )
        .values_list("organization_id", "user_id")
        .distinct()
    ):
        staff[org_id].append(user_id)
    now = timezone.now()
    messages = []
    for handoff in handoffs:
        body = _("新的移交：%(kind)s，案件 %(code)s，来自%(org)s。") % {
            "kind": handoff.get_kind_display(),
            "code": handoff.case.tracking_code,
            "org": handoff.from_org.name if handoff.from_org_id else _("劳动者本人"),
        }
        messages += [
            Notification(
                case_id=handoff.case_id,
                channel=NotificationChannel.IN_APP,
                recipient_user_id=user_id,
                body=body,
                idempotency_key=f"handoff:{handoff.pk}:user:{user_id}:in_app",
                status=NotificationStatus.SENT,
                sent_at=now,
            )
            for user_id in staff[handoff.to_org_id]
        ]
    Notification.objects.bulk_create(messages, ignore_conflicts=True, batch_size=1000)


def inbox_path(handoff) -> str:
    """Where the receiver's staff find the handoff: its page in the admin inbox (absolute when the public
    address is configured)."""
    path = reverse("admin:referrals_handoff_change", args=[handoff.pk])
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}" if settings.PUBLIC_BASE_URL else path


def _inbox(delivery) -> None:
    inbox_notify(handoff=delivery.handoff)


_ADAPTERS = {
    DeliveryChannel.INBOX: _inbox,
    DeliveryChannel.WEBHOOK: _webhook,
    DeliveryChannel.EMAIL: _email,
}


def deliver(delivery) -> None:
    adapter = _ADAPTERS.get(delivery.channel)
    if adapter is None:
        raise PermanentDeliveryError(f"unknown channel {delivery.channel}")
    adapter(delivery)
