"""Handoffs between organizations: created with the case change, delivered from the outbox, answered by the receiver.

Guarantees, and where they are enforced:

- **Nothing is lost.** A handoff and its deliveries are rows written in the transaction of the case change
  (:func:`handoffs_for_case_event` runs as a case effect inside :func:`disputes.services.case_transition`), so a
  committed change always has them and a rolled-back one never does. Publishing to the broker happens only after
  commit and may fail: :func:`handoff_deliveries_sweep` re-publishes every due row.
- **Retries live in the row.** ``attempts``, ``next_attempt_at`` (exponential back-off with jitter) and the lease
  are columns, never Celery countdowns, so a broker that redelivers or forgets a message changes nothing.
- **Delivered once.** A row is claimed with a conditional ``UPDATE … WHERE status = 'pending'`` (one row:
  :func:`handoff_delivery_deliver`; a batch of inbox rows: :func:`handoff_deliveries_deliver`, with ``FOR UPDATE
  SKIP LOCKED``); a second task for the same row claims nothing. Every message carries the delivery's idempotency
  key, so a receiver that gets it twice (a worker killed after sending, before recording) can tell, and the inbox's
  messages are written with unique keys (``ON CONFLICT DO NOTHING``) in the transaction that marks the rows
  delivered.
- **No endless loops.** A lease that runs out means the task holding the row died; after ``HANDOFF_MAX_LAPSES``
  such deaths, or ``HANDOFF_MAX_ATTEMPTS`` failed attempts, or a refusal that retrying cannot fix, the row becomes a
  dead letter, visible in the admin with its error and a retry button (:func:`handoff_delivery_retry`).
- **Callbacks have one effect.** The receiver's acknowledge / accept / decline / outcome are idempotent: the same
  answer twice changes nothing, a contradicting one is a conflict (409), and a callback key seen before returns
  the first answer (:class:`referrals.models.HandoffCallback`).
"""

import json
import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import enqueue_on_commit
from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.services import case_event_record
from disputes.states import ConfirmationRoute
from organizations.models import Organization
from organizations.selectors import scope_for

from .delivery import PermanentDeliveryError, deliver, inbox_notify_many
from .models import AgencyEndpoint, Handoff, HandoffCallback, HandoffDelivery
from .states import (
    HANDOFF_DECIDED,
    DeliveryChannel,
    DeliveryStatus,
    HandoffKind,
    HandoffStatus,
)

logger = logging.getLogger(__name__)

DELIVER_TASK = "referrals.deliver_handoff"
PACKET_SCHEMA = "onestop.handoff/1"

# Case transitions that hand the case to another organization: the organization is the case's handling_org after
# the transition. Everything else that hands something over (legal aid, re-employment, counselling, a payment
# order) calls handoff_create itself.
_TRANSITION_KINDS: dict[str, Callable[[Case], str]] = {
    "request_confirmation": lambda case: (
        HandoffKind.JUDICIAL_CONFIRMATION
        if case.confirmation_route == ConfirmationRoute.JUDICIAL_CONFIRMATION
        else HandoffKind.ARBITRATION_REVIEW
    ),
    "refer_to_arbitration": lambda case: HandoffKind.ARBITRATION,
    "open_enforcement": lambda case: HandoffKind.ENFORCEMENT,
}


# --- The packet ------------------------------------------------------------------------------------------------
PacketSection = Callable[..., "tuple[str, object] | None"]  # section(*, case) -> (name, value) | None
_packet_sections: list[PacketSection] = []


def register_packet_section(section: PacketSection) -> None:
    """An upper app adds a part of the packet it owns (mediation: the agreement and its payments)."""
    if section not in _packet_sections:
        _packet_sections.append(section)


def _money(value) -> str | None:
    return None if value is None else str(value)


