"""Thin tasks: take ids (or nothing), call a service."""

from celery import shared_task

from .intake.services import intake_clean_up
from .reminders import acceptance_overdue_alerts, deadline_reminders_scan
from .retention import cases_anonymise_expired
from .scanning import ScannerUnavailable, evidence_scan, evidence_scans_sweep


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


@shared_task(
    name="disputes.scan_evidence",
    autoretry_for=(ScannerUnavailable,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def scan_evidence_task(*, evidence_id: int) -> str | None:
    """Scan one quarantined evidence file; a scanner that cannot answer now is retried with backoff, then left to
    the sweeper (the file stays quarantined meanwhile)."""
    return evidence_scan(evidence_id=evidence_id)


@shared_task(name="disputes.sweep_evidence_scans")
def sweep_evidence_scans_task() -> int:
    return evidence_scans_sweep()


@shared_task(name="disputes.anonymise_closed_cases")
def anonymise_closed_cases_task() -> int:
    """Anonymise the closed cases whose retention period ran out (disputes.retention)."""
    return cases_anonymise_expired().anonymised
