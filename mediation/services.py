"""Every write of the mediation app. Each public function is one business action in one transaction.

Case changes go through :func:`disputes.services.case_transition` (``record_agreement`` when the last party signs,
``record_fulfilment`` when the last yuan is paid, ``request_confirmation`` for the worker's remedy,
``record_failure`` and ``refer_to_arbitration``) or :func:`disputes.services.case_event_record` (the events of
:mod:`mediation.events`), in the same transaction as the mediation rows. Locks are taken case first, then the
agreement, everywhere, so two actions on one case queue instead of deadlocking.

Answers: a state that does not allow the action is a :class:`~disputes.exceptions.TransitionConflict` (409), an
actor without the right is ``PermissionDenied`` (403), bad input a ``ValidationError`` with a message per field
(400). Callers resolve the case through a scoped selector first (404).
"""

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from disputes.confirmation import confirmation_refusal
from disputes.evidence import CheckedFile
from disputes.exceptions import TransitionConflict
from disputes.models import Case
from disputes.permissions import WORKER, can_follow_up_agreement, can_mediate
from disputes.services import case_event_record, case_transition
from disputes.states import CaseStatus, Category, ConfirmationRoute
from disputes.tracking import arbitration_commission_for, tracking_pin_recheck
from disputes.validators import validate_phone
from organizations.models import Membership
from organizations.states import MediationLegalType, Role
from referrals.models import Handoff
from referrals.states import HandoffKind, NotificationChannel

from . import events as ev
from .models import (
    Agreement,
    AgreementItem,
    ContactLog,
    Instalment,
    MediationSession,
    Payment,
    ReopenRequest,
    SatisfactionSurvey,
)
from .outbox import notify, payment_order_handoff, reminder_once
from .scanning import payment_proof_scan_enqueue
from .selectors import (
    agreement_effective,
    commission_where_station,
    court_where_station,
    instalments_overdue,
    station_legal_type,
)
from .states import (
    PAYMENT_ORDER_CATEGORIES,
    AgreementStatus,
    ConsentChannel,
    ContactChannel,
    ContactDirection,
    FailureReason,
    InstalmentStatus,
    PaymentMethod,
    Remedy,
    SessionMode,
)

S = CaseStatus
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_ITEMS = 20
MAX_INSTALMENTS = 36
MAX_SCHEDULE_YEARS = 5
JUDICIAL_CONFIRMATION_DAYS = 30  # legal-rules.md rule 7

# Where each action may happen.
SESSION_STATES = (S.ACCEPTED, S.IN_MEDIATION, S.AGREEMENT_REACHED, S.MEDIATION_FAILED)
CONTACT_STATES = (
    S.ACCEPTED,
    S.IN_MEDIATION,
    S.AGREEMENT_REACHED,
    S.CONFIRMATION_REQUESTED,
    S.CONFIRMED,
    S.ENFORCEMENT,
    S.MEDIATION_FAILED,
)
PAYMENT_STATES = (S.AGREEMENT_REACHED, S.CONFIRMATION_REQUESTED, S.CONFIRMED, S.ENFORCEMENT)
SATISFACTION_STATES = (S.FULFILLED, S.CLOSED)
REOPEN_STATES = (S.AGREEMENT_REACHED, S.CONFIRMED, S.CLOSED)
MEDIATION_LIMIT_RULE = "mediation.arb_unlock"


def _conflict(case: Case, name: str, reason: str) -> TransitionConflict:
    return TransitionConflict(
        name=name, current_state=case.status, current_label=case.get_status_display(), reason=reason
    )


