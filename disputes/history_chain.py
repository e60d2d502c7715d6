"""The tamper-evident case history: each case's events form a hash chain.

Every :class:`~disputes.models.CaseEvent` stores

- ``content_sha256``: SHA-256 of the canonical JSON of its free parts (``note`` and ``payload``);
- ``prev_hash``: the ``hash`` of the case's previous event (by id), or :data:`GENESIS` for its first;
- ``hash``: SHA-256 of ``prev_hash`` followed by the canonical JSON of the event's structural fields (case, name,
  from, to, actor, actor kind, announce, time) and ``content_sha256``.

Editing, deleting, inserting or reordering a row anywhere in a case's history breaks the chain from that row on,
and :func:`verify_case_chain` (the ``verify_history`` command) reports it. The chain is per case: events of a case
are written with the case row locked (``select_for_update`` in :mod:`disputes.services`; :meth:`CaseEvent.save`
takes the lock itself too), so two writers never both extend the same tail.

Evidence hashes are in the chain through the events that attach files: the ``submit`` event's
``evidence_sha256`` (files sent with the claim) and ``add_evidence``'s ``sha256`` (files added later).
:func:`verify_case_chain` checks every evidence row's SHA-256 appears in its case's chained events.

Redaction (retention, :mod:`disputes.retention`) is the one sanctioned change to a history row: ``note`` and
``payload`` are emptied (the payload keeps the keys in :data:`REDACTION_KEPT_KEYS`) and ``redacted_at`` set, while
``content_sha256``, ``prev_hash`` and ``hash`` stay as they were. The chain still verifies; a redacted row's
content is no longer checked against its digest, and the row says it was redacted. PostgreSQL allows only this
shape of UPDATE, and only inside :func:`events_redact` (migration 0015's trigger).

Bulk loaders (``generate_cases``, which writes with COPY) must fill the three columns with :func:`event_hash` and
:func:`content_digest`, in id order per case, or their rows are reported as unchained.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

GENESIS = "0" * 64
REDACTION_SETTING = "onestop.history_redaction"
# What a redacted event keeps of its payload: codes and counts that say what happened, never what a person wrote.
REDACTION_KEPT_KEYS = frozenset(
    {"channel", "station", "branch", "commission", "rule", "files", "sha256", "evidence_sha256", "route"}
)


def canonical_json(value) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same bytes for the same value, whatever the dict order or database."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def _time(value: datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def content_digest(*, note: str, payload) -> str:
    """SHA-256 (hex) of an event's free parts."""
    return hashlib.sha256(canonical_json({"note": note or "", "payload": payload or {}})).hexdigest()


def event_body(
    *,
    case_id: int,
    transition: str,
    from_state: str,
    to_state: str,
    actor_id: int | None,
    actor_kind: str,
    announce: bool,
    created_at: datetime,
    content_sha256: str,
) -> bytes:
    """The canonical bytes of an event's structural fields, the part of its hash after ``prev_hash``."""
    return canonical_json(
        {
            "case": case_id,
            "transition": transition,
            "from": from_state or "",
            "to": to_state,
            "actor": actor_id,
            "actor_kind": actor_kind,
            "announce": bool(announce),
            "at": _time(created_at),
            "content": content_sha256,
        }
    )


def chain_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def event_hash(*, prev_hash: str, **fields) -> str:
    """The hash of one event given the previous one's (``fields`` as :func:`event_body` takes them). Importable by
    bulk loaders: with ``event_body`` and ``chain_hash`` this is the whole definition."""
    return chain_hash(prev_hash, event_body(**fields))


def _hash_of(event, prev_hash: str, content_sha256: str) -> str:
    return event_hash(
        prev_hash=prev_hash,
        case_id=event.case_id,
        transition=event.transition,
        from_state=event.from_state,
        to_state=event.to_state,
        actor_id=event.actor_id,
        actor_kind=event.actor_kind,
        announce=event.announce,
        created_at=event.created_at,
        content_sha256=content_sha256,
    )


def chain_tail(case_id: int) -> str:
    """The hash a new event of the case links to: its last event's, or GENESIS."""
    from .models import CaseEvent

    last = CaseEvent.objects.filter(case_id=case_id).order_by("-id").values_list("hash", flat=True).first()
    return GENESIS if last is None else last


def chain_tail_locked(case_id: int) -> str:
    """Lock the case row for the transaction and return its chain tail, in one query: what a writer of the
    case's next event needs, so that two writers never both extend the same tail."""
    from .models import Case, CaseEvent

    last = CaseEvent.objects.filter(case_id=OuterRef("pk")).order_by("-id").values("hash")[:1]
    tails = list(
        Case.objects.select_for_update(of=("self",))
        .filter(pk=case_id)
        .order_by()
        .annotate(tail=Subquery(last))
        .values_list("tail", flat=True)
    )
    return GENESIS if not tails or tails[0] is None else tails[0]


def chain_link(event, *, prev_hash: str) -> None:
    """Fill ``content_sha256``, ``prev_hash`` and ``hash`` of an unsaved event (in memory only)."""
    if timezone.is_naive(event.created_at):
        event.created_at = timezone.make_aware(event.created_at)
    event.content_sha256 = content_digest(note=event.note, payload=event.payload)
    event.prev_hash = prev_hash
    event.hash = _hash_of(event, prev_hash, event.content_sha256)


