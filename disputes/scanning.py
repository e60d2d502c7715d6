"""Virus scanning of evidence files: a scanner interface, its ClamAV adapter, and the quarantine.

With ``settings.CLAMAV_URL`` set, every new evidence row starts ``pending``: it is stored but never served (the
download views refuse it) until a Celery task, published after the upload commits, streams the file to clamd and
records ``clean`` or ``infected``. A file clamd finds infected stays quarantined for good (kept for the record,
never served, its preview deleted). A beat sweeper queues again the files still pending after
``EVIDENCE_SCAN_RETRY_MINUTES`` (the broker was down at commit, or clamd was).

Without a scanner, new rows are ``not_scanned``: stating honestly that no scan ran, served as before; the staff
see the mark beside each file. That is a deployment choice documented in docs/security.md: a production site is
expected to run clamd.

The ClamAV adapter speaks clamd's INSTREAM protocol through ``clamdpy`` (a maintained fork of the 2014
``clamd`` package, same protocol, network and Unix sockets), so no protocol code of our own.
"""

import io
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone

from config.celery import enqueue_on_commit
from config.security_log import security_event

from .states import EvidenceScanStatus

logger = logging.getLogger(__name__)

SCAN_TASK = "disputes.scan_evidence"
SERVABLE = frozenset({EvidenceScanStatus.CLEAN, EvidenceScanStatus.NOT_SCANNED})


class ScannerUnavailable(Exception):
    """The scanner could not give a verdict now (down, timed out, answered an error): try again later."""


@dataclass(frozen=True)
class ScanVerdict:
    infected: bool
    signature: str = ""  # the scanner's name for what it found


class Scanner(Protocol):
    def scan(self, data: bytes) -> ScanVerdict: ...


class ClamdScanner:
    """clamd over TCP (``tcp://host:port``) or a Unix socket (``unix:///path``), via INSTREAM."""

    def __init__(self, url: str, timeout: float = 30.0):
        from clamdpy import ClamdNetworkSocket, ClamdUnixSocket

        parsed = urlparse(url)
        if parsed.scheme == "unix":
            self.client = ClamdUnixSocket(path=parsed.path, timeout=timeout, max_chunk_size=64 * 1024)
        elif parsed.scheme in ("tcp", "clamd"):
            self.client = ClamdNetworkSocket(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 3310,
                timeout=timeout,
                max_chunk_size=64 * 1024,
            )
        else:
            raise ValueError(f"CLAMAV_URL must be tcp://host:port or unix:///path, not {url!r}")

    def scan(self, data: bytes) -> ScanVerdict:
        from clamdpy.exceptions import ClamdException

        try:
            result = self.client.instream(io.BytesIO(data))
        except (ClamdException, OSError) as exc:
            raise ScannerUnavailable(type(exc).__name__) from exc
        if result.status == "FOUND":
            return ScanVerdict(infected=True, signature=(result.reason or "")[:100])
        if result.status == "OK":
            return ScanVerdict(infected=False)
        raise ScannerUnavailable(result.reason or "error")


def scanner_from_settings() -> Scanner | None:
    url = settings.CLAMAV_URL
    return ClamdScanner(url, timeout=settings.CLAMAV_TIMEOUT_SECONDS) if url else None


def initial_scan_status() -> str:
    """The status a new evidence row starts with: quarantined when a scanner will look at it, else not scanned."""
    return EvidenceScanStatus.PENDING if settings.CLAMAV_URL else EvidenceScanStatus.NOT_SCANNED


def evidence_servable(evidence) -> bool:
    return evidence.scan_status in SERVABLE


def evidence_scan_enqueue(*, evidence_ids: list[int]) -> None:
    """Publish a scan for each pending file once the current transaction commits (nothing if it rolls back)."""
    if not settings.CLAMAV_URL:
        return
    for pk in evidence_ids:
        enqueue_on_commit(SCAN_TASK, evidence_id=pk)


def evidence_scan(*, evidence_id: int, scanner: Scanner | None = None) -> str | None:
    """Scan one pending file and record the verdict; returns the new status, or None when there was nothing to do
    (the row is gone, already decided, or no scanner is configured). Raises :class:`ScannerUnavailable` when the
    scanner cannot answer (the task retries). The verdict is written with a conditional UPDATE on ``pending``, so
    two deliveries of the task record it once."""
    from .models import Evidence

    evidence = Evidence.objects.filter(pk=evidence_id, scan_status=EvidenceScanStatus.PENDING).first()
    scanner = scanner or scanner_from_settings()
    if evidence is None or scanner is None:
        return None
    try:
        with evidence.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        logger.warning("evidence %s: file missing, left pending", evidence_id)
        return None
    verdict = scanner.scan(data)
    status = EvidenceScanStatus.INFECTED if verdict.infected else EvidenceScanStatus.CLEAN
    updated = Evidence.objects.filter(pk=evidence.pk, scan_status=EvidenceScanStatus.PENDING).update(
        scan_status=status, scanned_at=timezone.now(), scan_signature=verdict.signature
    )
    if not updated:
        return None
    if verdict.infected and evidence.preview:
        # The preview was decoded from the same bytes: nothing of an infected file is kept where it could leak.
        evidence.preview.storage.delete(evidence.preview.name)
        Evidence.objects.filter(pk=evidence.pk).update(preview="")
    security_event(
        "evidence_scan",
        actor=None,
        obj=evidence,
        outcome="infected" if verdict.infected else "clean",
    )
    return status


def evidence_scans_sweep(*, now=None) -> int:
    """Queue again every file pending for longer than ``EVIDENCE_SCAN_RETRY_MINUTES``; returns how many."""
    from .models import Evidence

    if not settings.CLAMAV_URL:
        return 0
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.EVIDENCE_SCAN_RETRY_MINUTES)
    ids = list(
        Evidence.objects.filter(scan_status=EvidenceScanStatus.PENDING, uploaded_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    from config.celery import enqueue

    for pk in ids:
        enqueue(SCAN_TASK, evidence_id=pk)
    return len(ids)
