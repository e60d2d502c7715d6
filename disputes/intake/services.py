"""Turning a submitted claim into cases: one case per worker, their respondents and evidence, in one transaction;
the checks shown while filing (limitation, probable duplicate); and the receipt that makes a resubmission safe."""

import json
import uuid
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from organizations.models import Organization

from ..deadlines import (
    CASE_DATE_TRIGGERS,
    active_deadline_rules,
    compute_case_deadlines,
    deadline_inputs_reused,
    working_calendar,
)
from ..evidence import CheckedFile
from ..extensions import case_effects_batched
from ..matching import employer_key
from ..models import Case, CollectiveFiling, Evidence, IntakeReceipt, PendingUpload, Respondent
from ..pii import keyed_hash
from ..related import related_checks_after_intake
from ..scanning import evidence_scan_enqueue
from ..services import ClaimInput, case_create
from ..states import OPEN_STATES, ActorKind, CaseStatus, Channel, RespondentRole
from ..triage import case_triage_auto, filed_case_status

LIMITATION_NEAR_DAYS = 60


@dataclass(frozen=True)
class IntakeNotice:
    code: str  # limitation_past, limitation_near, duplicate
    message: str


@dataclass(frozen=True)
class FiledCase:
    case_id: int
    tracking_code: str
    pin: str
    worker_name: str
    status: str


# --- Checks while filing -------------------------------------------------------------------------------------
def intake_notices(*, claim: dict, today: date | None = None) -> list[IntakeNotice]:
    """What the worker should know before filing: warned, never refused (LDMAL Art. 27; Rules Art. 30)."""
    today = today or timezone.localdate()
    notices = []
    probe = Case(
        knowledge_date=claim.get("knowledge_date"),
        employment_ended_on=claim.get("employment_ended_on"),
        still_employed=bool(claim.get("still_employed")),
    )
    rules = [rule for rule in active_deadline_rules() if rule.trigger in CASE_DATE_TRIGGERS]
    for deadline in compute_case_deadlines(
        case=probe,
        events=[],
        rules=rules,
        categories=set(claim.get("categories") or []),
        calendar=working_calendar(),
    ):
        rule = next(r for r in rules if r.pk == deadline.rule_id)
        remaining = (deadline.due_on - today).days
        params = {
            "rule": rule.name,
            "due": date_format(deadline.due_on, "DATE_FORMAT"),
            "source": rule.source,
        }
        if remaining < 0:
            notices.append(
                IntakeNotice(
                    "limitation_past",
                    _(
                        "按您填写的日期，%(rule)s可能已于%(due)s届满（%(source)s）。我们仍会受理您的申请，"
                        "是否超过时效由仲裁机构认定；如有中断时效的情形（如曾向单位或有关部门主张过权利），请在事实部分说明。"
                    )
                    % params,
                )
            )
        elif remaining <= LIMITATION_NEAR_DAYS:
            notices.append(
                IntakeNotice(
                    "limitation_near",
                    _(
                        "按您填写的日期，%(rule)s将于%(due)s届满（%(source)s），请尽快办理，必要时可直接申请仲裁。"
                    )
                    % params,
                )
            )
    duplicate = intake_probable_duplicate(
        id_number=claim.get("worker_id_number", ""),
        employer_name=claim.get("employer_name", ""),
        credit_code=claim.get("employer_credit_code", ""),
    )
    if duplicate is not None:
        notices.append(
            IntakeNotice(
                "duplicate",
                _(
                    "您已经就同一单位提交过申请（查询码尾号 %(tail)s），仍在办理中。可以凭查询码和密码查看进度、补充材料；"
                    "如果是新的问题，可以继续提交。"
                )
                % {"tail": duplicate.tracking_code[-4:]},
            )
        )
    return notices


def intake_probable_duplicate(*, id_number: str, employer_name: str, credit_code: str = "") -> Case | None:
    """An open case of the same worker (keyed hash of the ID number) against the same employer."""
    id_hash = keyed_hash(id_number)
    if not id_hash:
        return None
    same_worker = Case.objects.filter(worker_id_hash=id_hash, status__in=OPEN_STATES)
    key = employer_key(employer_name)
    candidates = same_worker.filter(employer_key=key) if key else same_worker.none()
    if credit_code:
        candidates = candidates | same_worker.filter(employer_credit_code=credit_code)
    # Only what the notice reads (the personal data is not decrypted); status: the state machine reads it.
    return candidates.order_by("-created_at").only("tracking_code", "status", "created_at").first()


# --- Filing --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)  # no repr: it holds the workers' personal data
class _Filing:
    """What :func:`intake_submit` was given, as one value for the transaction that files it."""

    claim: dict
    amounts: dict[str, Decimal | None]
    actor: object
    channel: str
    intake_org: Organization | None
    referred_by: Organization | None
    referred_by_name: str
    respondents: list[dict]
    coworkers: list[dict]
    files: list[CheckedFile]
    uploads: list[PendingUpload]
    filer_is_representative: bool


