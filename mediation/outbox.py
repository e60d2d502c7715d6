"""The three calls mediation makes into other apps' outboxes, kept here so each contract is named once.

- a reminder recorded once per key in the case's history (:func:`disputes.reminders.reminder_record_once`);
- a notification row (SMS to the employer's contact, in-app to staff, SMS to the worker) delivered after commit
  (:func:`referrals.services.notification_queue`);
- the payment-order handoff to the court (:func:`referrals.handoffs.handoff_create`), which has no case
  transition of its own.

Each runs inside the caller's transaction and writes rows only; nothing here talks to the outside world.
"""

from disputes.models import Case
from disputes.reminders import reminder_record_once
from organizations.models import Organization
from referrals.handoffs import handoff_create
from referrals.services import notification_queue
from referrals.states import HandoffKind


def reminder_once(*, case_id: int, key: str, name: str, note: str = "", payload: dict | None = None) -> bool:
    """Record the recorded event ``name`` in the case's history unless ``key`` was recorded before; True when it
    was recorded now."""
    return reminder_record_once(case_id=case_id, key=key, name=name, note=note, payload=payload)


def notify(
    *,
    case_id: int,
    channel: str,
    body: str,
    idempotency_key: str,
    to_worker: bool = False,
    recipient_user_id: int | None = None,
    phone: str = "",
) -> None:
    """Queue one notification; the same ``idempotency_key`` twice queues it once."""
    notification_queue(
        case_id=case_id,
        channel=channel,
        body=body,
        idempotency_key=idempotency_key,
        to_worker=to_worker,
        recipient_user_id=recipient_user_id,
        phone=phone,
    )


def payment_order_handoff(*, case: Case, court: Organization, actor, note: str, idempotency_key: str):
    """Hand the agreement to ``court`` for a payment order (支付令), with its packet, in this transaction."""
    return handoff_create(
        case=case,
        kind=HandoffKind.PAYMENT_ORDER,
        to_org=court,
        actor=actor,
        note=note,
        idempotency_key=idempotency_key,
    )
