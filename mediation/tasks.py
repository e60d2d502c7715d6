"""Thin tasks: take ids (or nothing), call a service."""

from celery import shared_task

from disputes.scanning import ScannerUnavailable

from .scanning import payment_proof_scan, payment_proof_scans_sweep
from .services import reminders_run


@shared_task(name="mediation.reminders")
def reminders_task() -> dict[str, int]:
    """The daily sweep of payment reminders and the mediation-period notice (each recorded once per key)."""
    return reminders_run()


@shared_task(
    name="mediation.scan_payment_proof",
    autoretry_for=(ScannerUnavailable,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def scan_payment_proof_task(*, payment_id: int) -> str | None:
    """Scan one quarantined payment proof; a scanner that cannot answer now is retried with backoff, then left to
    the sweeper (the proof stays quarantined meanwhile)."""
    return payment_proof_scan(payment_id=payment_id)


@shared_task(name="mediation.sweep_payment_proof_scans")
def sweep_payment_proof_scans_task() -> int:
    return payment_proof_scans_sweep()
