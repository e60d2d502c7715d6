"""The security log: one JSON object per line on the logger ``onestop.security`` (settings.LOGGING).

Each record says who (``actor``: a user id, ``worker`` or ``system`` — never a name), what (``action``), on what
(``object_type`` and ``object_id``: a model name and a primary key), with what ``outcome``, when (``time``, UTC) and
in which request (``request_id``, from :class:`RequestIdMiddleware`). Extra ``details`` are limited to the keys in
:data:`DETAIL_KEYS`, each a code or a number: the log never holds a phone, an ID number, a name or free text, so it
can be kept and shipped to a log store without becoming personal data itself.

Events: sign-ins and failed sign-ins (Django's auth signals, connected in ``disputes.apps``), denials (every 401,
403 and 429 answer, seen by the middleware), case transitions (:func:`disputes.services.case_transition`, after
commit), exports (the statistics CSV and Excel), evidence downloads, and the scanner's verdicts.
"""

import contextvars
import hashlib
import hmac
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from django.conf import settings

LOGGER_NAME = "onestop.security"
logger = logging.getLogger(LOGGER_NAME)

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("onestop_request_id", default="")

# The only detail keys a record may carry; values must be codes (short ASCII words) or numbers.
DETAIL_KEYS = frozenset(
    {
        "transition",
        "from_state",
        "to_state",
        "format",
        "status",
        "method",
        "path",
        "reason",
        "kind",
        "count",
        "scan",
        "username_digest",
        "backend",
    }
)
_CODE = re.compile(r"^[A-Za-z0-9_./:+-]{0,200}$")
_DIGITS = re.compile(r"\d{6,}")


def current_request_id() -> str:
    return _request_id.get()


def _path(value: str) -> str:
    # Paths carry ids and codes only, but a long digit run could be a phone or an ID number typed into a URL.
    return _DIGITS.sub("<n>", value)[:200]


def _clean(details: dict) -> dict:
    clean = {}
    for key, value in details.items():
        if key not in DETAIL_KEYS or value is None:
            continue
        if isinstance(value, bool | int | float):
            clean[key] = value
        elif key == "path":
            clean[key] = _path(str(value))
        elif isinstance(value, str) and _CODE.match(value) and not _DIGITS.search(value):
            clean[key] = value
        else:
            clean[key] = "<redacted>"
    return clean


def actor_label(actor) -> str:
    """``user:<id>`` for a signed-in user, ``worker`` (the worker's sentinel), ``anonymous``, or ``system``; never
    a name."""
    if actor is None:
        return "system"
    kind = getattr(actor, "kind", None)  # disputes.permissions.WORKER / SYSTEM
    if kind in ("worker", "system"):
        return kind
    if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) is not None:
        return f"user:{actor.pk}"
    return "anonymous"


def security_event(
    action: str,
    *,
    actor=None,
    obj=None,
    object_type: str = "",
    object_id=None,
    outcome: str = "success",
    **details,
) -> None:
    """Write one security record. ``obj`` gives ``object_type``/``object_id`` from a model instance."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    logger.info(
        action,
        extra={
            "security": {
                "action": action,
                "actor": actor_label(actor),
                "object_type": object_type,
                "object_id": None if object_id is None else str(object_id),
                "outcome": outcome,
                "details": _clean(details),
            }
        },
    )


def username_digest(username: str) -> str:
    """A short keyed digest of a username, so that failed sign-ins for one account can be counted in the log
    without the log naming anyone."""
    message = f"username:{(username or '').strip().lower()}".encode()
    return hmac.new(settings.PII_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


class JsonFormatter(logging.Formatter):
    """One JSON object per record: the security fields when present, else level, logger and message."""

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "") or current_request_id(),
        }
        security = getattr(record, "security", None)
        if security is not None:
            body.update(security)
        else:
            body["message"] = record.getMessage()
        return json.dumps(body, ensure_ascii=False, sort_keys=True)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (for the plain formatter too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id() or "-"
        return True


class RequestIdMiddleware:
    """Give every request an id: the caller's ``X-Request-ID`` when it looks like one (a proxy or another
    agency's system set it), else a new one; answer with it, and put it on every log record of the request.
    Also the one place that logs denials: every 401, 403 and 429 answer, whatever raised it."""

    DENIED = {401: "denied", 403: "denied", 429: "rate_limited"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = supplied if _REQUEST_ID_OK.match(supplied) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
            outcome = self.DENIED.get(response.status_code)
            if outcome is not None:
                security_event(
                    "access_denied",
                    actor=getattr(request, "user", None),
                    outcome=outcome,
                    status=response.status_code,
                    method=request.method,
                    path=request.path,
                )
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            _request_id.reset(token)


# --- Django's sign-in signals (connected in disputes.apps: these are records, not domain flow) ----------------
def on_user_logged_in(sender, request, user, **kwargs):
    security_event("sign_in", actor=user, obj=user, outcome="success")


def on_user_logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event("sign_out", actor=user, obj=user, outcome="success")


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    security_event(
        "sign_in",
        actor=None,
        object_type="auth.user",
        outcome="failure",
        username_digest=username_digest(str(credentials.get("username", ""))),
    )


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_user_logged_in, dispatch_uid="onestop.security.sign_in")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="onestop.security.sign_out")
    user_login_failed.connect(on_user_login_failed, dispatch_uid="onestop.security.sign_in_failed")
