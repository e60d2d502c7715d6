"""Notifications: turning case events into rows by the rules, queueing one-off messages, delivering each exactly once,
and what staff do with them (read them, send a dead letter again).

Who hears of which event, on which channel and in which words is data (:class:`~referrals.models.NotificationRule`,
:class:`~referrals.models.MessageTemplate`); this module applies it. Every row is written inside the transaction
that causes it and published after commit (docs/outbox.md).
"""

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.celery import enqueue_on_commit
from disputes.intake.services import RECEIPT_KEEP, intake_pin_for
from disputes.models import Case, CaseEvent
from disputes.permissions import can_see_personal_data
from disputes.pii import mask_phone
from disputes.selectors import case_get_visible
from disputes.services import recorded_event_labels, transition_label
from disputes.states import WORKER_LABELS
from disputes.urgent import consultation_member_ids
from organizations.models import Membership, Region
from organizations.states import Role

from .models import EventDispatch, MessageTemplate, Notification, NotificationAudience, NotificationRule
from .models.notifications import ALL_RECORDED, ALL_TRANSITIONS, MessageLanguage, template_fields
from .sms import sms_backend, sms_quiet_until
from .states import NotificationChannel, NotificationStatus

logger = logging.getLogger(__name__)
User = get_user_model()

DELIVER_TASK = "referrals.deliver_notification"
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)
SWEEP_WINDOW = timedelta(days=7)

# The roles an audience stands for.
_STATION_ROLES = (Role.STATION_ADMIN, Role.MEDIATOR)
_HANDLER_ROLES = (Role.ARBITRATOR, Role.COURT_CLERK, Role.LEGAL_AID)
# The order audiences are resolved in: a user in two audiences gets the message of the first.
_STAFF_AUDIENCE_ORDER = (
    NotificationAudience.STATION_STAFF,
    NotificationAudience.HANDLER_STAFF,
    NotificationAudience.CONSULTATION_MEMBERS,
    NotificationAudience.REGION_OFFICIALS,
    NotificationAudience.CASE_MEDIATOR,
)
_STAFF_CHANNELS = (NotificationChannel.IN_APP, NotificationChannel.EMAIL)
# Used only when a rule names a template that has no body at all (the rows the migration seeds say the same).
_FALLBACK_BODIES = {
    "worker_filed": "【一站式劳动争议调处】已收到您的申请。查询码 {code}，查询密码 {pin}，请妥善保管，"
    "凭此在“进度查询”查看办理情况。",
    "worker_status": "【一站式劳动争议调处】您的申请（查询码 {code}）：{status}。请凭查询码和密码查看详情。",
    "staff_transition": "案件 {code}：{step}，当前状态：{status}",
    "staff_recorded": "案件 {code}：{step}",
}


