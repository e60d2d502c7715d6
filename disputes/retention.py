"""Retention (PIPL Art. 19: kept no longer than needed): a finished case's people's data is anonymised
``settings.CASE_RETENTION_DAYS`` after it closed, while every figure the statistics read stays as it was.

What goes: the worker's name (replaced by a fixed mark), ID number and phone (and their matching hashes, so the
person can no longer be found across cases), the work site (an address), the facts and the latest outcome note
(free text), the respondents' free-text details, the evidence files (rows and stored files), and the notes and
personal payload parts of the history (:func:`disputes.history_chain.events_redact`, the one sanctioned change
to history, which keeps the hash chain valid). What stays: status, dates, station, region, industry, channel,
categories and amounts, the history's who/when/from/to, the employer (an organization, needed by the group-dispute
warnings and the per-employer figures) — so the statistics computed before and after are identical.

Apps above ``disputes`` keep people's data of their own (mediation contacts, notifications, handoff packets);
they register an anonymiser with :func:`register_anonymiser`, which runs in the same transaction for each case.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.security_log import security_event

from .history_chain import events_redact
from .models import Case, Evidence, Respondent
from .states import TERMINAL_STATES

ANONYMISED_NAME = _("（已匿名）")

Anonymiser = Callable[..., None]  # anonymiser(*, case_id: int, at: datetime) -> None
_anonymisers: list[Anonymiser] = []


def register_anonymiser(anonymiser: Anonymiser) -> None:
    """Called by an upper app's ``AppConfig.ready``: its rows of people's data for a case are anonymised with the
    case."""
    if anonymiser not in _anonymisers:
        _anonymisers.append(anonymiser)


@dataclass
class RetentionResult:
    anonymised: int = 0
    files_deleted: int = 0
    events_redacted: int = 0


def retention_cutoff(*, now: datetime | None = None) -> datetime | None:
    """Cases closed before this moment are due; None when retention is switched off (0 days)."""
    days = settings.CASE_RETENTION_DAYS
    if not days:
        return None
    return (now or timezone.now()) - timedelta(days=days)


def cases_due_for_anonymisation(*, now: datetime | None = None):
    cutoff = retention_cutoff(now=now)
    if cutoff is None:
        return Case.objects.none()
    return Case.objects.filter(
        status__in=TERMINAL_STATES, closed_at__lt=cutoff, anonymised_at__isnull=True
    ).order_by("closed_at", "pk")


def _delete_files(rows: list[Evidence], *, case_id: int) -> int:
    """Delete the stored files of ``rows`` that no other case's evidence still uses (a collective filing shares
    one stored file among its workers' cases)."""
    names = {name for row in rows for name in (row.file.name, row.preview.name) if name}
    if not names:
        return 0
    shared = set(
        Evidence.objects.exclude(case_id=case_id).filter(file__in=names).values_list("file", flat=True)
    ) | set(
        Evidence.objects.exclude(case_id=case_id).filter(preview__in=names).values_list("preview", flat=True)
    )
    deleted = 0
    storage = Evidence._meta.get_field("file").storage
    for name in names - shared:
        # After commit: a rolled-back anonymisation must not have lost the files.
        transaction.on_commit(lambda name=name: storage.delete(name))
        deleted += 1
    return deleted


@transaction.atomic
def case_anonymise(*, case_id: int, at: datetime | None = None) -> RetentionResult:
    """Anonymise one finished case's people's data (see the module docstring for what goes and what stays).

    Guarantees: all or nothing, in one transaction with the case row locked; a second call is a no-op; an open
    case is refused with ValueError (retention starts at closure); files are deleted only after commit."""
    at = at or timezone.now()
    result = RetentionResult()
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.anonymised_at is not None:
        return result
    if case.status not in TERMINAL_STATES:
        raise ValueError(f"case {case_id} is not finished ({case.status})")
    # update(), not save(): the status field is protected, and nothing about the case's state changes here.
    Case.objects.filter(pk=case.pk).update(
        worker_name=str(ANONYMISED_NAME),
        worker_id_number="",
        worker_id_hash="",
        worker_phone="",
        worker_phone_hash="",
        employer_site="",
        facts="",
        outcome_note="",
        anonymised_at=at,
    )
    Respondent.objects.filter(case_id=case.pk).update(details="")
    rows = list(Evidence.objects.filter(case_id=case.pk))
    result.files_deleted = _delete_files(rows, case_id=case.pk)
    Evidence.objects.filter(case_id=case.pk).delete()
    result.events_redacted = events_redact(case_id=case.pk, at=at)
    for anonymiser in _anonymisers:
        anonymiser(case_id=case.pk, at=at)
    result.anonymised = 1
    transaction.on_commit(
        lambda: security_event("case_anonymise", actor=None, obj=case, count=result.events_redacted)
    )
    return result


def cases_anonymise_expired(*, now: datetime | None = None, limit: int | None = None) -> RetentionResult:
    """Anonymise every finished case past the retention period, each in its own transaction, oldest first, at
    most ``limit`` (default ``RETENTION_BATCH_SIZE`` × 50) per run; the beat task runs it daily."""
    now = now or timezone.now()
    limit = limit or settings.RETENTION_BATCH_SIZE * 50
    total = RetentionResult()
    ids = list(cases_due_for_anonymisation(now=now).values_list("pk", flat=True)[:limit])
    for pk in ids:
        done = case_anonymise(case_id=pk, at=now)
        total.anonymised += done.anonymised
        total.files_deleted += done.files_deleted
        total.events_redacted += done.events_redacted
    return total