def handoff_packet(*, case: Case, kind: str) -> dict:
    """The machine-readable packet a receiver gets: parties, claims, amounts, agreement, evidence with hashes.

    It is for the organization that will work the case, so it carries the worker's ID number and phone whole; it
    is stored encrypted and sent only over the signed webhook or shown to the receiver's staff.
    """
    packet = {
        "schema": PACKET_SCHEMA,
        "kind": kind,
        "case": {
            "tracking_code": case.tracking_code,
            "status": case.status,
            "channel": case.channel,
            "industry": case.industry,
            "filed_at": case.created_at.isoformat(),
            "station": case.station.code if case.station_id else None,
            "region": case.region.code if case.region_id else None,
            "facts": case.facts,
            "services": list(case.services or []),
            "language": case.language,
        },
        "worker": {
            "name": case.worker_name,
            "id_number": case.worker_id_number,
            "phone": case.worker_phone,
        },
        "employer": {
            "name": case.employer_name,
            "credit_code": case.employer_credit_code,
            "site": case.employer_site,
        },
        "respondents": [
            {"role": r.role, "name": r.name, "credit_code": r.credit_code, "is_primary": r.is_primary}
            for r in case.respondents.order_by("-is_primary", "id")
        ],
        "claims": [
            {"category": c.category, "amount": _money(c.amount)} for c in case.claims.order_by("category")
        ],
        "amounts": {
            "claimed": _money(case.amount_claimed),
            "agreed": _money(case.amount_agreed),
            "paid": _money(case.amount_paid),
        },
        "evidence": [
            {
                "name": e.display_name,
                "kind": e.kind,
                "content_type": e.content_type,
                "size": e.size,
                "sha256": e.sha256,
                "uploaded_at": e.uploaded_at.isoformat(),
            }
            for e in case.evidence.order_by("uploaded_at", "id")
        ],
    }
    for section in _packet_sections:
        part = section(case=case)
        if part is not None:
            name, value = part
            packet[name] = value
    return packet


# --- Creating ----------------------------------------------------------------------------------------------------
def _deliveries_for(handoff: Handoff) -> list[HandoffDelivery]:
    channels = [DeliveryChannel.INBOX]
    endpoint = AgencyEndpoint.objects.filter(organization_id=handoff.to_org_id, is_active=True).first()
    if endpoint is not None and endpoint.webhook_url:
        channels.append(DeliveryChannel.WEBHOOK)
    if endpoint is not None and endpoint.email:
        channels.append(DeliveryChannel.EMAIL)
    return [
        HandoffDelivery(
            handoff=handoff,
            channel=channel,
            idempotency_key=f"handoff:{handoff.pk}:{channel}",
        )
        for channel in channels
    ]


@transaction.atomic
def handoff_create(
    *,
    case: Case,
    kind: str,
    to_org: Organization,
    actor=None,
    from_org: Organization | None = None,
    event: CaseEvent | None = None,
    note: str = "",
    idempotency_key: str = "",
    details: dict | None = None,
    packet: dict | None = None,
) -> Handoff:
    """Hand ``case`` to ``to_org`` for ``kind``: the handoff, its packet and one delivery row per channel, in the
    caller's transaction; the deliveries are published after commit.

    Called with the ``event`` of the case change that causes it (a transition), or alone (a legal-aid request),
    in which case a ``handoff_sent`` history row is recorded. The same ``idempotency_key`` (derived from the event
    when there is one) returns the existing handoff instead of a second one. ``details`` (JSON-able) goes into the
    packet as ``request``: what is asked of the receiver (the worker's job-seeking form, a legal-aid request).
    ``packet`` replaces the full case packet for a receiver that needs less of the case (PIPL Art. 6: the
    employment and counselling services get the worker's name and phone and the request, not the dispute).
    """
    key = idempotency_key or (
        f"event:{event.pk}:{kind}" if event else f"case:{case.pk}:{kind}:{uuid.uuid4()}"
    )
    existing = Handoff.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if event is None:
        event = case_event_record(
            case_id=case.pk,
            name="handoff_sent",
            actor=actor,
            note=note,
            payload={"kind": kind, "to": to_org.code},
        )
    packet = dict(packet) if packet is not None else handoff_packet(case=case, kind=kind)
    if details:
        packet["request"] = details
    handoff = Handoff.objects.create(
        case=case,
        kind=kind,
        from_org=from_org if from_org is not None else case.station,
        to_org=to_org,
        event=event,
        packet_json=json.dumps(packet, ensure_ascii=False, sort_keys=True, default=str),
        reason=note,
        idempotency_key=key,
        created_at=event.created_at,
    )
    deliveries = HandoffDelivery.objects.bulk_create(_deliveries_for(handoff))
    # One message for the handoff's rows (not one per row): the task delivers them, and fills its batch with
    # other due inbox rows (handoff_deliveries_deliver).
    enqueue_on_commit(DELIVER_TASK, delivery_ids=[delivery.pk for delivery in deliveries])
    return handoff