# --- Words ---------------------------------------------------------------------------------------------------------
class _Placeholders(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message_render(body: str, context: dict[str, str]) -> str:
    """``body`` with its ``{name}`` placeholders filled from ``context`` by ``str.format_map``.

    Never raises: an unknown placeholder stays as written, and a body that is malformed (a lone brace) or reaches
    into a value (``{code.__class__}``, ``{0}``) is returned unfilled.
    """
    try:
        fields = template_fields(body)
    except ValueError:
        return body
    if any(not field.isidentifier() for field in fields):
        return body
    try:
        return body.format_map(_Placeholders({key: str(value) for key, value in context.items()}))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return body


def worker_language(case: Case) -> str:
    """The language of the worker's messages: English for ``en``, Simplified Chinese for every other code."""
    return MessageLanguage.EN if (case.language or "").strip().lower() == "en" else MessageLanguage.ZH_HANS


def _template_body(templates: dict[tuple[str, str], str], key: str, language: str, *, fallback: str) -> str:
    """The template's text in ``language``, else in Simplified Chinese, else the built-in text of ``key`` (or of
    ``fallback``): a rule whose template went missing still tells its audience something."""
    body = templates.get((key, language)) or templates.get((key, MessageLanguage.ZH_HANS))
    if body is None:
        logger.warning("message template %s has no body; using the built-in text", key)
        body = _FALLBACK_BODIES.get(key, _FALLBACK_BODIES[fallback])
    return body


def _uses_pin(body: str) -> bool:
    try:
        return "pin" in template_fields(body)
    except ValueError:
        return False


# --- Audiences -----------------------------------------------------------------------------------------------------
def _official_recipients(region_id: int | None) -> list[int]:
    """Officials whose bureau or federation oversees the region: its own, or one above it."""
    regions = []
    while region_id is not None and region_id not in regions:
        regions.append(region_id)
        region_id = Region.objects.filter(pk=region_id).values_list("parent_id", flat=True).first()
    return list(
        Membership.objects.filter(
            organization__region_id__in=regions,
            organization__is_active=True,
            role=Role.OFFICIAL,
            user__is_active=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def _staff_recipients(org_id: int | None, roles) -> list[int]:
    if org_id is None:
        return []
    return list(
        Membership.objects.filter(organization_id=org_id, role__in=roles, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _audience_user_ids(audience: str, event: CaseEvent) -> list[int]:
    case = event.case
    if audience == NotificationAudience.STATION_STAFF:
        return _staff_recipients(case.station_id, _STATION_ROLES)
    if audience == NotificationAudience.HANDLER_STAFF:
        return _staff_recipients(case.handling_org_id, _HANDLER_ROLES)
    if audience == NotificationAudience.CONSULTATION_MEMBERS:
        consultation = (event.payload or {}).get("consultation")
        return consultation_member_ids(consultation_id=consultation) if consultation else []
    if audience == NotificationAudience.REGION_OFFICIALS:
        return _official_recipients(case.region_id)
    if audience == NotificationAudience.CASE_MEDIATOR:
        return [case.mediator_id] if case.mediator_id else []
    return []


def _rules_for(event: CaseEvent, *, recorded: bool) -> dict[tuple[str, str], list[NotificationRule]]:
    """The active rules for the event, in one query, per (audience, channel): the event's own rule first, then
    the wildcard one."""
    wildcard = ALL_RECORDED if recorded else ALL_TRANSITIONS
    rules = NotificationRule.objects.filter(is_active=True, event__in=[event.transition, wildcard])
    grouped: dict[tuple[str, str], list[NotificationRule]] = defaultdict(list)
    for rule in sorted(rules, key=lambda rule: (rule.event != event.transition, rule.pk)):
        grouped[(rule.audience, rule.channel)].append(rule)
    return grouped


def _sms_due(now: datetime) -> datetime:
    return sms_quiet_until(now) or now


# --- Fan-out -------------------------------------------------------------------------------------------------------
@transaction.atomic
def case_event_dispatch(*, event_id: int) -> list[Notification]:
    """Fan one case event out into notification rows by the active :class:`NotificationRule` rows, once however
    often it is called (the :class:`EventDispatch` row's primary key is the event).

    Guarantees: for each audience and channel the event's own rule wins over a wildcard one; staff are never told
    of their own step; a staff member in two audiences gets one message per channel; an e-mail goes only to a
    staff member with an address. The worker's SMS is in the case's language; it carries the PIN only on the
    filing while the PIN is still kept (else the next rule applies), and only then is it exempt from quiet hours.
    Keys: ``event:<id>:worker:sms``, ``event:<id>:user:<uid>:<channel>``. Each row is published after commit.
    """
    event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None or not event.announce:
        return []
    try:
        with transaction.atomic():
            EventDispatch.objects.create(event=event)
    except IntegrityError:
        return []  # fanned out already
    recorded = event.transition in recorded_event_labels()
    rules = _rules_for(event, recorded=recorded)
    if not rules:
        return []
    keys = {rule.template_key for candidates in rules.values() for rule in candidates}
    templates = {(t.key, t.language): t.body for t in MessageTemplate.objects.filter(key__in=keys)}
    now = timezone.now()
    rows = []
    worker_row = _worker_row(
        event, rules.get((NotificationAudience.WORKER, NotificationChannel.SMS), []), templates, now
    )
    if worker_row is not None:
        rows.append(worker_row)
    rows += _staff_rows(event, rules, templates, now, recorded=recorded)
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    for row in Notification.objects.filter(event=event, status=NotificationStatus.PENDING).values_list(
        "pk", flat=True
    ):
        enqueue_on_commit(DELIVER_TASK, notification_id=row)
    return created


def _worker_row(event: CaseEvent, candidates: list[NotificationRule], templates, now) -> Notification | None:
    case = event.case
    language = worker_language(case)
    pin = intake_pin_for(case=case) if event.transition == "submit" else None
    for rule in candidates:
        body = _template_body(templates, rule.template_key, language, fallback="worker_status")
        carries_pin = _uses_pin(body)
        if carries_pin and not pin:
            continue  # the PIN is gone (or this is not the filing): the wildcard rule speaks instead
        with translation.override(language):
            context = {
                "code": case.tracking_code,
                "status": str(WORKER_LABELS.get(event.to_state, event.to_state)),
                "step": transition_label(event.transition),
            }
        if carries_pin:
            context["pin"] = pin
        return Notification(
            case=case,
            event=event,
            channel=NotificationChannel.SMS,
            to_worker=True,
            body=message_render(body, context),
            carries_pin=carries_pin,
            next_attempt_at=now if carries_pin else _sms_due(now),
            idempotency_key=f"event:{event.pk}:worker:sms",
        )
    return None


def _staff_rows(event: CaseEvent, rules, templates, now, *, recorded: bool) -> list[Notification]:
    case = event.case
    with translation.override(MessageLanguage.ZH_HANS):
        context = {
            "code": case.tracking_code,
            "step": transition_label(event.transition),
            "status": str(event.get_to_state_display()),
        }
    bodies: dict[str, str] = {}
    targets: list[tuple[int, str, str]] = []  # (user id, channel, template key)
    seen: set[tuple[int, str]] = set()
    audience_ids: dict[str, list[int]] = {}
    for audience in _STAFF_AUDIENCE_ORDER:
        for channel in _STAFF_CHANNELS:
            candidates = rules.get((audience, channel))
            if not candidates:
                continue
            if audience not in audience_ids:
                audience_ids[audience] = _audience_user_ids(audience, event)
            for user_id in audience_ids[audience]:
                if user_id == event.actor_id or (user_id, channel) in seen:
                    continue
                seen.add((user_id, channel))
                targets.append((user_id, channel, candidates[0].template_key))
    email_ids = [user_id for user_id, channel, _key in targets if channel == NotificationChannel.EMAIL]
    with_email = (
        set(
            User.objects.filter(pk__in=email_ids, is_active=True)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
        if email_ids
        else set()
    )
    rows = []
    for user_id, channel, key in targets:
        if channel == NotificationChannel.EMAIL and user_id not in with_email:
            continue
        if key not in bodies:
            fallback = "staff_recorded" if recorded else "staff_transition"
            bodies[key] = message_render(
                _template_body(templates, key, MessageLanguage.ZH_HANS, fallback=fallback), context
            )
        rows.append(
            Notification(
                case=case,
                event=event,
                channel=channel,
                recipient_user_id=user_id,
                body=bodies[key],
                next_attempt_at=now,
                idempotency_key=f"event:{event.pk}:user:{user_id}:{channel}",
            )
        )
    return rows


# --- One-off messages ----------------------------------------------------------------------------------------------
@transaction.atomic
def notification_queue(
    *,
    case_id: int,
    channel: str,
    body: str,
    idempotency_key: str,
    to_worker: bool = False,
    recipient_user_id: int | None = None,
    phone: str = "",
    email: str = "",
) -> Notification | None:
    """Queue one message about a case that no case event produced (a payment reminder to an employer's contact).

    Name exactly one recipient: ``to_worker`` (SMS to the case's worker phone), ``recipient_user_id`` (in-app, or
    e-mail to the user's address), ``phone`` (SMS to that number, kept encrypted) or ``email`` (e-mail to that
    address). ``body`` is sent as given (render it with :func:`message_render` first if it has placeholders).

    Runs inside the caller's transaction: the row is written there and published after commit, so a rollback
    leaves nothing. The first call with ``idempotency_key`` returns the new row; any later call with the same key
    is a no-op returning None. An SMS other than the filing's confirmation waits out the quiet hours. Raises
    ValueError for a call that names no recipient or several, a channel the recipient cannot get, an empty body,
    an unknown case or user, or a user without an e-mail address on the e-mail channel.
    """
    named = [bool(to_worker), recipient_user_id is not None, bool(phone), bool(email)]
    if sum(named) != 1:
        raise ValueError("notification_queue needs exactly one of to_worker, recipient_user_id, phone, email")
    allowed = {
        NotificationChannel.SMS: bool(to_worker or phone),
        NotificationChannel.EMAIL: bool(recipient_user_id is not None or email),
        NotificationChannel.IN_APP: recipient_user_id is not None,
    }
    if not allowed.get(channel, False):
        raise ValueError(f"channel {channel!r} cannot reach that recipient")
    if not body or not body.strip():
        raise ValueError("notification body is empty")
    if (
        not idempotency_key
        or len(idempotency_key) > Notification._meta.get_field("idempotency_key").max_length
    ):
        raise ValueError("idempotency_key must be 1 to 120 characters")
    if not Case.objects.filter(pk=case_id).exists():
        raise ValueError(f"no case {case_id}")
    if recipient_user_id is not None:
        user = User.objects.filter(pk=recipient_user_id).values("email").first()
        if user is None:
            raise ValueError(f"no user {recipient_user_id}")
        if channel == NotificationChannel.EMAIL and not user["email"]:
            raise ValueError(f"user {recipient_user_id} has no e-mail address")
    if Notification.objects.filter(idempotency_key=idempotency_key).exists():
        return None
    now = timezone.now()
    row = Notification(
        case_id=case_id,
        channel=channel,
        body=body,
        idempotency_key=idempotency_key,
        to_worker=bool(to_worker),
        recipient_user_id=recipient_user_id,
        to_phone=phone,
        to_email=email,
        next_attempt_at=_sms_due(now) if channel == NotificationChannel.SMS else now,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # a concurrent call with the same key won
        if Notification.objects.filter(idempotency_key=idempotency_key).exists():
            return None
        raise
    enqueue_on_commit(DELIVER_TASK, notification_id=row.pk)
    return row


# --- Delivery ------------------------------------------------------------------------------------------------------
def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _claimable(now: datetime) -> Q:
    return Q(status=NotificationStatus.PENDING) | Q(status=NotificationStatus.SENDING, lease_until__lt=now)


def notification_deliver(*, notification_id: int) -> bool:
    """Claim the row (pending and due, or a lapsed lease) and send it; a second call finds nothing to claim.

    An SMS that is not the filing's confirmation is not sent in quiet hours: its ``next_attempt_at`` moves to the
    end of the quiet period (the sweeper publishes it then) and no attempt is counted. A provider error puts the
    row back to pending with a growing delay, and to failed (a dead letter, see :func:`notification_retry`) after
    ``MAX_ATTEMPTS``; the error kept on the row never shows a phone number whole.
    """
    now = timezone.now()
    quiet_until = sms_quiet_until(now)
    if quiet_until is not None:
        deferred = Notification.objects.filter(
            _claimable(now),
            pk=notification_id,
            channel=NotificationChannel.SMS,
            carries_pin=False,
            next_attempt_at__lt=quiet_until,
        ).update(status=NotificationStatus.PENDING, next_attempt_at=quiet_until, lease_until=None)
        if deferred:
            return False
    claimed = Notification.objects.filter(
        _claimable(now), pk=notification_id, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, lease_until=now + LEASE)
    if not claimed:
        return False
    note = Notification.objects.select_related("case", "recipient_user").get(pk=notification_id)
    try:
        _send(note)
    except Exception as exc:  # a provider error: retry later from the row, or give up after MAX_ATTEMPTS
        failed = note.attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=note.pk).update(
            status=NotificationStatus.FAILED if failed else NotificationStatus.PENDING,
            next_attempt_at=timezone.now() + _backoff(note.attempts),
            lease_until=None,
            last_error=_masked_error(note, exc),
        )
        logger.warning("notification %s attempt %s failed: %s", note.pk, note.attempts, type(exc).__name__)
        return False
    Notification.objects.filter(pk=note.pk).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    return True


def _phone_of(note: Notification) -> str:
    return note.case.worker_phone if note.to_worker else note.to_phone


def _masked_error(note: Notification, exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    phone = _phone_of(note) if note.channel == NotificationChannel.SMS else ""
    if phone:
        text = text.replace(phone, mask_phone(phone))
    return text[:500]


def _send(note: Notification) -> None:
    if note.channel == NotificationChannel.SMS:
        phone = _phone_of(note)
        if not phone:
            raise ValueError("no phone number to send to")
        sms_backend().send(phone, note.body)
    elif note.channel == NotificationChannel.EMAIL:
        address = note.to_email or (note.recipient_user.email if note.recipient_user else "")
        if not address:
            raise ValueError("no e-mail address to send to")
        with translation.override(MessageLanguage.ZH_HANS):
            subject = _("一站式劳动争议调处通知：案件 %(code)s") % {"code": note.case.tracking_code}
        send_mail(subject, note.body, settings.DEFAULT_FROM_EMAIL, [address])
    # An in-app message is delivered once its row exists: the recipient reads it in the admin.


# --- Dead letters and reading ------------------------------------------------------------------------------------
def can_retry_notification(note: Notification, user) -> bool:
    """Superusers, and the staff who work the notification's case (they see the case's delivery log)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    return user.is_superuser or can_see_personal_data(note.case, user)


@transaction.atomic
def notification_retry(*, notification_id: int, actor) -> Notification:
    """Send a dead letter (a row failed after its last attempt) again: back to pending with a fresh count of
    attempts, published after commit; an ordinary SMS still waits out the quiet hours.

    404 (Http404) for a row whose case the actor may not see; PermissionDenied unless the actor works the case
    (or is a superuser); ValidationError for a row that has not failed, or a PIN message whose PIN has expired.
    """
    note = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if note is None:
        raise Http404(_("未找到该通知。"))
    note.case = case_get_visible(user=actor, case_id=note.case_id)
    if not can_retry_notification(note, actor):
        raise PermissionDenied(_("只有办理该案件的工作人员可以重新发送通知。"))
    if note.status != NotificationStatus.FAILED:
        raise ValidationError(
            _("只有发送失败的通知可以重新发送（当前状态：%(status)s）。")
            % {"status": note.get_status_display()}
        )
    if note.carries_pin and not note.body:
        raise ValidationError(
            _("该短信含查询密码，已超过保存期限，不能重新发送。请告知劳动者重新设置查询密码。")
        )
    now = timezone.now()
    due = _sms_due(now) if note.channel == NotificationChannel.SMS and not note.carries_pin else now
    Notification.objects.filter(pk=note.pk).update(
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=due, lease_until=None
    )
    enqueue_on_commit(DELIVER_TASK, notification_id=note.pk)
    logger.info("notification %s sent again by user %s", note.pk, actor.pk)
    note.refresh_from_db()
    return note


def notification_mark_read(*, actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's own unread notifications read (those of ``notification_ids``, or all when None); other
    people's rows are never touched, whoever the actor is. Returns how many were marked."""
    if not getattr(actor, "pk", None):
        return 0
    rows = Notification.objects.filter(recipient_user_id=actor.pk, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=notification_ids)
    return rows.update(read_at=timezone.now())


# --- Sweepers ------------------------------------------------------------------------------------------------------
def events_sweep() -> int:
    """Re-publish the fan-out of recent events that have none (the broker was down when they committed)."""
    since = timezone.now() - SWEEP_WINDOW
    ids = list(
        CaseEvent.objects.filter(created_at__gte=since, announce=True, dispatch__isnull=True).values_list(
            "pk", flat=True
        )[:1000]
    )
    for event_id in ids:
        enqueue_on_commit("referrals.dispatch_case_event", event_id=event_id)
    return len(ids)


def notifications_sweep() -> int:
    """Re-publish notifications that are due (quiet hours over included), or whose sender died holding the lease."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=NotificationStatus.SENDING, lease_until__lt=now)
        ).values_list("pk", flat=True)[:1000]
    )
    for notification_id in ids:
        enqueue_on_commit(DELIVER_TASK, notification_id=notification_id)
    return len(ids)


def notification_pins_clean_up(*, now: datetime | None = None) -> int:
    """Empty the bodies of confirmation SMS older than the PIN's keeping time (``RECEIPT_KEEP``, one day), so the
    PIN exists nowhere after it, as :func:`disputes.intake.services.intake_clean_up` guarantees for the receipt;
    one still unsent is given up as failed. Returns how many rows were emptied."""
    cutoff = (now or timezone.now()) - RECEIPT_KEEP
    stale = Notification.objects.filter(carries_pin=True, created_at__lt=cutoff).exclude(body="")
    unsent = Q(status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING])
    stale.filter(unsent).update(
        status=NotificationStatus.FAILED,
        lease_until=None,
        last_error=_("查询密码已超过保存期限，短信未发出。"),
    )
    return stale.update(body="")
