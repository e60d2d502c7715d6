"""Thin tasks: take ids (or nothing), call a service."""

from celery import shared_task

from .services import reminders_run


@shared_task(name="mediation.reminders")
def reminders_task() -> dict[str, int]:
    """The daily sweep of payment reminders and the mediation-period notice (each recorded once per key)."""
    return reminders_run()