def handoffs_for_case_event(*, case: Case, event: CaseEvent) -> None:
    """The case effect (disputes.extensions): a transition that hands the case over writes its handoff."""
    kind_for = _TRANSITION_KINDS.get(event.transition)
    if kind_for is None or case.handling_org_id is None:
        return
    handoff_create(
        case=case, kind=kind_for(case), to_org=case.handling_org, event=event, note=event.note, actor=None
    )


# --- Delivering --------------------------------------------------------------------------------------------------
# The case's columns a delivery never reads; "status" stays because the state machine reads it on load.
_CASE_COLUMNS_NOT_READ = [
    f"handoff__case__{field.name}"
    for field in Case._meta.concrete_fields
    if field.name not in ("id", "tracking_code", "status")
]


def _lease() -> timedelta:
    return timedelta(seconds=settings.HANDOFF_LEASE_SECONDS)


def _backoff(attempts: int) -> timedelta:
    """Exponential back-off with full jitter, capped: 1×, 2×, 4×… the base, at most an hour."""
    ceiling = min(settings.HANDOFF_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)
    jitter = random.uniform(0, ceiling / 2)  # jitter of a retry delay, not a secret  # nosec B311
    return timedelta(seconds=ceiling / 2 + jitter)


def _short_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def handoff_delivery_deliver(*, delivery_id: int) -> bool:
    """Claim one due delivery and send it through its channel. Returns True when this call delivered it.

    The claim is a conditional UPDATE: of any number of concurrent calls for a row, one gets it. While it holds
    the lease, nobody else may take the row; if it dies, the sweeper takes the row back when the lease runs out.
    The adapter's own writes and the row marked delivered commit in one transaction, so a delivery inside the
    platform (the inbox) has its effect exactly once; one outside (a webhook) may be repeated after a death, with
    the same idempotency key.
    """
    now = timezone.now()
    claimed = HandoffDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, lease_until=now + _lease())
    if not claimed:
        return False
    # Everything an adapter reads comes with the row in one query: both organizations, the receiver's endpoint,
    # and of the case only what adapters print (a whole case row is wide and costs more than the delivery).
    delivery = (
        HandoffDelivery.objects.select_related(
            "handoff__case", "handoff__from_org", "handoff__to_org__endpoint"
        )
        .defer(*_CASE_COLUMNS_NOT_READ)
        .get(pk=delivery_id)
    )
    return _deliver_claimed(delivery)


def _deliver_claimed(delivery: HandoffDelivery) -> bool:
    """Send a row this process has claimed (status ``sending``, its attempt counted); record the outcome in the
    row: delivered, back to pending after a back-off, or a dead letter. True when delivered."""
    try:
        # An adapter's own writes (the inbox's messages) and the row marked delivered commit together: an inbox
        # delivery has its effect exactly once even if the task dies. (A webhook's effect is outside; the
        # transaction only begins with the first write after it answered.)
        with transaction.atomic():
            deliver(delivery)
            _delivered(delivery)
    except PermanentDeliveryError as exc:
        _give_up(delivery, _short_error(exc))
        return False
    except Exception as exc:  # a network error, a timeout, a 5xx: try again later, from the row
        if delivery.attempts >= settings.HANDOFF_MAX_ATTEMPTS:
            _give_up(delivery, _short_error(exc))
        else:
            HandoffDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.PENDING,
                next_attempt_at=timezone.now() + _backoff(delivery.attempts),
                lease_until=None,
                last_error=_short_error(exc),
            )
            logger.warning(
                "handoff delivery %s attempt %s failed: %s",
                delivery.pk,
                delivery.attempts,
                type(exc).__name__,
            )
        return False
    return True


