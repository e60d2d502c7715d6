"""Virus scanning of payment proofs: the evidence quarantine of :mod:`disputes.scanning`, applied to
:class:`mediation.models.Payment`.

Same rules as evidence, with the same scanner (``settings.CLAMAV_URL``, the clamd adapter): with a scanner a new
proof starts ``pending`` and is never served until the task ``mediation.scan_payment_proof``, published after the
payment commits, records ``clean`` or ``infected``; an infected proof stays quarantined for good; a beat sweeper
queues again the proofs pending for longer than ``EVIDENCE_SCAN_RETRY_MINUTES``. Without a scanner proofs are
``not_scanned`` and served, as evidence is.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from config.celery import enqueue, enqueue_on_commit
from config.security_log import security_event
from disputes.scanning import SERVABLE, Scanner, scanner_from_settings
from disputes.states import EvidenceScanStatus

logger = logging.getLogger(__name__)

SCAN_TASK = "mediation.scan_payment_proof"


def payment_proof_servable(payment) -> bool:
    return payment.proof_scan_status in SERVABLE


def payment_proof_scan_enqueue(*, payment_id: int) -> None:
    """Publish the proof's scan once the current transaction commits (nothing if it rolls back, or without a
    scanner)."""
    if settings.CLAMAV_URL:
        enqueue_on_commit(SCAN_TASK, payment_id=payment_id)


def payment_proof_scan(*, payment_id: int, scanner: Scanner | None = None) -> str | None:
    """Scan one pending proof and record the verdict; returns the new status, or None when there was nothing to do
    (the row is gone, already decided, its file missing, or no scanner configured). Raises
    :class:`disputes.scanning.ScannerUnavailable` when the scanner cannot answer (the task retries). The verdict
    is written with a conditional UPDATE on ``pending``, so two deliveries of the task record it once."""
    from .models import Payment

    payment = Payment.objects.filter(pk=payment_id, proof_scan_status=EvidenceScanStatus.PENDING).first()
    scanner = scanner or scanner_from_settings()
    if payment is None or scanner is None or not payment.proof:
        return None
    try:
        with payment.proof.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        logger.warning("payment %s: proof file missing, left pending", payment_id)
        return None
    verdict = scanner.scan(data)
    status = EvidenceScanStatus.INFECTED if verdict.infected else EvidenceScanStatus.CLEAN
    updated = Payment.objects.filter(pk=payment.pk, proof_scan_status=EvidenceScanStatus.PENDING).update(
        proof_scan_status=status, proof_scanned_at=timezone.now(), proof_scan_signature=verdict.signature
    )
    if not updated:
        return None
    security_event(
        "payment_proof_scan", actor=None, obj=payment, outcome="infected" if verdict.infected else "clean"
    )
    return status


def payment_proof_scans_sweep(*, now=None) -> int:
    """Queue again every proof pending for longer than ``EVIDENCE_SCAN_RETRY_MINUTES``; returns how many."""
    from .models import Payment

    if not settings.CLAMAV_URL:
        return 0
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.EVIDENCE_SCAN_RETRY_MINUTES)
    ids = list(
        Payment.objects.filter(proof_scan_status=EvidenceScanStatus.PENDING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        enqueue(SCAN_TASK, payment_id=pk)
    return len(ids)
