"""Virus scanning of payment proofs: the evidence quarantine of :mod:`disputes.scanning`, applied to
:class:`mediation.models.Payment`.

Same rules as evidence, with the same scanner (``settings.CLAMAV_URL``, the clamd adapter): with a scanner a new
proof starts ``pending`` and is never served until the task ``mediation.scan_payment_proof``, published after the
payment commits, records ``clean`` or ``infected``; an infected proof stays quarantined for good; a beat sweeper
queues again the proofs pending for longer than ``EVIDENCE_SCAN_RETRY_MINUTES``. Without a scanner proofs are
``not_scanned`` and served, as evidence is.
"""

from django.conf import settings

from config.celery import enqueue_on_commit
from disputes.scanning import SERVABLE, Quarantine, Scanner, quarantine_scan, quarantine_sweep

SCAN_TASK = "mediation.scan_payment_proof"


def payment_proof_servable(payment) -> bool:
    return payment.proof_scan_status in SERVABLE


def payment_proof_scan_enqueue(*, payment_id: int) -> None:
    """Publish the proof's scan once the current transaction commits (nothing if it rolls back, or without a
    scanner)."""
    if settings.CLAMAV_URL:
        enqueue_on_commit(SCAN_TASK, payment_id=payment_id)


PAYMENT_PROOFS = Quarantine(
    model="mediation.Payment",
    file="proof",
    status="proof_scan_status",
    scanned_at="proof_scanned_at",
    signature="proof_scan_signature",
    uploaded_at="created_at",
    task=SCAN_TASK,
    kwarg="payment_id",
    event="payment_proof_scan",
)


def payment_proof_scan(*, payment_id: int, scanner: Scanner | None = None) -> str | None:
    """Scan one pending proof (:func:`disputes.scanning.quarantine_scan`)."""
    return quarantine_scan(PAYMENT_PROOFS, pk=payment_id, scanner=scanner)


def payment_proof_scans_sweep(*, now=None) -> int:
    """Queue again the proofs pending too long (:func:`disputes.scanning.quarantine_sweep`)."""
    return quarantine_sweep(PAYMENT_PROOFS, now=now)
