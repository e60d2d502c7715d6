"""Virus scanning of evidence files: a scanner interface, its ClamAV adapter, and the quarantine.

With ``settings.CLAMAV_URL`` set, every new evidence row starts ``pending``: it is stored but never served (the
download views refuse it) until a Celery task, published after the upload commits, streams the file to clamd and
records ``clean`` or ``infected``. A file clamd finds infected stays quarantined for good (kept for the record,
never served, its preview deleted). A beat sweeper queues again the files still pending after
``EVIDENCE_SCAN_RETRY_MINUTES`` (the broker was down at commit, or clamd was). Payment proofs follow the same
rules: each kind of file is a :class:`Quarantine`, scanned and swept by the same two functions.

Without a scanner, new rows are ``not_scanned``: stating honestly that no scan ran, served as before; the staff
see the mark beside each file. That is a deployment choice documented in docs/security.md: a production site is
expected to run clamd.

The ClamAV adapter speaks clamd's INSTREAM protocol through ``clamdpy`` (a maintained fork of the 2014
``clamd`` package, same protocol, network and Unix sockets), so no protocol code of our own.
"""

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlparse

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from config.celery import enqueue, enqueue_on_commit
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


@dataclass(frozen=True)
class Quarantine:
    """Where one kind of uploaded file keeps its scan: the model, its fields, the task that scans one row (called
    with ``{kwarg: pk}``) and the security event it logs. Evidence (:data:`EVIDENCE`) and payment proofs
    (:data:`mediation.scanning.PAYMENT_PROOFS`) share :func:`quarantine_scan` and :func:`quarantine_sweep`."""

    model: str  # "app_label.Model"
    file: str
    status: str
    scanned_at: str
    signature: str
    uploaded_at: str
    task: str
    kwarg: str
    event: str
    on_infected: Callable[[object], None] | None = None  # what else to remove once a file is found infected

    def pending(self):
        return apps.get_model(self.model)._default_manager.filter(**{self.status: EvidenceScanStatus.PENDING})


def quarantine_scan(quarantine: Quarantine, *, pk: int, scanner: Scanner | None = None) -> str | None:
    """Scan one pending file and record the verdict; returns the new status, or None when there was nothing to do
    (the row is gone, already decided, its file missing, or no scanner is configured). Raises
    :class:`ScannerUnavailable` when the scanner cannot answer (the task retries). The verdict is written with a
    conditional UPDATE on ``pending``, so two deliveries of the task record it once."""
    row = quarantine.pending().filter(pk=pk).first()
    scanner = scanner or scanner_from_settings()
    stored = getattr(row, quarantine.file, None)
    if row is None or scanner is None or not stored:
        return None
    try:
        with stored.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        logger.warning("%s %s: file missing, left pending", quarantine.model, pk)
        return None
    verdict = scanner.scan(data)
    status = EvidenceScanStatus.INFECTED if verdict.infected else EvidenceScanStatus.CLEAN
    updated = (
        quarantine.pending()
        .filter(pk=pk)
        .update(
            **{
                quarantine.status: status,
                quarantine.scanned_at: timezone.now(),
                quarantine.signature: verdict.signature,
            }
        )
    )
    if not updated:
        return None
    if verdict.infected and quarantine.on_infected:
        quarantine.on_infected(row)
    security_event(quarantine.event, actor=None, obj=row, outcome="infected" if verdict.infected else "clean")
    return status


def quarantine_sweep(quarantine: Quarantine, *, now=None) -> int:
    """Queue again every file pending for longer than ``EVIDENCE_SCAN_RETRY_MINUTES`` (at most 1,000 a run);
    returns how many."""
    if not settings.CLAMAV_URL:
        return 0
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.EVIDENCE_SCAN_RETRY_MINUTES)
    ids = list(
        quarantine.pending()
        .filter(**{f"{quarantine.uploaded_at}__lt": cutoff})
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        enqueue(quarantine.task, **{quarantine.kwarg: pk})
    return len(ids)


def _evidence_infected(evidence) -> None:
    # The preview was decoded from the same bytes: nothing of an infected file is kept where it could leak.
    if evidence.preview:
        evidence.preview.storage.delete(evidence.preview.name)
        type(evidence).objects.filter(pk=evidence.pk).update(preview="")


EVIDENCE = Quarantine(
    model="disputes.Evidence",
    file="file",
    status="scan_status",
    scanned_at="scanned_at",
    signature="scan_signature",
    uploaded_at="uploaded_at",
    task=SCAN_TASK,
    kwarg="evidence_id",
    event="evidence_scan",
    on_infected=_evidence_infected,
)


def evidence_scan(*, evidence_id: int, scanner: Scanner | None = None) -> str | None:
    """Scan one pending evidence file (:func:`quarantine_scan`)."""
    return quarantine_scan(EVIDENCE, pk=evidence_id, scanner=scanner)


def evidence_scans_sweep(*, now=None) -> int:
    """Queue again the evidence files pending too long (:func:`quarantine_sweep`)."""
    return quarantine_sweep(EVIDENCE, now=now)