def _delivered(delivery: HandoffDelivery) -> None:
    """Mark the row delivered, and the handoff with its first delivery; in the caller's transaction."""
    now = timezone.now()
    HandoffDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DELIVERED, delivered_at=now, lease_until=None, last_error=""
    )
    if delivery.handoff.status == HandoffStatus.PENDING:  # as loaded; a handoff never goes back to pending
        Handoff.objects.filter(pk=delivery.handoff_id, status=HandoffStatus.PENDING).update(
            status=HandoffStatus.DELIVERED, delivered_at=now
        )


# --- Delivering in batches ---------------------------------------------------------------------------------------
def handoff_deliveries_deliver(*, delivery_ids: Iterable[int] = (), fill: int = 0) -> int:
    """Deliver the due rows among ``delivery_ids`` and, with ``fill`` > 0, up to that many other due inbox rows;
    return how many this call delivered.

    - Inbox rows are claimed together by one statement (:func:`_claim_inbox_batch`: ``UPDATE … WHERE id IN
      (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING id``): each row's attempt is counted and its lease set
      exactly as a single claim does, and concurrent batches never take the same row nor wait on each other. They
      are then delivered in one transaction (:func:`_deliver_inbox_batch`): every message inserted with its
      idempotency key (``ON CONFLICT DO NOTHING``), the rows and their handoffs marked delivered by one UPDATE
      each. A task killed in between commits nothing of it; the rows keep their lease, which lapses, and the
      sweep takes them back (a lapse each, a dead letter after ``HANDOFF_MAX_LAPSES``).
    - Webhook and e-mail rows among ``delivery_ids`` are claimed one at a time just before they are sent
      (:func:`handoff_delivery_deliver`), each with its own lease and timeouts: a slow receiver never lets the
      lease of a row waiting behind it run out. ``fill`` never takes them.
    """
    ids = list(dict.fromkeys(int(pk) for pk in delivery_ids))
    channels = dict(HandoffDelivery.objects.filter(pk__in=ids).values_list("pk", "channel")) if ids else {}
    inbox = [pk for pk in ids if channels.get(pk) == DeliveryChannel.INBOX]
    delivered = _deliver_inbox_batch(_claim_inbox_batch(ids=inbox, fill=fill))
    for pk in ids:
        if channels.get(pk) not in (None, DeliveryChannel.INBOX):
            delivered += handoff_delivery_deliver(delivery_id=pk)
    return delivered


