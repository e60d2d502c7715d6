"""Thin tasks: take ids, call a service. A vanished or finished row makes the task a no-op."""

from celery import shared_task
from django.conf import settings

from . import aftercare, handoffs, services

_RETRY = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="referrals.dispatch_case_event", **_RETRY)
def dispatch_case_event(event_id: int) -> int:
    return len(services.case_event_dispatch(event_id=event_id))


@shared_task(name="referrals.deliver_notification", **_RETRY)
def deliver_notification(notification_id: int) -> bool:
    return services.notification_deliver(notification_id=notification_id)


@shared_task(name="referrals.sweep_case_events")
def sweep_case_events() -> int:
    return services.events_sweep()


@shared_task(name="referrals.sweep_notifications")
def sweep_notifications() -> int:
    return services.notifications_sweep()


@shared_task(name="referrals.clean_up_notification_pins")
def clean_up_notification_pins() -> int:
    return services.notification_pins_clean_up()


@shared_task(name="referrals.deliver_handoff", bind=True, **_RETRY)
def deliver_handoff(self, delivery_ids: list[int] | None = None, delivery_id: int | None = None) -> int:
    """Deliver these rows (``delivery_id``: a message published before batches) and, in a worker, fill the batch
    with other due inbox rows, so a backlog drains ``HANDOFF_BATCH_SIZE`` rows per task and the messages of rows
    taken that way find nothing to do. In-process (eager: the demo without a broker, unit tests) a request
    delivers only its own rows."""
    ids = [*(delivery_ids or []), *([delivery_id] if delivery_id is not None else [])]
    fill = 0 if self.request.is_eager else max(settings.HANDOFF_BATCH_SIZE - len(ids), 0)
    return handoffs.handoff_deliveries_deliver(delivery_ids=ids, fill=fill)


@shared_task(name="referrals.sweep_handoffs")
def sweep_handoffs() -> int:
    return handoffs.handoff_deliveries_sweep()


@shared_task(name="referrals.aftercare_checkins")
def aftercare_checkins() -> int:
    """Daily: the check-ins 30 and 90 days after closure, each recorded once (referrals.aftercare)."""
    return len(aftercare.checkins_scan())
