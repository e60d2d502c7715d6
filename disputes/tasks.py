"""Thin tasks: take ids (or nothing), call a service."""

from celery import shared_task

from .intake.services import intake_clean_up


@shared_task(name="disputes.intake_clean_up")
def intake_clean_up_task() -> list[int]:
    return list(intake_clean_up())
