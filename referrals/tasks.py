"""Thin tasks: take ids, call a service. A vanished or finished row makes the task a no-op."""

from celery import shared_task

from . import services

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