@sensitive_variables()
def intake_submit(
    *,
    claim: dict,
    amounts: dict[str, Decimal | None],
    actor,
    channel: str = Channel.QR_WEB,
    intake_org: Organization | None = None,
    referred_by: Organization | None = None,
    referred_by_name: str = "",
    respondents: list[dict] = (),
    coworkers: list[dict] = (),
    files: list[CheckedFile] = (),
    uploads: list[PendingUpload] = (),
    filer_is_representative: bool = False,
    idempotency_key: str = "",
) -> list[FiledCase]:
    """File the claim: one case per worker, all or nothing. With an ``idempotency_key`` already used, nothing is
    created and the first answer is returned (a double tap, a reload, a retry after a lost connection).

    Every filing gets a receipt (a fresh key when none is given): it also holds the PINs, encrypted, for the
    confirmation SMS, until the clean-up task empties it a day later.

    The deadline rules and the working-day calendar are read once for the whole filing (every case of a
    collective filing and their triage: :func:`~disputes.deadlines.deadline_inputs_reused`)."""
    filing = _Filing(
        claim=claim,
        amounts=amounts,
        actor=actor,
        channel=channel,
        intake_org=intake_org,
        referred_by=referred_by,
        referred_by_name=referred_by_name,
        respondents=list(respondents),
        coworkers=list(coworkers),
        files=list(files),
        uploads=list(uploads),
        filer_is_representative=filer_is_representative,
    )
    with deadline_inputs_reused():
        if idempotency_key:
            previous = intake_receipt_answer(key=idempotency_key)
            if previous is not None:
                return previous
        else:
            idempotency_key = uuid.uuid4().hex
        try:
            return _intake_create(filing, idempotency_key=idempotency_key)
        except IntegrityError:
            # A concurrent submission with the same key won the unique index; give its answer.
            previous = intake_receipt_answer(key=idempotency_key)
            if previous is None:
                raise
            return previous


def intake_receipt_answer(*, key: str) -> list[FiledCase] | None:
    receipt = IntakeReceipt.objects.filter(key=key).first()
    if receipt is None or not receipt.answer:
        return None
    return [FiledCase(**row) for row in json.loads(receipt.answer)]


@sensitive_variables()
@transaction.atomic
@case_effects_batched()  # inside the transaction: the statistics once per case, after its triage
def _intake_create(filing: _Filing, *, idempotency_key: str) -> list[FiledCase]:
    receipt = IntakeReceipt.objects.create(key=idempotency_key)
    claim, amounts, actor = filing.claim, filing.amounts, filing.actor
    workers = [
        {
            "worker_name": claim["worker_name"],
            "worker_id_number": claim["worker_id_number"],
            "worker_phone": claim["worker_phone"],
            "amounts": amounts,
            "total": claim.get("amount_claimed"),
            "is_representative": filing.filer_is_representative,
        }
    ]
    for row in filing.coworkers:
        share = row.get("amount_claimed")
        workers.append(
            {
                "worker_name": row["worker_name"],
                "worker_id_number": row["worker_id_number"],
                "worker_phone": row["worker_phone"],
                "amounts": {category: None for category in amounts},
                "total": share,
                "is_representative": bool(row.get("is_representative")),
            }
        )
    collective = None
    if len(workers) > 1:
        collective = CollectiveFiling.objects.create(
            employer_name=claim["employer_name"], worker_count=len(workers)
        )
    stored = [_store(checked) for checked in filing.files]
    created: list[tuple[FiledCase, Case, list[str]]] = []
    for worker in workers:
        claims = [ClaimInput(category=c, amount=a) for c, a in worker["amounts"].items()]
        case, pin = case_create(
            actor=actor,
            channel=filing.channel,
            worker_name=worker["worker_name"],
            worker_id_number=worker["worker_id_number"],
            worker_phone=worker["worker_phone"],
            employer_name=claim["employer_name"],
            employer_credit_code=claim.get("employer_credit_code", ""),
            employer_site=claim.get("employer_site", ""),
            industry=claim["industry"],
            claims=claims,
            facts=claim["facts"],
            services=claim.get("services") or [],
            station=claim.get("station"),
            region=claim.get("region"),
            intake_org=filing.intake_org,
            employment_started_on=claim.get("employment_started_on"),
            knowledge_date=claim.get("knowledge_date"),
            employment_ended_on=claim.get("employment_ended_on"),
            still_employed=bool(claim.get("still_employed")),
            confidential=bool(claim.get("confidential")),
            language=claim.get("language") or "zh",
            collective=collective,
            is_representative=worker["is_representative"] and collective is not None,
            amount_claimed=worker["total"],
            receipt=receipt,
            referred_by=filing.referred_by,
            referred_by_name=filing.referred_by_name,
            evidence_sha256=[item["sha256"] for item in stored] + [u.sha256 for u in filing.uploads],
        )
        _respondents_create(case=case, claim=claim, extra=filing.respondents)
        _evidence_attach(case=case, stored=stored, uploads=filing.uploads, uploaded_by=_uploader(actor))
        row = FiledCase(case.pk, case.tracking_code, pin, case.worker_name, CaseStatus.SUBMITTED)
        created.append((row, case, [c.category for c in claims]))
    # Adopted files: the clean-up must not delete them with their pending rows.
    if filing.uploads:
        PendingUpload.objects.filter(pk__in=[u.pk for u in filing.uploads]).delete()
    # Auto-triage: each case goes to the station routing chooses, or stays submitted (routed as created here,
    # not read again).
    filed = [
        filed_case_status(
            row, case=case_triage_auto(case_id=row.case_id, filed=case, filed_categories=categories)
        )
        for row, case, categories in created
    ]
    # Probable duplicates and the group-dispute thresholds, once the cases exist (never fails the filing).
    related_checks_after_intake(cases=[case for _row, case, _categories in created])
    receipt.case_ids = [f.case_id for f in filed]
    receipt.answer = json.dumps([asdict(f) for f in filed])
    receipt.save(update_fields=["case_ids", "answer"])
    return filed