def _claim_inbox_batch(*, ids: list[int], fill: int) -> list[int]:
    """Claim the due inbox rows among ``ids`` and up to ``fill`` other due inbox rows, oldest due first, in one
    statement; return the ids claimed. A row another transaction holds is skipped (SKIP LOCKED), not waited for;
    the ``status = 'pending'`` condition of the outer UPDATE is checked again on the locked row, so a row claimed
    meanwhile is not claimed twice."""
    if not ids and fill <= 0:
        return []
    table = connection.ops.quote_name(HandoffDelivery._meta.db_table)
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    due = "channel = %s AND status = %s AND next_attempt_at <= %s"
    due_params = [DeliveryChannel.INBOX.value, DeliveryStatus.PENDING.value, adapt(now)]
    mine = f"id IN ({', '.join(['%s'] * len(ids))})" if ids else "1 = 0"
    # The table's name and fixed clauses come from the code; every value is a parameter.
    sql = (
        f"UPDATE {table} SET status = %s, attempts = attempts + 1, lease_until = %s "  # noqa: S608  # nosec B608
        f"WHERE {due} AND ({mine} OR id IN "
        f"(SELECT id FROM {table} WHERE {due} ORDER BY next_attempt_at LIMIT %s{lock})) RETURNING id"
    )
    params = [
        DeliveryStatus.SENDING.value,
        adapt(now + _lease()),
        *due_params,
        *ids,
        *due_params,
        max(fill, 0),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _deliver_inbox_batch(ids: list[int]) -> int:
    """Deliver claimed inbox rows together; return how many were marked delivered. If the batch fails as a whole
    (a database error), each row is delivered on its own instead, so one bad row costs only its own attempt."""
    if not ids:
        return 0
    deliveries = list(
        HandoffDelivery.objects.select_related("handoff__case", "handoff__from_org", "handoff__to_org")
        .defer("handoff__packet_json", *_CASE_COLUMNS_NOT_READ)  # the inbox never reads the packet
        .filter(pk__in=ids, status=DeliveryStatus.SENDING)
        .order_by("pk")
    )
    try:
        with transaction.atomic():
            inbox_notify_many(handoffs=[delivery.handoff for delivery in deliveries])
            now = timezone.now()
            delivered = HandoffDelivery.objects.filter(
                pk__in=[delivery.pk for delivery in deliveries], status=DeliveryStatus.SENDING
            ).update(status=DeliveryStatus.DELIVERED, delivered_at=now, lease_until=None, last_error="")
            Handoff.objects.filter(
                pk__in={delivery.handoff_id for delivery in deliveries}, status=HandoffStatus.PENDING
            ).update(status=HandoffStatus.DELIVERED, delivered_at=now)
    except Exception:  # noqa: BLE001 (each row is then tried alone and records its own error)
        logger.warning("a batch of %s inbox deliveries failed; delivering them one by one", len(deliveries))
        return sum(_deliver_claimed(delivery) for delivery in deliveries)
    return delivered


@transaction.atomic
def _give_up(delivery: HandoffDelivery, error: str) -> None:
    """Make the row a dead letter and tell the sender in the case history (staff only)."""
    updated = HandoffDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.DEAD, lease_until=None, last_error=error
    )
    if updated:
        _record_dead_letter(delivery.handoff, delivery.channel)


def _record_dead_letter(handoff: Handoff, channel: str) -> None:
    logger.error("handoff %s delivery by %s is a dead letter", handoff.pk, channel)
    case_event_record(
        case_id=handoff.case_id,
        name="handoff_dead_letter",
        actor=None,
        payload={"handoff": handoff.pk, "channel": channel, "to": handoff.to_org.code},
    )


def handoff_deliveries_sweep(*, limit: int = 5000) -> int:
    """The safety net (Celery beat, every few seconds): re-publish due rows and take back rows whose lease ran out;
    return how many rows it published.

    Rows are picked with ``SELECT … FOR UPDATE SKIP LOCKED``, so sweepers running at once (two beat processes, a
    slow run overlapping the next) share the work instead of doing it twice or waiting on each other. A row whose
    lease ran out ``HANDOFF_MAX_LAPSES`` times becomes a dead letter instead of being tried for ever. Inbox rows
    are published ``HANDOFF_BATCH_SIZE`` to a message (one task delivers them together), webhook and e-mail rows
    one to a message (each waits on its receiver).
    """
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            HandoffDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            )
            .order_by("next_attempt_at")
            .values_list("pk", "status", "lapses", "channel")[:limit]
        )
        lapsed = [(pk, lapses) for pk, status, lapses, _channel in rows if status == DeliveryStatus.SENDING]
        dead = [pk for pk, lapses in lapsed if lapses + 1 >= settings.HANDOFF_MAX_LAPSES]
        revived = [pk for pk, lapses in lapsed if lapses + 1 < settings.HANDOFF_MAX_LAPSES]
        if revived:
            HandoffDelivery.objects.filter(pk__in=revived).update(
                status=DeliveryStatus.PENDING,
                lapses=F("lapses") + 1,
                lease_until=None,
                next_attempt_at=now,
                last_error=_("投递任务中断（租约到期），已重新排队。"),
            )
        if dead:
            HandoffDelivery.objects.filter(pk__in=dead).update(
                status=DeliveryStatus.DEAD,
                lapses=F("lapses") + 1,
                lease_until=None,
                last_error=_("投递任务连续 %(n)d 次中断，已停止自动重试。")
                % {"n": settings.HANDOFF_MAX_LAPSES},
            )
            for delivery in HandoffDelivery.objects.filter(pk__in=dead).select_related("handoff__to_org"):
                _record_dead_letter(delivery.handoff, delivery.channel)
        revived_set = set(revived)
        due = [
            (pk, channel)
            for pk, status, _lapses, channel in rows
            if status == DeliveryStatus.PENDING or pk in revived_set
        ]
        inbox = [pk for pk, channel in due if channel == DeliveryChannel.INBOX]
        size = max(settings.HANDOFF_BATCH_SIZE, 1)
        for start in range(0, len(inbox), size):
            enqueue_on_commit(DELIVER_TASK, delivery_ids=inbox[start : start + size])
        for pk, channel in due:
            if channel != DeliveryChannel.INBOX:
                enqueue_on_commit(DELIVER_TASK, delivery_ids=[pk])
    return len(due)


