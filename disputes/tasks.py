"""Thin tasks: take ids (or nothing), call a service."""

from celery import shared_task

from .intake.services import intake_clean_up
from .reminders import acceptance_overdue_alerts, deadline_reminders_scan


@shared_task(name="disputes.intake_clean_up")
def intake_clean_up_task() -> list[int]:
    return list(intake_clean_up())


@shared_task(name="disputes.acceptance_overdue_alerts")
def acceptance_overdue_alerts_task() -> list[int]:
    """Alert the stations that let an acceptance deadline pass (once per case per day)."""
    return acceptance_overdue_alerts()


@shared_task(name="disputes.deadline_reminders")
def deadline_reminders_task() -> int:
    """Remind of the legal deadlines near or past (each reminder once, however often this runs)."""
    return len(deadline_reminders_scan())