def intake_pin_for(*, case: Case) -> str | None:
    """The PIN of a case filed in the last day, for its confirmation SMS; None once the receipt was emptied."""
    if case.receipt_id is None:
        return None
    answer = IntakeReceipt.objects.filter(pk=case.receipt_id).values_list("answer", flat=True).first()
    for row in json.loads(answer or "[]"):
        if row["case_id"] == case.pk:
            return row["pin"]
    return None


RECEIPT_KEEP = timedelta(days=1)


def intake_clean_up(*, now=None) -> tuple[int, int]:
    """Empty the answers of receipts older than a day (the PINs then exist nowhere in clear or encrypted) and
    delete the files nobody came back for. Returns (receipts emptied, uploads deleted)."""
    cutoff = (now or timezone.now()) - RECEIPT_KEEP
    emptied = IntakeReceipt.objects.filter(created_at__lt=cutoff).exclude(answer="").update(answer="")
    stale = list(PendingUpload.objects.filter(created_at__lt=cutoff))
    for upload in stale:
        for field in (upload.file, upload.preview):
            if field.name:
                field.storage.delete(field.name)
    PendingUpload.objects.filter(pk__in=[u.pk for u in stale]).delete()
    return emptied, len(stale)


def _uploader(actor) -> str:
    return ActorKind.STAFF if getattr(actor, "is_authenticated", False) else ActorKind.WORKER


def _store(checked: CheckedFile) -> dict:
    """Save a checked file once under a server name; several cases of a collective filing share it."""
    name = default_storage.save(
        f"evidence/{timezone.now():%Y/%m}/{checked.sha256[:16]}.{checked.extension}", checked.file()
    )
    preview = checked.preview_file()
    preview_name = (
        default_storage.save(f"evidence/previews/{timezone.now():%Y/%m}/{checked.sha256[:16]}.jpg", preview)
        if preview
        else ""
    )
    return {
        "kind": checked.kind,
        "file": name,
        "preview": preview_name,
        "content_type": checked.content_type,
        "size": checked.size,
        "sha256": checked.sha256,
        "display_name": checked.display_name,
    }


def _evidence_attach(
    *, case: Case, stored: list[dict], uploads: list[PendingUpload], uploaded_by: str
) -> None:
    rows = [Evidence(case=case, uploaded_by=uploaded_by, **item) for item in stored]
    rows += [
        Evidence(
            case=case,
            uploaded_by=uploaded_by,
            kind=u.kind,
            file=u.file.name,
            preview=u.preview.name,
            content_type=u.content_type,
            size=u.size,
            sha256=u.sha256,
            display_name=u.display_name,
        )
        for u in uploads
    ]
    Evidence.objects.bulk_create(rows)
    evidence_scan_enqueue(evidence_ids=[row.pk for row in rows])


def _respondents_create(*, case: Case, claim: dict, extra: list[dict]) -> None:
    rows = [
        Respondent(
            case=case,
            role=claim.get("employer_role") or RespondentRole.EMPLOYER,
            name=claim["employer_name"],
            credit_code=claim.get("employer_credit_code", ""),
            name_key=employer_key(claim["employer_name"]),
            details=claim.get("employer_site", ""),
            is_primary=True,
        )
    ]
    rows += [
        Respondent(
            case=case,
            role=row["role"],
            name=row["name"],
            credit_code=row.get("credit_code", ""),
            name_key=employer_key(row["name"]),
            details=row.get("details", ""),
        )
        for row in extra
    ]
    Respondent.objects.bulk_create(rows)


def pending_upload_create(*, checked: CheckedFile) -> PendingUpload:
    """Keep a checked file for a form that came back with errors."""
    upload = PendingUpload(
        kind=checked.kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        display_name=checked.display_name,
    )
    upload.file.save(f"{checked.sha256[:16]}.{checked.extension}", checked.file(), save=False)
    if checked.preview:
        upload.preview.save(f"{checked.sha256[:16]}.jpg", checked.preview_file(), save=False)
    upload.save()
    return upload