@transaction.atomic
def handoff_delivery_retry(*, delivery_id: int, actor) -> HandoffDelivery:
    """Send a dead letter again (the admin's retry button): back to pending with a fresh count of attempts."""
    delivery = HandoffDelivery.objects.select_for_update().select_related("handoff").get(pk=delivery_id)
    if not handoff_may_operate(handoff=delivery.handoff, user=actor):
        raise PermissionDenied(_("您没有权限重新投递这条移交。"))
    if delivery.status != DeliveryStatus.DEAD:
        raise TransitionConflict(
            name="retry",
            current_state=delivery.status,
            current_label=str(delivery.get_status_display()),
            reason=_("只有投递失败的记录才能重新投递。"),
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.lapses = 0
    delivery.next_attempt_at = timezone.now()
    delivery.lease_until = None
    delivery.save(update_fields=["status", "attempts", "lapses", "next_attempt_at", "lease_until"])
    enqueue_on_commit(DELIVER_TASK, delivery_ids=[delivery.pk])
    return delivery


# --- Who may do what ---------------------------------------------------------------------------------------------
def handoff_list_visible_to(*, user):
    """Handoffs sent by or to the user's organizations (and their branches); all for a superuser."""
    scope = scope_for(user)
    qs = Handoff.objects.select_related("case", "from_org", "to_org")
    if scope.is_superuser:
        return qs
    return qs.filter(Q(to_org_id__in=scope.org_ids) | Q(from_org_id__in=scope.org_ids))


def handoff_is_receiver(*, handoff: Handoff, user) -> bool:
    scope = scope_for(user)
    return scope.is_superuser or handoff.to_org_id in scope.org_ids


def handoff_may_operate(*, handoff: Handoff, user) -> bool:
    """Retry a dead letter: the sender's or the receiver's staff."""
    scope = scope_for(user)
    return scope.is_superuser or handoff.to_org_id in scope.org_ids or handoff.from_org_id in scope.org_ids


# --- The receiver's answers ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Answer:
    status: str  # the status the answer leads to
    allowed_from: tuple[str, ...]
    event: str | None  # the history row recorded when it takes effect


_ANSWERS = {
    "acknowledge": _Answer(
        HandoffStatus.ACKNOWLEDGED, (HandoffStatus.PENDING, HandoffStatus.DELIVERED), "handoff_acknowledged"
    ),
    "accept": _Answer(
        HandoffStatus.ACCEPTED,
        (HandoffStatus.PENDING, HandoffStatus.DELIVERED, HandoffStatus.ACKNOWLEDGED),
        "handoff_accepted",
    ),
    "decline": _Answer(
        HandoffStatus.DECLINED,
        (HandoffStatus.PENDING, HandoffStatus.DELIVERED, HandoffStatus.ACKNOWLEDGED),
        "handoff_declined",
    ),
    "complete": _Answer(HandoffStatus.ACCEPTED, (HandoffStatus.ACCEPTED,), "handoff_completed"),
}
ANSWER_NAMES = tuple(_ANSWERS)


def _already(handoff: Handoff, action: str) -> bool:
    """The same answer given before: a repeat, to be answered as a success with no effect."""
    if action == "acknowledge":
        return handoff.acknowledged_at is not None or handoff.status in HANDOFF_DECIDED
    if action == "complete":
        return handoff.completed_at is not None
    return handoff.status == _ANSWERS[action].status


@transaction.atomic
def handoff_answer(
    *,
    handoff_id: int,
    action: str,
    actor,
    reason: str = "",
    reference: str = "",
    assignee_name: str = "",
    outcome: str = "",
    callback_key: str = "",
) -> Handoff:
    """The receiving organization acknowledges, accepts, declines or reports the outcome of a handoff.

    Idempotent: a repeated answer has no second effect; a ``callback_key`` seen before returns the handoff as it
    is; an answer that contradicts an earlier one (accept after decline) raises :class:`TransitionConflict`. Only
    the receiver's staff may answer (:class:`PermissionDenied`); a handoff the actor may not see is a
    ``Handoff.DoesNotExist`` (404) for the caller to map.
    """
    if action not in _ANSWERS:
        raise ValidationError(_("未知的操作。"))
    handoff = handoff_list_visible_to(user=actor).select_for_update(of=("self",)).get(pk=handoff_id)
    if not handoff_is_receiver(handoff=handoff, user=actor):
        raise PermissionDenied(_("只有接收机构可以答复这条移交。"))
    if (
        callback_key
        and HandoffCallback.objects.filter(handoff=handoff, idempotency_key=callback_key).exists()
    ):
        return handoff
    spec = _ANSWERS[action]
    if not _already(handoff, action):
        if handoff.status not in spec.allowed_from:
            raise TransitionConflict(
                name=action,
                current_state=handoff.status,
                current_label=str(handoff.get_status_display()),
                reason=_("这条移交已经答复过，不能再改为其他答复。"),
            )
        _apply(handoff, action, spec, actor, reason, reference, assignee_name, outcome)
    if callback_key:
        try:
            with transaction.atomic():
                HandoffCallback.objects.create(
                    handoff=handoff,
                    idempotency_key=callback_key[:120],
                    action=action,
                    answer={"status": handoff.status},
                )
        except IntegrityError:
            pass  # a concurrent call with the same key recorded it first; the row lock made its effect ours
    return handoff


def _apply(handoff, action, spec, actor, reason, reference, assignee_name, outcome) -> None:
    now = timezone.now()
    if action == "decline" and not reason.strip():
        raise ValidationError({"reason": _("请填写不予接收的理由。")})
    if action == "complete" and not outcome.strip():
        raise ValidationError({"outcome": _("请填写办理结果。")})
    handoff.status = spec.status
    if handoff.delivered_at is None:
        handoff.delivered_at = now
    if handoff.acknowledged_at is None:  # accepting or declining implies having received it
        handoff.acknowledged_at = now
    if action in ("accept", "decline"):
        handoff.decided_at = now
        handoff.decided_by = actor if getattr(actor, "pk", None) else None
    if action == "decline":
        handoff.reason = reason.strip()
    if reference:
        handoff.reference = reference.strip()[:64]
    if assignee_name:
        handoff.assignee_name = assignee_name.strip()[:64]
    if action == "complete":
        handoff.outcome = outcome.strip()
        handoff.completed_at = now
    handoff.save()
    payload = {"handoff": handoff.pk, "kind": handoff.kind, "to": handoff.to_org.code}
    if handoff.reference:
        payload["reference"] = handoff.reference
    case_event_record(
        case_id=handoff.case_id,
        name=spec.event,
        actor=actor,
        note=reason or outcome,
        payload=payload,
    )