def _lock_case(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("station").get(pk=case_id)


def _lock_agreement(agreement_id: int) -> tuple[Case, Agreement]:
    """The agreement and its case, both locked, case first (the order every service here keeps)."""
    case_id = Agreement.objects.filter(pk=agreement_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Agreement.DoesNotExist
    case = _lock_case(case_id)
    agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
    return case, agreement


def _money(value, label: str) -> Decimal:
    """A positive amount in yuan with at most two decimals; ValidationError with a plain message otherwise."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("%(label)s请填写数字金额，例如 6000 或 6000.50。") % {"label": label}
        ) from None
    if not amount.is_finite():
        raise ValidationError(_("%(label)s请填写数字金额，例如 6000 或 6000.50。") % {"label": label})
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        raise ValidationError(_("%(label)s最多保留两位小数（精确到分）。") % {"label": label})
    if amount <= 0:
        raise ValidationError(_("%(label)s必须大于零。") % {"label": label})
    if amount > MAX_AMOUNT:
        raise ValidationError(_("%(label)s超出可记录的范围。") % {"label": label})
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _text(value, *, field: str, label: str, max_length: int, errors: dict, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_length}
        )
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _not_in_future(value: datetime, *, field: str, label: str, errors: dict) -> None:
    if value > timezone.now() + timedelta(minutes=5):
        errors.setdefault(field, []).append(_("%(label)s不能晚于现在。") % {"label": label})


def _station_actor(case: Case, agreement: Agreement):
    """The staff member in whose name the station runs a step the worker's action causes (the agreement taking
    effect at the worker's signature, the confirmation the worker chose): the mediator who drafted the agreement,
    else the one who recorded the employer's signature, else the case's mediator, whoever still mediates at the
    station. ValidationError when nobody does (the worker is told to call the station)."""
    for user in (agreement.created_by, agreement.employer_signature_recorded_by, case.mediator):
        if user is not None and user.is_active and can_mediate(case, user):
            return user
    raise ValidationError(_("调解组织暂时无法办理，请联系您的调解员或拨打 12333。"), code="no_mediator")


# --- Sessions and contacts ------------------------------------------------------------------------------------
@transaction.atomic
def session_record(
    *, case_id: int, actor, held_at: datetime, mode: str, place: str, attendees: str, summary: str
) -> MediationSession:
    """Record one mediation session of the case (its station's mediators and administrators), with a history
    event the worker sees (the date and the mode, never the summary)."""
    case = _lock_case(case_id)
    if case.status not in SESSION_STATES:
        raise _conflict(case, ev.SESSION_RECORD, _("只有受理后、调解期间或调解结束时可以记录调解过程。"))
    if not can_mediate(case, actor):
        raise PermissionDenied(_("只有该案调解组织的调解员可以记录调解过程。"))
    errors: dict[str, list[str]] = {}
    if mode not in SessionMode.values:
        errors["mode"] = [_("请选择调解方式。")]
    if held_at is None:
        errors["held_at"] = [_("请填写调解时间。")]
    else:
        _not_in_future(held_at, field="held_at", label=_("调解时间"), errors=errors)
    place = _text(place, field="place", label=_("地点或线上平台"), max_length=200, errors=errors)
    attendees = _text(attendees, field="attendees", label=_("参加人员"), max_length=2000, errors=errors)
    summary = _text(summary, field="summary", label=_("调解情况"), max_length=10000, errors=errors)
    _raise(errors)
    session = MediationSession.objects.create(
        case=case,
        held_at=held_at,
        mode=mode,
        place=place,
        attendees=attendees,
        summary=summary,
        recorded_by=actor,
    )
    case_event_record(
        case_id=case.pk,
        name=ev.SESSION_RECORD,
        actor=actor,
        payload={"session": session.pk, "held_at": held_at, "mode": mode},
    )
    return session


@transaction.atomic
def contact_record(
    *,
    case_id: int,
    actor,
    at: datetime,
    direction: str,
    channel: str,
    employer_contact_name: str,
    summary: str,
    worker_consented: bool = False,
) -> ContactLog:
    """Record a contact with the employer (staff-only history event). A confidential application (the worker
    asked that the employer not be contacted before they agree) needs ``worker_consented``."""
    case = _lock_case(case_id)
    if case.status not in CONTACT_STATES:
        raise _conflict(case, ev.CONTACT_RECORD, _("案件现在不在调解组织办理中。"))
    if not can_mediate(case, actor):
        raise PermissionDenied(_("只有该案调解组织的调解员可以记录与用人单位的联系。"))
    errors: dict[str, list[str]] = {}
    if direction not in ContactDirection.values:
        errors["direction"] = [_("请选择联系方向。")]
    if channel not in ContactChannel.values:
        errors["channel"] = [_("请选择联系方式。")]
    if at is None:
        errors["at"] = [_("请填写联系时间。")]
    else:
        _not_in_future(at, field="at", label=_("联系时间"), errors=errors)
    name = _text(
        employer_contact_name,
        field="employer_contact_name",
        label=_("用人单位联系人"),
        max_length=64,
        errors=errors,
    )
    summary = _text(summary, field="summary", label=_("联系内容"), max_length=10000, errors=errors)
    if case.confidential and not worker_consented:
        errors["worker_consented"] = [
            _("劳动者申请保密：联系用人单位前须取得劳动者同意。已取得同意的，请勾选确认。")
        ]
    _raise(errors)
    contact = ContactLog.objects.create(
        case=case,
        at=at,
        direction=direction,
        channel=channel,
        employer_contact_name=name,
        summary=summary,
        recorded_by=actor,
    )
    case_event_record(
        case_id=case.pk,
        name=ev.CONTACT_RECORD,
        actor=actor,
        note=summary[:500],
        payload={"contact": contact.pk, "at": at, "channel": channel, "direction": direction},
    )
    return contact


# --- Drafting an agreement ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemInput:
    category: str
    description: str
    amount: Decimal | str


@dataclass(frozen=True)
class InstalmentInput:
    due_on: date
    amount: Decimal | str


def _clean_items(items: list[ItemInput], errors: dict) -> list[tuple[str, str, Decimal]]:
    cleaned = []
    if not items:
        errors.setdefault("items", []).append(_("请至少填写一项协议款项。"))
    elif len(items) > MAX_ITEMS:
        errors.setdefault("items", []).append(_("协议款项最多 %(n)d 项。") % {"n": MAX_ITEMS})
    for number, item in enumerate(items[:MAX_ITEMS], start=1):
        label = _("第 %(n)d 项款项的金额") % {"n": number}
        if item.category not in Category.values:
            errors.setdefault("items", []).append(_("第 %(n)d 项：请选择类别。") % {"n": number})
        description = (item.description or "").strip()
        if not description:
            errors.setdefault("items", []).append(_("第 %(n)d 项：请写明款项事项。") % {"n": number})
        elif len(description) > 200:
            errors.setdefault("items", []).append(_("第 %(n)d 项：事项不能超过 200 个字。") % {"n": number})
        try:
            amount = _money(item.amount, label)
        except ValidationError as exc:
            errors.setdefault("items", []).extend(exc.messages)
            continue
        cleaned.append((item.category, description, amount))
    return cleaned


def _clean_schedule(
    instalments: list[InstalmentInput], total: Decimal | None, today: date, errors: dict
) -> list[tuple[date, Decimal]]:
    cleaned: list[tuple[date, Decimal]] = []
    if not instalments:
        errors.setdefault("instalments", []).append(_("请填写付款日期和金额（一次性付款填一行）。"))
        return cleaned
    if len(instalments) > MAX_INSTALMENTS:
        errors.setdefault("instalments", []).append(_("分期最多 %(n)d 期。") % {"n": MAX_INSTALMENTS})
        return cleaned
    latest = today + timedelta(days=366 * MAX_SCHEDULE_YEARS)
    previous = None
    for number, instalment in enumerate(instalments, start=1):
        due_on = instalment.due_on
        if not isinstance(due_on, date):
            errors.setdefault("instalments", []).append(_("第 %(n)d 期：请填写付款日期。") % {"n": number})
            continue
        if due_on < today:
            errors.setdefault("instalments", []).append(
                _("第 %(n)d 期：付款日期不能早于今天。") % {"n": number}
            )
        elif due_on > latest:
            errors.setdefault("instalments", []).append(
                _("第 %(n)d 期：付款日期不能晚于 %(years)d 年后。")
                % {"n": number, "years": MAX_SCHEDULE_YEARS}
            )
        if previous is not None and due_on <= previous:
            errors.setdefault("instalments", []).append(
                _("第 %(n)d 期：各期付款日期应按先后顺序排列，且不能相同。") % {"n": number}
            )
        previous = due_on
        try:
            amount = _money(instalment.amount, _("第 %(n)d 期的金额") % {"n": number})
        except ValidationError as exc:
            errors.setdefault("instalments", []).extend(exc.messages)
            continue
        cleaned.append((due_on, amount))
    if total is not None and len(cleaned) == len(instalments):
        scheduled = sum((amount for _due, amount in cleaned), Decimal("0"))
        if scheduled != total:
            errors.setdefault("instalments", []).append(
                _("各期金额合计 %(scheduled)s 元，与协议款项合计 %(total)s 元不一致。")
                % {"scheduled": f"{scheduled:,.2f}", "total": f"{total:,.2f}"}
            )
    return cleaned


@transaction.atomic
def agreement_draft(
    *,
    case_id: int,
    actor,
    items: list[ItemInput],
    instalments: list[InstalmentInput],
    payment_method: str,
    employer_contact_name: str,
    employer_contact_phone: str = "",
    other_terms: str = "",
    payment_only: bool = True,
    employer_name: str = "",
    submit: bool = False,
    today: date | None = None,
) -> Agreement:
    """Draft the case's agreement: its items, the payment schedule (one row for a one-off payment) and the other
    terms. The items' sum is the total; the schedule must add up to it, with dates from today on, in order.

    A draft or an unsigned agreement already there is superseded (voided); one that a party signed, or the
    effective one, is a conflict (void it first). ``submit`` puts it up for signatures at once
    (:func:`agreement_submit`). Only the station's mediators and administrators, only while in mediation."""
    today = today or timezone.localdate()
    case = _lock_case(case_id)
    if case.status != S.IN_MEDIATION:
        raise _conflict(case, ev.AGREEMENT_DRAFTED, _("只有调解中的案件可以拟定调解协议。"))
    if not can_mediate(case, actor):
        raise PermissionDenied(_("只有该案调解组织的调解员可以拟定调解协议。"))
    current = Agreement.objects.select_for_update().filter(
        case=case,
        status__in=(AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURES, AgreementStatus.EFFECTIVE),
    )
    for existing in current:
        if existing.status == AgreementStatus.EFFECTIVE:
            raise _conflict(case, ev.AGREEMENT_DRAFTED, _("该案件的调解协议已经生效。"))
        if existing.worker_signed_at or existing.employer_signed_at:
            raise _conflict(
                case, ev.AGREEMENT_DRAFTED, _("已有一方签署了现有的协议；如需修改，请先作废该协议。")
            )

    errors: dict[str, list[str]] = {}
    cleaned_items = _clean_items(items, errors)
    total = (
        sum((amount for _c, _d, amount in cleaned_items), Decimal("0"))
        if len(cleaned_items) == len(items)
        else None
    )
    if total is not None and total > MAX_AMOUNT:
        errors.setdefault("items", []).append(_("协议金额超出可记录的范围。"))
        total = None
    schedule = _clean_schedule(instalments, total, today, errors)
    if payment_method not in PaymentMethod.values:
        errors["payment_method"] = [_("请选择支付方式。")]
    contact_name = _text(
        employer_contact_name,
        field="employer_contact_name",
        label=_("用人单位联系人"),
        max_length=64,
        errors=errors,
    )
    phone = (employer_contact_phone or "").strip()
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as exc:
            errors["employer_contact_phone"] = exc.messages
    other_terms = _text(
        other_terms, field="other_terms", label=_("其他约定"), max_length=4000, errors=errors, required=False
    )
    employer = _text(
        employer_name or case.employer_name,
        field="employer_name",
        label=_("用人单位名称"),
        max_length=200,
        errors=errors,
    )
    _raise(errors)

    for existing in current:
        existing.status = AgreementStatus.VOID
        existing.voided_at = timezone.now()
        existing.voided_by = actor
        existing.void_reason = _("由新拟定的协议替代。")
        existing.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    agreement = Agreement.objects.create(
        case=case,
        number=f"pending-{uuid.uuid4().hex[:24]}",
        employer_name=employer,
        employer_contact_name=contact_name,
        employer_contact_phone=phone,
        total=total,
        payment_method=payment_method,
        payment_only=bool(payment_only),
        other_terms=other_terms,
        created_by=actor,
    )
    # The number goes to the employer on paper and by SMS: never the tracking code, which with the PIN opens the
    # worker's case.
    agreement.number = agreement_number(agreement)
    agreement.save(update_fields=["number"])
    AgreementItem.objects.bulk_create(
        [
            AgreementItem(agreement=agreement, position=n, category=c, description=d, amount=a)
            for n, (c, d, a) in enumerate(cleaned_items, start=1)
        ]
    )
    Instalment.objects.bulk_create(
        [
            Instalment(agreement=agreement, sequence=n, due_on=due_on, amount=amount)
            for n, (due_on, amount) in enumerate(schedule, start=1)
        ]
    )
    if submit:
        _submit(case, agreement, actor)
    return agreement


def agreement_number(agreement: Agreement) -> str:
    """``TJ-2026-000123``: the year it was drafted and its id."""
    return f"TJ-{timezone.localtime(agreement.created_at).year}-{agreement.pk:06d}"


def _submit(case: Case, agreement: Agreement, actor) -> None:
    agreement.status = AgreementStatus.AWAITING_SIGNATURES
    agreement.submitted_at = timezone.now()
    agreement.save(update_fields=["status", "submitted_at"])
    case_event_record(
        case_id=case.pk,
        name=ev.AGREEMENT_DRAFTED,
        actor=actor,
        payload={"agreement": agreement.number, "total": agreement.total},
    )


@transaction.atomic
def agreement_submit(*, agreement_id: int, actor) -> Agreement:
    """Put a draft up for signatures: from now the worker may sign it on ``/track/`` and the mediator record the
    employer's signature; the worker sees it in their history."""
    case, agreement = _lock_agreement(agreement_id)
    if agreement.status != AgreementStatus.DRAFT:
        raise _conflict(case, ev.AGREEMENT_DRAFTED, _("只有草稿可以提交双方签署。"))
    if case.status != S.IN_MEDIATION:
        raise _conflict(case, ev.AGREEMENT_DRAFTED, _("只有调解中的案件可以提交调解协议。"))
    if not can_mediate(case, actor):
        raise PermissionDenied(_("只有该案调解组织的调解员可以提交调解协议。"))
    _submit(case, agreement, actor)
    return agreement


@transaction.atomic
def agreement_void(*, agreement_id: int, actor, reason: str) -> Agreement:
    """Void an agreement that has not taken effect (a party refused to sign, the terms changed). An effective
    agreement cannot be voided here: it binds both parties."""
    case, agreement = _lock_agreement(agreement_id)
    if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.AWAITING_SIGNATURES):
        raise _conflict(case, ev.AGREEMENT_VOIDED, _("只有尚未生效的协议可以作废。"))
    if not can_mediate(case, actor):
        raise PermissionDenied(_("只有该案调解组织的调解员可以作废调解协议。"))
    errors: dict[str, list[str]] = {}
    reason = _text(reason, field="reason", label=_("作废原因"), max_length=2000, errors=errors)
    _raise(errors)
    was_submitted = agreement.status == AgreementStatus.AWAITING_SIGNATURES
    agreement.status = AgreementStatus.VOID
    agreement.voided_at = timezone.now()
    agreement.voided_by = actor
    agreement.void_reason = reason
    agreement.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    if was_submitted:  # a draft nobody saw needs no history row
        case_event_record(
            case_id=case.pk,
            name=ev.AGREEMENT_VOIDED,
            actor=actor,
            note=reason,
            payload={"agreement": agreement.number},
        )
    return agreement


# --- Signatures -----------------------------------------------------------------------------------------------
def _signable(case: Case, agreement: Agreement, name: str) -> None:
    if agreement.status != AgreementStatus.AWAITING_SIGNATURES:
        raise _conflict(case, name, _("该协议现在不在待签署状态。"))
    if case.status != S.IN_MEDIATION:
        raise _conflict(case, name, _("案件已不在调解中，不能再签署调解协议。"))


def _take_effect_if_signed(case: Case, agreement: Agreement) -> None:
    """When both parties have signed: the agreement takes effect at the later signature, and the case records
    the agreement (``record_agreement``) in the same transaction, in the name of the station's mediator."""
    if not agreement.fully_signed:
        return
    actor = _station_actor(case, agreement)
    agreement.status = AgreementStatus.EFFECTIVE
    agreement.effective_at = max(agreement.worker_signed_at, agreement.employer_signed_at)
    agreement.save(update_fields=["status", "effective_at"])
    case_transition(
        case_id=case.pk,
        name="record_agreement",
        actor=actor,
        note=_("双方当事人均已签署调解协议 %(number)s，协议自最后一方签署时生效。")
        % {"number": agreement.number},
        payload={"amount_agreed": agreement.total},
    )


@transaction.atomic
def agreement_sign_by_worker(*, agreement_id: int, pin: str, client_ip: str) -> Agreement:
    """The worker signs on ``/track/`` by entering their PIN again: the time and the client's address are
    recorded. A wrong PIN is a ValidationError and counts towards the tracking lock-out
    (:func:`disputes.tracking.tracking_pin_recheck`, which raises ``TrackingLocked``); the agreement must be
    awaiting signatures and the case in mediation (409). If the employer has signed, the agreement takes effect
    now and the case moves to agreement_reached."""
    case, agreement = _lock_agreement(agreement_id)
    _signable(case, agreement, ev.AGREEMENT_SIGNED_WORKER)
    if agreement.worker_signed_at is not None:
        raise _conflict(case, ev.AGREEMENT_SIGNED_WORKER, _("您已经签署过这份协议。"))
    if not tracking_pin_recheck(case=case, pin=pin, client_ip=client_ip):
        raise ValidationError({"pin": [_("查询密码不正确，请核对后重试。多次输错将暂停操作。")]})
    agreement.worker_signed_at = timezone.now()
    agreement.worker_signed_ip = (client_ip or "")[:64]
    agreement.save(update_fields=["worker_signed_at", "worker_signed_ip"])
    case_event_record(
        case_id=case.pk,
        name=ev.AGREEMENT_SIGNED_WORKER,
        actor=WORKER,
        payload={"agreement": agreement.number},
    )
    _take_effect_if_signed(case, agreement)
    return agreement


@transaction.atomic
def agreement_sign_by_employer(*, agreement_id: int, actor, signatory: str) -> Agreement:
    """The mediator records that the employer signed (on paper at the station, or sealed): who signed for it,
    now, and by whom it was recorded. If the worker has signed, the agreement takes effect now."""
    case, agreement = _lock_agreement(agreement_id)
    _signable(case, agreement, ev.AGREEMENT_SIGNED_EMPLOYER)
    if agreement.employer_signed_at is not None:
        raise _conflict(case, ev.AGREEMENT_SIGNED_EMPLOYER, _("已经记录过用人单位的签署。"))
    if not can_mediate(case, actor):
        raise PermissionDenied(_("只有该案调解组织的调解员可以记录用人单位签署。"))
    errors: dict[str, list[str]] = {}
    signatory = _text(signatory, field="signatory", label=_("用人单位签字人"), max_length=64, errors=errors)
    _raise(errors)
    agreement.employer_signed_at = timezone.now()
    agreement.employer_signatory = signatory
    agreement.employer_signature_recorded_by = actor
    agreement.save(
        update_fields=["employer_signed_at", "employer_signatory", "employer_signature_recorded_by"]
    )
    case_event_record(
        case_id=case.pk,
        name=ev.AGREEMENT_SIGNED_EMPLOYER,
        actor=actor,
        payload={"agreement": agreement.number},
    )
    _take_effect_if_signed(case, agreement)
    return agreement


# --- Payments -------------------------------------------------------------------------------------------------
@transaction.atomic
def payment_record(
    *,
    agreement_id: int,
    actor,
    amount,
    paid_on: date,
    method: str,
    proof: CheckedFile,
    note: str = "",
    today: date | None = None,
) -> Payment:
    """Record a payment under the effective agreement with its proof (checked by
    :func:`disputes.evidence.evidence_check`). It counts towards the instalments in order: it may pay one in
    part, finish it, or run into the next. More than what is still owed is refused with the amount still owed.
    When the total paid reaches the agreement's total the case is fulfilled (``record_fulfilment``) in the same
    transaction, where its state allows (while a confirmation is pending it stays, and the case page offers
    the step later). The station's mediators, or the court confirming or enforcing the agreement."""
    today = today or timezone.localdate()
    case, agreement = _lock_agreement(agreement_id)
    if agreement.status != AgreementStatus.EFFECTIVE:
        raise _conflict(case, ev.PAYMENT_RECORDED, _("只有已生效的调解协议可以记录付款。"))
    if case.status not in PAYMENT_STATES:
        raise _conflict(case, ev.PAYMENT_RECORDED, _("案件现在不能记录协议付款。"))
    if not can_follow_up_agreement(case, actor):
        raise PermissionDenied(_("您不能为该案件记录付款。"))
    errors: dict[str, list[str]] = {}
    try:
        amount = _money(amount, _("付款金额"))
    except ValidationError as exc:
        errors["amount"] = exc.messages
        amount = None
    effective_on = timezone.localdate(agreement.effective_at)
    if not isinstance(paid_on, date):
        errors["paid_on"] = [_("请填写付款日期。")]
    elif paid_on > today:
        errors["paid_on"] = [_("付款日期不能晚于今天。")]
    elif paid_on < effective_on:
        errors["paid_on"] = [
            _("付款日期不能早于协议生效日期（%(day)s）。") % {"day": effective_on.isoformat()}
        ]
    if method not in PaymentMethod.values:
        errors["method"] = [_("请选择支付方式。")]
    if proof is None:
        errors["proof"] = [_("请上传付款凭证（转账记录截图、收条照片或 PDF）。")]
    note = _text(note, field="note", label=_("说明"), max_length=300, errors=errors, required=False)
    paid_before = agreement.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    owed = agreement.total - paid_before
    if amount is not None and amount > owed:
        errors.setdefault("amount", []).append(
            _(
                "这笔付款 %(amount)s 元超过协议尚未支付的 %(owed)s 元，请核对金额（超出部分不属于本协议的款项）。"
            )
            % {"amount": f"{amount:,.2f}", "owed": f"{owed:,.2f}"}
        )
    _raise(errors)

    remaining = amount
    first = None
    late = False
    for instalment in (
        agreement.instalments.select_for_update().exclude(status=InstalmentStatus.PAID).order_by("sequence")
    ):
        if remaining <= 0:
            break
        applied = min(remaining, instalment.outstanding)
        instalment.paid_amount += applied
        remaining -= applied
        first = first or instalment
        late = late or paid_on > instalment.due_on
        if instalment.paid_amount == instalment.amount:
            instalment.status = InstalmentStatus.PAID
            instalment.paid_on = paid_on
        else:
            instalment.status = InstalmentStatus.PARTIAL
        instalment.save(update_fields=["paid_amount", "status", "paid_on"])
    payment = Payment(
        agreement=agreement,
        instalment=first,
        paid_on=paid_on,
        amount=amount,
        method=method,
        note=note,
        proof_content_type=proof.content_type,
        proof_size=proof.size,
        proof_sha256=proof.sha256,
        proof_name=proof.display_name,
        recorded_by=actor,
    )
    payment.proof.save(f"{proof.sha256[:16]}.{proof.extension}", proof.file(), save=False)
    payment.save()
    payment_proof_scan_enqueue(
        payment_id=payment.pk
    )  # quarantined until scanned, when a scanner is configured
    paid = paid_before + amount
    case_event_record(
        case_id=case.pk,
        name=ev.PAYMENT_RECORDED,
        actor=actor,
        note=note,
        payload={
            "payment": payment.pk,
            "amount": amount,
            "paid_on": paid_on,
            "paid": paid,
            "total": agreement.total,
            "late": late,
        },
    )
    if paid == agreement.total:
        case.refresh_from_db()
        if can_proceed(case.record_fulfilment):
            case_transition(
                case_id=case.pk,
                name="record_fulfilment",
                actor=actor,
                note=_("调解协议 %(number)s 约定的款项已全部付清。") % {"number": agreement.number},
                payload={"amount_paid": paid},
            )
    return payment


# --- A missed payment: the worker's options -------------------------------------------------------------------
@dataclass(frozen=True)
class RemedyOption:
    code: str
    label: str
    explanation: str
    available: bool
    why_not: str = ""
    organization_name: str = ""


def _route_explanations() -> dict[str, str]:
    return {
        Remedy.ARBITRATION_REVIEW: _(
            "把调解协议交给调解组织所在地的劳动人事争议仲裁委员会审查。审查确认后出具仲裁调解书，"
            "对方仍不履行的，可以申请人民法院强制执行。"
        ),
        Remedy.JUDICIAL_CONFIRMATION: _(
            "请调解组织所在地的基层人民法院确认调解协议的效力。确认后，对方不履行的，可以申请人民法院强制执行。"
        ),
        Remedy.PAYMENT_ORDER: _(
            "协议中拖欠工资、工伤医疗费、经济补偿或赔偿金的部分，可以持调解协议直接请人民法院发出支付令。"
            "对方收到支付令十五日内不提出异议又不付款的，可以申请强制执行。"
        ),
    }


def remedy_options(
    *, case: Case, agreement: Agreement | None, today: date | None = None
) -> list[RemedyOption]:
    """The next steps the law gives the worker when a payment under the effective agreement is missed
    (legal-rules.md rules 4–7), each with whether it is open to them now and why not. Empty when nothing is
    missed. Arbitration review goes to the commission where the station is; judicial confirmation to the basic
    court where it sits, only for a people's mediation committee's agreement that only obliges payment, within
    30 days of it taking effect; a payment order for wage, injury-cost or compensation items, once."""
    today = today or timezone.localdate()
    if agreement is None or not instalments_overdue(agreement=agreement, today=today):
        return []
    explanations = _route_explanations()
    at_station = case.status == S.AGREEMENT_REACHED
    options = []

    commission = commission_where_station(case=case)
    why = ""
    if not at_station:
        why = _("案件现在的状态不能申请。")
    elif commission is None:
        why = _("暂未找到调解组织所在地的仲裁委员会，请拨打 12333 咨询。")
    options.append(
        RemedyOption(
            Remedy.ARBITRATION_REVIEW,
            str(Remedy.ARBITRATION_REVIEW.label),
            explanations[Remedy.ARBITRATION_REVIEW],
            not why,
            why,
            commission.name if commission else "",
        )
    )

    court = court_where_station(case=case)
    effective_on = timezone.localdate(agreement.effective_at)
    why = ""
    if not at_station:
        why = _("案件现在的状态不能申请。")
    elif station_legal_type(case=case) != MediationLegalType.PEOPLES_MEDIATION_COMMITTEE:
        why = _("司法确认只适用于人民调解委员会主持达成的协议，本调解组织的协议不适用。")
    elif not agreement.payment_only:
        why = _("协议除付款外还约定了其他义务，不适用司法确认。")
    elif today > effective_on + timedelta(days=JUDICIAL_CONFIRMATION_DAYS):
        why = _("司法确认须在协议生效之日起三十日内申请，现已超过期限。")
    elif court is None:
        why = _("暂未找到调解组织所在地的基层人民法院，请拨打 12348 咨询。")
    options.append(
        RemedyOption(
            Remedy.JUDICIAL_CONFIRMATION,
            str(Remedy.JUDICIAL_CONFIRMATION.label),
            explanations[Remedy.JUDICIAL_CONFIRMATION],
            not why,
            why,
            court.name if court else "",
        )
    )

    why = ""
    if case.status not in (S.AGREEMENT_REACHED,):
        why = _("案件现在的状态不能申请。")
    elif Handoff.objects.filter(case=case, kind=HandoffKind.PAYMENT_ORDER).exists():
        why = _("您已经申请过支付令。")
    elif not agreement.items.filter(category__in=PAYMENT_ORDER_CATEGORIES).exists():
        why = _("支付令只适用于拖欠工资、工伤医疗费、经济补偿或赔偿金，本协议没有这类款项。")
    elif court is None:
        why = _("暂未找到可以受理的基层人民法院，请拨打 12348 咨询。")
    options.append(
        RemedyOption(
            Remedy.PAYMENT_ORDER,
            str(Remedy.PAYMENT_ORDER.label),
            explanations[Remedy.PAYMENT_ORDER],
            not why,
            why,
            court.name if court else "",
        )
    )
    return [_with_filing_checks(option, case=case, today=today) for option in options]


# The confirmation routes the worker may choose, checked at filing as every other path checks them.
_CONFIRMATION_ROUTES = {
    Remedy.ARBITRATION_REVIEW: ConfirmationRoute.ARBITRATION_REVIEW,
    Remedy.JUDICIAL_CONFIRMATION: ConfirmationRoute.JUDICIAL_CONFIRMATION,
}


def _with_filing_checks(option: RemedyOption, *, case: Case, today: date) -> RemedyOption:
    """Close a confirmation route that :func:`disputes.confirmation.confirmation_refusal` refuses (the filing
    window, one route only, the exclusions), with its reason: the worker's path obeys the same law as the
    mediator's button and the API."""
    route = _CONFIRMATION_ROUTES.get(option.code)
    if route is None or not option.available:
        return option
    refusal = confirmation_refusal(case, route, today)
    return replace(option, available=False, why_not=refusal) if refusal else option


@transaction.atomic
def remedy_choose(*, case_id: int, remedy: str, today: date | None = None) -> Agreement:
    """The worker starts the next step they chose on ``/track/`` after a missed payment: the choice is recorded
    (by the worker), then arbitration review or judicial confirmation is requested (``request_confirmation``,
    whose handoff referrals writes in this transaction) in the station's name, or the payment order is handed to
    the court. An option that is not open now is a ValidationError with the reason."""
    today = today or timezone.localdate()
    case = _lock_case(case_id)
    agreement = agreement_effective(case=case)
    if agreement is None:
        raise _conflict(case, ev.REMEDY_CHOSEN, _("该案件没有已生效的调解协议。"))
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    options = {o.code: o for o in remedy_options(case=case, agreement=agreement, today=today)}
    if not options:
        raise _conflict(case, ev.REMEDY_CHOSEN, _("协议款项目前没有逾期未付。"))
    option = options.get(remedy)
    if option is None:
        raise ValidationError({"remedy": [_("请选择下一步的办理途径。")]})
    if not option.available:
        raise ValidationError({"remedy": [option.why_not]})
    staff = _station_actor(case, agreement)
    overdue = instalments_overdue(agreement=agreement, today=today)
    owed = sum((i.outstanding for i in overdue), Decimal("0"))
    agreement.remedy = remedy
    agreement.remedy_chosen_at = timezone.now()
    agreement.save(update_fields=["remedy", "remedy_chosen_at"])
    case_event_record(
        case_id=case.pk,
        name=ev.REMEDY_CHOSEN,
        actor=WORKER,
        payload={"remedy": remedy, "agreement": agreement.number, "overdue": owed},
    )
    note = _("调解协议 %(number)s 逾期未付 %(owed)s 元，劳动者在查询页面选择“%(remedy)s”。") % {
        "number": agreement.number,
        "owed": f"{owed:,.2f}",
        "remedy": option.label,
    }
    if remedy == Remedy.PAYMENT_ORDER:
        payment_order_handoff(
            case=case,
            court=court_where_station(case=case),
            actor=WORKER,
            note=note,
            idempotency_key=f"agreement:{agreement.pk}:payment_order",
        )
    else:
        route = (
            ConfirmationRoute.ARBITRATION_REVIEW
            if remedy == Remedy.ARBITRATION_REVIEW
            else ConfirmationRoute.JUDICIAL_CONFIRMATION
        )
        organization = (
            commission_where_station(case=case)
            if remedy == Remedy.ARBITRATION_REVIEW
            else court_where_station(case=case)
        )
        case_transition(
            case_id=case.pk,
            name="request_confirmation",
            actor=staff,
            note=note,
            payload={"route": route, "organization": organization},
        )
    return agreement


# --- Failure and the worker's consent to arbitration ----------------------------------------------------------
@transaction.atomic
def mediation_failure_record(
    *,
    case_id: int,
    actor,
    reason: str,
    detail: str = "",
    worker_consents: bool = False,
    consent_channel: str = "",
) -> Case:
    """Mediation ends without an agreement (``record_failure``) for a reason from the fixed list, with the
    mediator's detail. If the worker already said they want arbitration, ``worker_consents`` (with how they said
    it) refers the case at once (:func:`arbitration_consent_record`); otherwise the worker's ``/track/`` page
    offers the referral."""
    case = _lock_case(case_id)
    errors: dict[str, list[str]] = {}
    if reason not in FailureReason.values:
        errors["reason"] = [_("请选择调解不成的原因。")]
    detail = _text(
        detail, field="detail", label=_("具体情况"), max_length=2000, errors=errors, required=False
    )
    if worker_consents and consent_channel not in ConsentChannel.values:
        errors["consent_channel"] = [_("请选择劳动者表示同意的方式。")]
    _raise(errors)
    label = str(FailureReason(reason).label)
    case_transition(
        case_id=case.pk,
        name="record_failure",
        actor=actor,
        note=detail,
        payload={"reason": f"{label}：{detail}" if detail else label},
    )
    if worker_consents:
        return arbitration_consent_record(case_id=case.pk, actor=actor, channel=consent_channel)
    return Case.objects.get(pk=case.pk)


@transaction.atomic
def arbitration_consent_record(*, case_id: int, actor, channel: str, note: str = "") -> Case:
    """The mediator records that the worker agreed (in person, by phone, in writing) to have the case referred
    to arbitration: ``refer_to_arbitration`` to the commission of the case's region (LDMAL Art. 21), in the
    mediator's name, with how the worker said it in the note."""
    case = Case.objects.select_related("region", "station__region").get(pk=case_id)
    errors: dict[str, list[str]] = {}
    if channel not in ConsentChannel.values:
        errors["channel"] = [_("请选择劳动者表示同意的方式。")]
    note = _text(note, field="note", label=_("说明"), max_length=2000, errors=errors, required=False)
    _raise(errors)
    commission = arbitration_commission_for(case)
    if commission is None:
        raise ValidationError(
            {"channel": [_("暂未找到该案件所在地区的劳动人事争议仲裁委员会，请在组织机构中登记后再移送。")]}
        )
    text = _("劳动者同意移送劳动仲裁（%(how)s）。") % {"how": ConsentChannel(channel).label}
    return case_transition(
        case_id=case.pk,
        name="refer_to_arbitration",
        actor=actor,
        note=f"{text}{note}",
        payload={"commission": commission},
    )


# --- After the case: satisfaction and reopening ---------------------------------------------------------------
@transaction.atomic
def satisfaction_record(*, case_id: int, score, comment: str = "") -> SatisfactionSurvey:
    """The worker rates the mediation service once, after the case is fulfilled or closed at a station."""
    case = _lock_case(case_id)
    if case.status not in SATISFACTION_STATES or case.station_id is None:
        raise _conflict(case, ev.SATISFACTION, _("案件办结后才能评价。"))
    if SatisfactionSurvey.objects.filter(case=case).exists():
        raise _conflict(case, ev.SATISFACTION, _("您已经评价过了，谢谢。"))
    errors: dict[str, list[str]] = {}
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        errors["score"] = [_("请选择 1 到 5 分。")]
    comment = _text(
        comment, field="comment", label=_("意见和建议"), max_length=1000, errors=errors, required=False
    )
    _raise(errors)
    survey = SatisfactionSurvey.objects.create(case=case, score=score, comment=comment)
    case_event_record(case_id=case.pk, name=ev.SATISFACTION, actor=WORKER, payload={"score": score})
    return survey


def reopen_allowed(*, case: Case, today: date | None = None) -> bool:
    """An effective agreement with a payment past due and unpaid, in a state the station still answers for,
    and no request of the worker's waiting to be handled."""
    today = today or timezone.localdate()
    if case.status not in REOPEN_STATES:
        return False
    agreement = agreement_effective(case=case)
    if agreement is None or not instalments_overdue(agreement=agreement, today=today):
        return False
    return not ReopenRequest.objects.filter(case=case, handled_at__isnull=True).exists()


def _station_staff_ids(case: Case) -> list[int]:
    return list(
        Membership.objects.filter(
            organization_id=case.station_id,
            role__in=(Role.STATION_ADMIN, Role.MEDIATOR),
            user__is_active=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


@transaction.atomic
def reopen_request_create(*, case_id: int, reason: str, today: date | None = None) -> ReopenRequest:
    """The worker asks the station to take the case up again because the effective agreement is not honoured
    (a payment past due and unpaid). Recorded in the history and told in-app to the station's administrators
    and mediators."""
    case = _lock_case(case_id)
    if not reopen_allowed(case=case, today=today):
        raise _conflict(
            case,
            ev.REOPEN_REQUEST,
            _("只有调解协议逾期未履行时可以申请重新处理，且每次只能有一个待处理的申请。"),
        )
    errors: dict[str, list[str]] = {}
    reason = _text(reason, field="reason", label=_("情况说明"), max_length=2000, errors=errors)
    _raise(errors)
    agreement = agreement_effective(case=case)
    request = ReopenRequest.objects.create(case=case, agreement=agreement, reason=reason)
    case_event_record(case_id=case.pk, name=ev.REOPEN_REQUEST, actor=WORKER, payload={"request": request.pk})
    body = _("案件 %(code)s：劳动者反映调解协议未履行，申请重新处理，请尽快联系劳动者。") % {
        "code": case.tracking_code
    }
    for user_id in _station_staff_ids(case):
        notify(
            case_id=case.pk,
            channel=NotificationChannel.IN_APP,
            body=body,
            idempotency_key=f"mediation:reopen:{request.pk}:user:{user_id}",
            recipient_user_id=user_id,
        )
    return request


@transaction.atomic
def reopen_request_handle(*, request_id: int, actor, note: str) -> ReopenRequest:
    """The station records how it handled the worker's request to reopen (the worker is told it was handled)."""
    case_id = ReopenRequest.objects.filter(pk=request_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise ReopenRequest.DoesNotExist
    case = _lock_case(case_id)
    request = ReopenRequest.objects.select_for_update().get(pk=request_id)
    if request.handled_at is not None:
        raise _conflict(case, ev.REOPEN_HANDLED, _("该申请已经处理过了。"))
    if not can_mediate(case, actor):
        raise PermissionDenied(_("只有该案调解组织的工作人员可以处理重新处理申请。"))
    errors: dict[str, list[str]] = {}
    note = _text(note, field="note", label=_("处理情况"), max_length=2000, errors=errors)
    _raise(errors)
    request.handled_at = timezone.now()
    request.handled_by = actor
    request.handling_note = note
    request.save(update_fields=["handled_at", "handled_by", "handling_note"])
    case_event_record(
        case_id=case.pk, name=ev.REOPEN_HANDLED, actor=actor, note=note, payload={"request": request.pk}
    )
    return request


# --- Reminders (the daily beat task) --------------------------------------------------------------------------
def _employer_sms(agreement: Agreement, instalment: Instalment, kind: str) -> str:
    params = {
        "employer": agreement.employer_name,
        "number": agreement.number,
        "n": instalment.sequence,
        "day": instalment.due_on.isoformat(),
        "amount": f"{instalment.outstanding:,.2f}",
    }
    if kind == "due_soon":
        return (
            _(
                "【一站式劳动争议调处】%(employer)s：按调解协议 %(number)s，第 %(n)d 期款项 %(amount)s 元应于 %(day)s "
                "前支付，请按时履行。"
            )
            % params
        )
    return (
        _(
            "【一站式劳动争议调处】%(employer)s：调解协议 %(number)s 第 %(n)d 期款项应于 %(day)s 前支付，尚欠 "
            "%(amount)s 元。请尽快履行；逾期不履行的，劳动者可以依法申请仲裁或支付令。"
        )
        % params
    )


@transaction.atomic
def instalment_remind(*, instalment_id: int, kind: str, today: date | None = None) -> bool:
    """One reminder for one instalment, at most once per instalment and kind (``due_soon`` or ``missed``): a
    history event (``payment_due_soon``, staff only, or ``payment_missed``, which the worker reads), an SMS to
    the employer's contact when a phone is known, and for a missed payment an SMS to the worker pointing to
    ``/track/``. The mediator hears of the event in-app (referrals), or the drafter when the case has no
    mediator. Re-checked under the case's lock; True when recorded now."""
    today = today or timezone.localdate()
    row = Instalment.objects.filter(pk=instalment_id).values_list("agreement__case_id", flat=True).first()
    if row is None:
        return False
    case = _lock_case(row)
    instalment = Instalment.objects.select_for_update().select_related("agreement").get(pk=instalment_id)
    agreement = instalment.agreement
    if agreement.status != AgreementStatus.EFFECTIVE or instalment.status == InstalmentStatus.PAID:
        return False
    if case.status not in PAYMENT_STATES:
        return False
    if kind == "missed":
        if not instalment.due_on < today:
            return False
        name = ev.PAYMENT_MISSED
    else:
        if not today <= instalment.due_on <= today + timedelta(days=settings.MEDIATION_PAYMENT_REMINDER_DAYS):
            return False
        name = ev.PAYMENT_DUE_SOON
    recorded = reminder_once(
        case_id=case.pk,
        key=f"mediation:instalment:{instalment.pk}:{kind}",
        name=name,
        note=_("第 %(n)d 期（%(day)s）尚欠 %(amount)s 元。")
        % {
            "n": instalment.sequence,
            "day": instalment.due_on.isoformat(),
            "amount": f"{instalment.outstanding:,.2f}",
        },
        payload={
            "agreement": agreement.number,
            "instalment": instalment.sequence,
            "due_on": instalment.due_on,
            "outstanding": instalment.outstanding,
        },
    )
    if not recorded:
        return False
    if agreement.employer_contact_phone:
        notify(
            case_id=case.pk,
            channel=NotificationChannel.SMS,
            body=_employer_sms(agreement, instalment, kind),
            idempotency_key=f"mediation:instalment:{instalment.pk}:{kind}:employer:sms",
            phone=agreement.employer_contact_phone,
        )
    if case.mediator_id is None:
        notify(
            case_id=case.pk,
            channel=NotificationChannel.IN_APP,
            body=_("案件 %(code)s：调解协议第 %(n)d 期款项（%(day)s）%(what)s。")
            % {
                "code": case.tracking_code,
                "n": instalment.sequence,
                "day": instalment.due_on.isoformat(),
                "what": _("已逾期未付清") if kind == "missed" else _("即将到期"),
            },
            idempotency_key=f"mediation:instalment:{instalment.pk}:{kind}:mediator",
            recipient_user_id=agreement.created_by_id,
        )
    if kind == "missed":
        instalment.missed_at = timezone.now()
        instalment.save(update_fields=["missed_at"])
        notify(
            case_id=case.pk,
            channel=NotificationChannel.SMS,
            body=_(
                "【一站式劳动争议调处】您的调解协议（查询码 %(code)s）有一笔款项对方没有按时付清。请凭查询码和密码"
                "在“进度查询”查看，并选择下一步怎么办。"
            )
            % {"code": case.tracking_code},
            idempotency_key=f"mediation:instalment:{instalment.pk}:missed:worker:sms",
            to_worker=True,
        )
    return True


@transaction.atomic
def mediation_limit_notify(*, case_id: int, today: date | None = None) -> bool:
    """Tell the worker, once, that the 15-day mediation period passed without an agreement and they may go to
    arbitration (LDMAL Art. 14; legal-rules.md rule 3): a history event they read and an SMS. True when now."""
    today = today or timezone.localdate()
    case = _lock_case(case_id)
    if case.status not in (S.ACCEPTED, S.IN_MEDIATION):
        return False
    deadline = case.deadlines.filter(
        rule__code=MEDIATION_LIMIT_RULE, is_active=True, met_at__isnull=True, due_on__lt=today
    ).first()
    if deadline is None:
        return False
    recorded = reminder_once(
        case_id=case.pk,
        key=f"mediation:limit:{case.pk}:{deadline.due_on.isoformat()}",
        name=ev.MEDIATION_LIMIT_PASSED,
        payload={"due_on": deadline.due_on},
    )
    if recorded:
        notify(
            case_id=case.pk,
            channel=NotificationChannel.SMS,
            body=_(
                "【一站式劳动争议调处】您的申请（查询码 %(code)s）调解已满十五日仍未达成协议，您可以申请劳动仲裁，"
                "也可以继续调解。请凭查询码和密码在“进度查询”办理。"
            )
            % {"code": case.tracking_code},
            idempotency_key=f"mediation:limit:{case.pk}:{deadline.due_on.isoformat()}:worker:sms",
            to_worker=True,
        )
    return recorded


def reminders_run(*, today: date | None = None) -> dict[str, int]:
    """The daily sweep: payment-due-soon and payment-missed reminders for every unpaid instalment of an effective
    agreement, and the notice that the mediation period has passed. Safe to run as often as wanted: each
    reminder is recorded once per key. Returns how many were recorded now, by kind."""
    today = today or timezone.localdate()
    counts = {"due_soon": 0, "missed": 0, "mediation_limit": 0}
    unpaid = Instalment.objects.filter(agreement__status=AgreementStatus.EFFECTIVE).exclude(
        status=InstalmentStatus.PAID
    )
    soon = today + timedelta(days=settings.MEDIATION_PAYMENT_REMINDER_DAYS)
    for instalment_id in unpaid.filter(due_on__gte=today, due_on__lte=soon).values_list("pk", flat=True):
        counts["due_soon"] += instalment_remind(instalment_id=instalment_id, kind="due_soon", today=today)
    for instalment_id in unpaid.filter(due_on__lt=today, missed_at__isnull=True).values_list("pk", flat=True):
        counts["missed"] += instalment_remind(instalment_id=instalment_id, kind="missed", today=today)
    expired = (
        Case.objects.filter(
            status__in=(S.ACCEPTED, S.IN_MEDIATION),
            deadlines__rule__code=MEDIATION_LIMIT_RULE,
            deadlines__is_active=True,
            deadlines__met_at__isnull=True,
            deadlines__due_on__lt=today,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for case_id in expired:
        counts["mediation_limit"] += mediation_limit_notify(case_id=case_id, today=today)
    return counts