# --- Verification --------------------------------------------------------------------------------------------
@dataclass
class ChainBreak:
    case_id: int
    event_id: int | None
    reason: str  # content, hash, link, unchained, evidence

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id else "case"
        return f"case {self.case_id} {where}: {self.reason}"


@dataclass
class ChainReport:
    cases: int = 0
    events: int = 0
    redacted: int = 0
    evidence: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


_EVENT_FIELDS = (
    "id",
    "case_id",
    "transition",
    "from_state",
    "to_state",
    "actor_id",
    "actor_kind",
    "announce",
    "created_at",
    "note",
    "payload",
    "content_sha256",
    "prev_hash",
    "hash",
    "redacted_at",
)


class _Row:
    __slots__ = _EVENT_FIELDS

    def __init__(self, values):
        for name, value in zip(_EVENT_FIELDS, values, strict=True):
            setattr(self, name, value)


def _check_case(case_id: int, rows: list[_Row], evidence: set[str], report: ChainReport) -> None:
    prev = GENESIS
    chained: set[str] = set()
    for row in rows:
        report.events += 1
        if not row.hash:
            report.breaks.append(ChainBreak(case_id, row.id, "unchained"))
            prev = row.hash
            continue
        if row.redacted_at is not None:
            report.redacted += 1
        elif content_digest(note=row.note, payload=row.payload) != row.content_sha256:
            report.breaks.append(ChainBreak(case_id, row.id, "content"))
        if row.prev_hash != prev:
            report.breaks.append(ChainBreak(case_id, row.id, "link"))
        if _hash_of(row, row.prev_hash, row.content_sha256) != row.hash:
            report.breaks.append(ChainBreak(case_id, row.id, "hash"))
        prev = row.hash
        payload = row.payload if isinstance(row.payload, dict) else {}
        for key in ("sha256", "evidence_sha256"):
            values = payload.get(key)
            if isinstance(values, list):
                chained.update(v for v in values if isinstance(v, str))
    for digest in evidence:
        report.evidence += 1
        if digest not in chained:
            report.breaks.append(ChainBreak(case_id, None, f"evidence {digest[:12]} not in the history"))


def verify_cases(case_ids: Iterable[int] | None = None, *, batch: int = 2000) -> ChainReport:
    """Verify the chains of the given cases (all cases when None), reading events in id order per case.

    Guarantees: every event is read once; a case's report lists each broken link, altered row (its content or its
    structural fields), unchained row, and evidence file whose SHA-256 is in no chained event of its case."""
    from .models import Case, CaseEvent, Evidence

    report = ChainReport()
    ids = Case.objects.order_by("pk").values_list("pk", flat=True) if case_ids is None else case_ids
    chunk: list[int] = []

    def run(chunk_ids: list[int]) -> None:
        events: dict[int, list[_Row]] = {pk: [] for pk in chunk_ids}
        for values in (
            CaseEvent.objects.filter(case_id__in=chunk_ids)
            .order_by("case_id", "id")
            .values_list(*_EVENT_FIELDS)
        ):
            events[values[1]].append(_Row(values))
        files: dict[int, set[str]] = {pk: set() for pk in chunk_ids}
        for case_id, digest in Evidence.objects.filter(case_id__in=chunk_ids).values_list(
            "case_id", "sha256"
        ):
            files[case_id].add(digest)
        for pk in chunk_ids:
            report.cases += 1
            _check_case(pk, events[pk], files[pk], report)

    for pk in ids.iterator(chunk_size=batch) if hasattr(ids, "iterator") else ids:
        chunk.append(pk)
        if len(chunk) >= batch:
            run(chunk)
            chunk = []
    if chunk:
        run(chunk)
    return report


def verify_case_chain(case_id: int) -> list[ChainBreak]:
    return verify_cases([case_id]).breaks


# --- The sanctioned redaction --------------------------------------------------------------------------------
def redacted_payload(payload) -> dict:
    if not isinstance(payload, dict):
        return {}
    return {key: value for key, value in payload.items() if key in REDACTION_KEPT_KEYS}


@transaction.atomic
def events_redact(*, case_id: int, at: datetime | None = None) -> int:
    """Empty the notes and the personal parts of the payloads of a case's events, keeping who, when, from and to
    and the chain (``content_sha256``, ``prev_hash``, ``hash`` unchanged). Returns the number of rows redacted.

    The only path that changes a history row: the model and queryset refuse updates, and PostgreSQL's trigger
    refuses any UPDATE but this shape, and only with the transaction-local setting this function sets."""
    from .models import CaseEvent

    at = at or timezone.now()
    rows = list(
        CaseEvent.objects.filter(case_id=case_id, redacted_at__isnull=True).values_list("id", "payload")
    )
    if not rows:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [REDACTION_SETTING])
        table = CaseEvent._meta.db_table
        for pk, payload in rows:
            cursor.execute(
                # The table name comes from the model, never from input.
                f"UPDATE {table} SET note = '', payload = %s, redacted_at = %s WHERE id = %s",  # noqa: S608  # nosec B608
                [json.dumps(redacted_payload(payload), ensure_ascii=False), at, pk],
            )
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'off', true)", [REDACTION_SETTING])
    return len(rows)
