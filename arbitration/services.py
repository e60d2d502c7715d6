"""Every write of the arbitration app: the commission's and the court's decisions, hearings, awards, enforcement.
Each public function is one business action in one transaction.

Each decision runs the case's transition through :func:`disputes.services.case_transition` (so the history, the
deadlines and the notifications are the case's own), issues its document through
:func:`disputes.documents.document_issue` (numbered under a row lock, with a verification code on every page) and
answers the handoff that brought the case (:func:`referrals.handoffs.handoff_answer`), all in one transaction:
a document is never numbered for a decision that did not happen, and a decision never lacks its document.

Order of checks, as everywhere: the case is locked; a state (or route) that does not allow the action is a
:class:`~disputes.exceptions.TransitionConflict` (409); an actor without the right is ``PermissionDenied`` (403);
bad input is a ``ValidationError`` with a message per field (400). Callers resolve the case through a scoped
selector first (404).
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.confirmation import agreement_facts
from disputes.documents import document_issue
from disputes.exceptions import TransitionConflict
from disputes.models import Case, IssuedDocument
from disputes.models.documents import DocumentKind
from disputes.permissions import WORKER, can_arbitrate, can_enforce
from disputes.services import case_deadlines_refresh, case_event_record, case_transition, transition_guard
from disputes.states import CaseStatus, Category, ConfirmationRoute
from disputes.workdays import WorkingCalendar
from mediation.models import Agreement
from mediation.selectors import agreement_effective, agreement_paid_total, instalments_overdue
from organizations.models import Membership
from organizations.states import OrgType, Role
from referrals.handoffs import handoff_answer
from referrals.models import Handoff
from referrals.states import HANDOFF_DECIDED, HandoffKind, HandoffStatus

from . import events as ev
from .conditions import award_finality
from .models import Award, AwardItem, EnforcementCase, Hearing, Recovery
from .pdf import Item, Layout, chinese_date, parties_of, renderer, yuan
from .selectors import enforcement_court_for, enforcement_open, minimum_wage_for
from .states import (
    Applicant,
    ClosingOutcome,
    EnforcementBasis,
    EnforcementEnd,
    HearingKind,
    JudicialRefusalReason,
    NonAcceptanceReason,
    ReviewRefusalReason,
)

logger = logging.getLogger(__name__)

S = CaseStatus
R = ConfirmationRoute
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
MAX_AWARD_ITEMS = 20
HEARING_NOTICE_DAYS = 5  # LDMAL Art. 35: the parties are told in writing at least 5 days before the hearing
AWARD_SUIT_DAYS = 15  # LDMAL Arts. 48, 50: a party may sue within 15 days of receiving the award
ENFORCEMENT_YEARS = 2  # CPL Art. 250
BACKDATED = timedelta(minutes=5)


# --- Helpers -------------------------------------------------------------------------------------------------------
def _lock_case(case_id: int) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("station", "station__parent", "handling_org", "region")
        .get(pk=case_id)
    )


def _conflict(case: Case, name: str, reason: str) -> TransitionConflict:
    return TransitionConflict(
        name=name, current_state=case.status, current_label=case.get_status_display(), reason=reason
    )


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _text(value, *, field: str, label: str, max_length: int, errors: dict, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(_("请填写%(label)s。") % {"label": label})
    elif len(value) > max_length:
        errors.setdefault(field, []).append(
            _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_length}
        )
    return value


def _choice(value, choices, *, field: str, message: str, errors: dict) -> str:
    if value not in choices.values:
        errors.setdefault(field, []).append(message)
        return ""
    return value


def clean_money(value, label: str, *, allow_zero: bool = False) -> Decimal:
    """An amount in yuan with at most two decimals; ValidationError with a plain message otherwise."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("%(label)s请填写数字金额，例如 6000 或 6000.50。") % {"label": label}
        ) from None
    if not amount.is_finite():
        raise ValidationError(_("%(label)s请填写数字金额，例如 6000 或 6000.50。") % {"label": label})
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValidationError(_("%(label)s最多保留两位小数（精确到分）。") % {"label": label})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(_("%(label)s必须大于零。") % {"label": label})
    if amount > MAX_AMOUNT:
        raise ValidationError(_("%(label)s超出可记录的范围。") % {"label": label})
    return amount.quantize(CENT)


def _answer_handoff(
    case: Case, *, kind: str, actor, action: str, reference: str = "", reason: str = "", outcome: str = ""
) -> None:
    """Answer the handoff that brought the case to this body, so the sender sees the decision: ``accept`` (with the
    body's number), ``decline`` (with the reason) or ``complete`` (with the outcome; accepting it first when it was
    not). Tolerates no handoff (a case handed over before handoffs existed) and one already answered otherwise: the
    decision itself is what counts, and it must not fail because of the receipt."""
    handoff = (
        Handoff.objects.filter(case=case, kind=kind, to_org_id=case.handling_org_id)
        .order_by("-created_at", "-id")
        .first()
    )
    if handoff is None:
        return
    steps: list[tuple[str, dict]] = []
    if action == "decline":
        if handoff.status == HandoffStatus.ACCEPTED:
            steps = [("complete", {"outcome": reason})]
        else:
            steps = [("decline", {"reason": reason})]
    else:
        if handoff.status not in HANDOFF_DECIDED:
            steps.append(("accept", {"reference": reference}))
        if action == "complete":
            steps.append(("complete", {"outcome": outcome, "reference": reference}))
    for step, kwargs in steps:
        try:
            handoff_answer(handoff_id=handoff.pk, action=step, actor=actor, **kwargs)
        except (TransitionConflict, PermissionDenied, ValidationError, Handoff.DoesNotExist) as exc:
            logger.warning("handoff %s not answered (%s): %s", handoff.pk, step, type(exc).__name__)
            return


def _staff_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if getattr(user, "pk", None) else ""


def _agreement_items(case: Case) -> tuple[Agreement | None, list[Item]]:
    """The items of the effective mediation agreement, or one item for the agreed amount when the case has none."""
    agreement = agreement_effective(case=case)
    if agreement is not None:
        return agreement, [
            Item(str(item.get_category_display()), item.description, item.amount)
            for item in agreement.items.all()
        ]
    amount = case.amount_agreed or Decimal("0")
    return None, [Item(_("调解协议款项"), _("按调解协议约定支付"), amount)]


def _agreement_terms(agreement: Agreement | None) -> list[str]:
    if agreement is None:
        return []
    lines = []
    instalments = list(agreement.instalments.all())
    if len(instalments) == 1:
        lines.append(
            _("支付期限：被申请人于%(day)s前一次性支付人民币 %(amount)s 元（支付方式：%(method)s）。")
            % {
                "day": chinese_date(instalments[0].due_on),
                "amount": yuan(instalments[0].amount),
                "method": agreement.get_payment_method_display(),
            }
        )
    elif instalments:
        parts = "；".join(
            _("第 %(n)d 期于%(day)s前支付 %(amount)s 元")
            % {"n": i.sequence, "day": chinese_date(i.due_on), "amount": yuan(i.amount)}
            for i in instalments
        )
        lines.append(
            _("支付期限：被申请人分 %(n)d 期支付（支付方式：%(method)s）：%(parts)s。")
            % {"n": len(instalments), "method": agreement.get_payment_method_display(), "parts": parts}
        )
    if agreement.other_terms.strip():
        lines.append(_("其他约定：%(terms)s") % {"terms": agreement.other_terms.strip()})
    return lines


def _agreement_moment(case: Case, agreement: Agreement | None) -> str:
    facts = agreement_facts(case=case)
    when = (agreement.effective_at if agreement else None) or facts.effective_at
    return chinese_date(timezone.localtime(when)) if when else _("（日期见调解协议）")


def _filed_on(case: Case, transition: str) -> date:
    at = (
        case.events.filter(transition=transition)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localdate(at) if at else timezone.localdate()


def _expect_route(case: Case, route: str, name: str) -> None:
    if case.status != S.CONFIRMATION_REQUESTED or case.confirmation_route != route:
        what = _("仲裁审查确认") if route == R.ARBITRATION_REVIEW else _("司法确认")
        raise _conflict(case, name, _("该案件现在没有等待%(what)s的调解协议。") % {"what": what})
    expected = OrgType.ARBITRATION_COMMISSION if route == R.ARBITRATION_REVIEW else OrgType.COURT
    if case.handling_org is None or case.handling_org.type != expected:
        raise _conflict(case, name, _("承办机构与确认途径不符。"))


# --- The filing (a case effect): the body's decision period starts ---------------------------------------------------
def confirmation_filed_on_case_event(*, case: Case, event) -> None:
    """The case effect (disputes.extensions): when an agreement is filed for review or confirmation, record that the
    commission or court received it (staff only), which starts the decision period of the deadline rules
    ``arb_review.decision`` / ``jc.decision``, and refresh the case's deadlines in the same transaction.

    A filing recorded with a past date (history imported, the demo seeder) is left alone: the receipt would be
    dated now, after the later steps of that history, and those cases' decisions are past anyway."""
    if event.transition != "request_confirmation" or case.handling_org_id is None:
        return
    if event.created_at < timezone.now() - BACKDATED:
        return
    name = ev.REVIEW_FILED if case.confirmation_route == R.ARBITRATION_REVIEW else ev.JUDICIAL_FILED
    case_event_record(
        case_id=case.pk,
        name=name,
        actor=None,
        payload={"organization": case.handling_org.code, "filing": event.pk},
    )
    case_deadlines_refresh(case=case)


# --- Arbitration review and judicial confirmation -------------------------------------------------------------------
def _confirmation_approve(*, case_id: int, actor, route: str) -> IssuedDocument:
    case = _lock_case(case_id)
    _expect_route(case, route, "confirm")
    transition_guard(case=case, name="confirm", actor=actor)
    agreement, items = _agreement_items(case)
    station = case.station.name if case.station_id else _("调解组织")
    day = _agreement_moment(case, agreement)
    number_text = _("（协议编号 %(number)s）") % {"number": agreement.number} if agreement else ""
    filed = chinese_date(_filed_on(case, "request_confirmation"))
    if route == R.ARBITRATION_REVIEW:
        enforce = _(
            "一方当事人不履行的，另一方当事人可以依法向人民法院申请强制执行（《劳动争议调解仲裁法》第五十一条）。"
        )
    else:
        enforce = _(
            "一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请强制执行"
            "（《中华人民共和国民事诉讼法》第二百零六条）。"
        )
    if route == R.ARBITRATION_REVIEW:
        kind, title = DocumentKind.ARBITRATION_MEDIATION, _("仲裁调解书")
        paragraphs = [
            _(
                "申请人与被申请人劳动争议一案，经%(station)s主持调解，双方于%(day)s达成调解协议%(number)s，并于%(filed)s"
                "共同向本委申请仲裁审查确认。"
            )
            % {"station": station, "day": day, "number": number_text, "filed": filed},
            _(
                "本委依法审查认为，该调解协议系双方当事人自愿达成，内容不违反法律、行政法规的强制性规定，不损害国家利益、"
                "社会公共利益或者他人合法权益，予以确认。根据《劳动人事争议仲裁办案规则》的规定，制作本调解书。"
                "经确认的调解协议内容如下："
            ),
        ]
        closing = [
            *_agreement_terms(agreement),
            _("本调解书经双方当事人签收后，即发生法律效力。") + enforce,
        ]
        seal = _("仲裁员：%(name)s") % {"name": _staff_name(actor)} if _staff_name(actor) else ""
    else:
        kind, title = DocumentKind.JUDICIAL_RULING, _("民事裁定书（确认调解协议）")
        paragraphs = [
            _(
                "申请人与被申请人于%(day)s经%(station)s主持调解达成调解协议%(number)s，并于%(filed)s共同向本院申请司法确认。"
                "本院受理后依法进行了审查。"
            )
            % {"station": station, "day": day, "number": number_text, "filed": filed},
            _(
                "本院认为，申请人达成的调解协议符合司法确认的条件。依照《中华人民共和国民事诉讼法》第二百零五条、"
                "第二百零六条的规定，裁定如下：申请人与被申请人达成的调解协议有效，协议内容如下："
            ),
        ]
        closing = [
            *_agreement_terms(agreement),
            _("当事人应当按照调解协议的约定自觉履行义务。") + enforce,
            _("本裁定书自即日起发生法律效力。"),
        ]
        seal = _("审判员：%(name)s") % {"name": _staff_name(actor)} if _staff_name(actor) else ""
    layout = Layout(
        title=title,
        parties=parties_of(case, employer_name=agreement.employer_name if agreement else ""),
        paragraphs=paragraphs,
        items_intro=_("被申请人向申请人支付下列款项："),
        items=items,
        closing=closing,
        seal_note=seal,
    )
    document = document_issue(
        case=case, kind=kind, issuer=case.handling_org, title=title, render=renderer(layout), actor=actor
    )
    case_transition(
        case_id=case.pk,
        name="confirm",
        actor=actor,
        note=_("出具%(title)s %(number)s。") % {"title": title, "number": document.number},
        payload={"document_number": document.number},
    )
    handoff_kind = (
        HandoffKind.ARBITRATION_REVIEW if route == R.ARBITRATION_REVIEW else HandoffKind.JUDICIAL_CONFIRMATION
    )
    _answer_handoff(
        case,
        kind=handoff_kind,
        actor=actor,
        action="complete",
        reference=document.number,
        outcome=_("予以确认，出具%(title)s %(number)s。") % {"title": title, "number": document.number},
    )
    return document


def _confirmation_refuse(*, case_id: int, actor, route: str, reason: str, detail: str) -> IssuedDocument:
    case = _lock_case(case_id)
    _expect_route(case, route, "refuse_confirmation")
    transition_guard(case=case, name="refuse_confirmation", actor=actor)
    reasons = ReviewRefusalReason if route == R.ARBITRATION_REVIEW else JudicialRefusalReason
    errors: dict[str, list[str]] = {}
    reason = _choice(reason, reasons, field="reason", message=_("请选择不予确认的理由。"), errors=errors)
    detail = _text(
        detail,
        field="detail",
        label=_("具体说明"),
        max_length=2000,
        errors=errors,
        required=reason == reasons.OTHER,
    )
    _raise(errors)
    label = str(reasons(reason).label)
    stated = f"{label}：{detail}" if detail else label
    agreement, _items = _agreement_items(case)
    station = case.station.name if case.station_id else _("调解组织")
    day = _agreement_moment(case, agreement)
    filed = chinese_date(_filed_on(case, "request_confirmation"))
    if route == R.ARBITRATION_REVIEW:
        kind, title = DocumentKind.REVIEW_REFUSAL, _("不予确认决定书")
        paragraphs = [
            _(
                "申请人与被申请人于%(day)s经%(station)s主持调解达成调解协议，并于%(filed)s共同向本委申请仲裁审查确认。"
            )
            % {"station": station, "day": day, "filed": filed},
            _(
                "经审查，该调解协议存在以下情形：%(reason)s。本委决定对该调解协议不予确认，本次审查确认程序终结。"
            )
            % {"reason": stated},
        ]
        closing = [
            _(
                "当事人可以就调解协议涉及的劳动争议事项依法申请劳动仲裁（人力资源社会保障部、最高人民法院《关于劳动人事"
                "争议仲裁与诉讼衔接有关问题的意见（一）》第一条）。劳动仲裁不收费。"
            )
        ]
    else:
        kind, title = DocumentKind.JUDICIAL_REFUSAL, _("民事裁定书（驳回确认申请）")
        paragraphs = [
            _(
                "申请人与被申请人于%(day)s经%(station)s主持调解达成调解协议，并于%(filed)s共同向本院申请司法确认。"
            )
            % {"station": station, "day": day, "filed": filed},
            _(
                "经审查，该调解协议存在以下情形：%(reason)s。依照《中华人民共和国民事诉讼法》第二百零六条的规定，"
                "裁定驳回申请。"
            )
            % {"reason": stated},
        ]
        closing = [
            _(
                "当事人可以通过调解方式变更原调解协议或者达成新的调解协议，也可以就劳动争议事项依法申请劳动仲裁"
                "（《中华人民共和国民事诉讼法》第二百零六条）。"
            )
        ]
    layout = Layout(
        title=title,
        parties=parties_of(case, employer_name=agreement.employer_name if agreement else ""),
        paragraphs=paragraphs,
        closing=closing,
    )
    document = document_issue(
        case=case, kind=kind, issuer=case.handling_org, title=title, render=renderer(layout), actor=actor
    )
    handoff_kind = (
        HandoffKind.ARBITRATION_REVIEW if route == R.ARBITRATION_REVIEW else HandoffKind.JUDICIAL_CONFIRMATION
    )
    # Answered before the transition: refusing it clears the case's handling organization.
    _answer_handoff(
        case,
        kind=handoff_kind,
        actor=actor,
        action="complete",
        reference=document.number,
        outcome=_("不予确认（%(reason)s），出具%(title)s %(number)s。")
        % {"reason": label, "title": title, "number": document.number},
    )
    case_transition(
        case_id=case.pk,
        name="refuse_confirmation",
        actor=actor,
        note=_("出具%(title)s %(number)s。") % {"title": title, "number": document.number},
        payload={"reason": stated},
    )
    return document


@transaction.atomic
def review_approve(*, case_id: int, actor) -> IssuedDocument:
    """The commission confirms the agreement filed for arbitration review: it issues the arbitration mediation
    document (仲裁调解书, the agreement's content, numbered, with its verification code), the case becomes
    confirmed (``confirm`` with the document's number) and the review handoff is answered. Only the commission's
    arbitrators, only while the review is pending there."""
    return _confirmation_approve(case_id=case_id, actor=actor, route=R.ARBITRATION_REVIEW)


@transaction.atomic
def review_refuse(*, case_id: int, actor, reason: str, detail: str = "") -> IssuedDocument:
    """The commission does not confirm the agreement: a reason from the fixed list (:class:`ReviewRefusalReason`;
    ``other`` needs the detail), the written refusal (不予确认决定书), and the case back at ``agreement_reached``
    where the worker's options are offered again."""
    return _confirmation_refuse(
        case_id=case_id, actor=actor, route=R.ARBITRATION_REVIEW, reason=reason, detail=detail
    )


@transaction.atomic
def judicial_confirm(*, case_id: int, actor) -> IssuedDocument:
    """The court confirms the agreement filed for judicial confirmation: the ruling (民事裁定书) with its number, the
    case confirmed. Only the court's clerks, only while the confirmation is pending there."""
    return _confirmation_approve(case_id=case_id, actor=actor, route=R.JUDICIAL_CONFIRMATION)


@transaction.atomic
def judicial_refuse(*, case_id: int, actor, reason: str, detail: str = "") -> IssuedDocument:
    """The court dismisses the application (:class:`JudicialRefusalReason`), with the ruling; the case goes back to
    ``agreement_reached``."""
    return _confirmation_refuse(
        case_id=case_id, actor=actor, route=R.JUDICIAL_CONFIRMATION, reason=reason, detail=detail
    )


# --- Cases referred to arbitration ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HearingInput:
    at: datetime | None
    place: str
    kind: str = HearingKind.HEARING
    notes: str = ""


def _clean_hearing(hearing: HearingInput, *, today: date, errors: dict, prefix: str = "") -> HearingInput:
    at = hearing.at
    if not isinstance(at, datetime):
        errors.setdefault(f"{prefix}at", []).append(_("请填写开庭时间。"))
    else:
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        earliest = today + timedelta(days=HEARING_NOTICE_DAYS)
        if timezone.localdate(at) < earliest:
            errors.setdefault(f"{prefix}at", []).append(
                _(
                    "开庭时间最早为 %(day)s：仲裁庭应当在开庭五日前将开庭日期、地点书面通知双方当事人"
                    "（《劳动争议调解仲裁法》第三十五条）。"
                )
                % {"day": earliest.isoformat()}
            )
        elif timezone.localdate(at) > today + timedelta(days=366):
            errors.setdefault(f"{prefix}at", []).append(_("开庭时间不能晚于一年以后。"))
    kind = hearing.kind or HearingKind.HEARING
    if kind not in HearingKind.values:
        errors.setdefault(f"{prefix}kind", []).append(_("请选择开庭类型。"))
    place = _text(hearing.place, field=f"{prefix}place", label=_("开庭地点"), max_length=200, errors=errors)
    notes = _text(
        hearing.notes, field=f"{prefix}notes", label=_("说明"), max_length=2000, errors=errors, required=False
    )
    return HearingInput(at=at, place=place, kind=kind, notes=notes)


def _create_hearing(case: Case, hearing: HearingInput, actor) -> Hearing:
    row = Hearing.objects.create(
        case=case,
        kind=hearing.kind,
        at=hearing.at,
        place=hearing.place,
        notes=hearing.notes,
        scheduled_by=actor,
    )
    case_event_record(
        case_id=case.pk,
        name=ev.HEARING_SCHEDULED,
        actor=actor,
        note=hearing.notes,
        payload={"hearing": row.pk, "kind": hearing.kind, "at": hearing.at, "place": hearing.place},
    )
    return row


@transaction.atomic
def arbitration_accept(
    *, case_id: int, actor, hearing: HearingInput | None = None, today: date | None = None
) -> IssuedDocument:
    """The commission accepts the case referred to it (LDMAL Art. 29): the acceptance notice (受理通知书) is issued,
    and its number is the arbitration case number (``accept_arbitration``); a hearing may be scheduled at once
    (at least five days ahead, LDMAL Art. 35). The arbitration handoff is accepted with that number."""
    today = today or timezone.localdate()
    case = _lock_case(case_id)
    transition_guard(case=case, name="accept_arbitration", actor=actor)
    if case.handling_org.type != OrgType.ARBITRATION_COMMISSION:
        raise _conflict(case, "accept_arbitration", _("承办机构不是劳动人事争议仲裁委员会。"))
    errors: dict[str, list[str]] = {}
    cleaned = _clean_hearing(hearing, today=today, errors=errors, prefix="hearing_") if hearing else None
    _raise(errors)
    received = chinese_date(_filed_on(case, "refer_to_arbitration"))
    paragraphs = [
        _(
            "申请人与被申请人劳动争议一案，本委于%(day)s收到仲裁申请。经审查，该申请符合受理条件，本委决定立案受理。"
        )
        % {"day": received},
        _("本通知书编号即本案仲裁案号，今后与本委联系时请提供。"),
    ]
    if cleaned is not None:
        paragraphs.append(
            _("%(kind)s时间：%(when)s；地点：%(place)s。请携带身份证件和证据原件按时参加。")
            % {
                "kind": HearingKind(cleaned.kind).label,
                "when": timezone.localtime(cleaned.at).strftime("%Y-%m-%d %H:%M"),
                "place": cleaned.place,
            }
        )
    else:
        paragraphs.append(_("开庭时间和地点另行书面通知，通知将在开庭五日前送达。"))
    closing = [
        _(
            "仲裁庭应当自受理仲裁申请之日起四十五日内结束仲裁；案情复杂需要延期的，经批准可以延长，延长期限不得超过十五日"
            "（《劳动争议调解仲裁法》第四十三条）。劳动争议仲裁不收费（第五十三条）。"
        )
    ]
    layout = Layout(title=_("受理通知书"), parties=parties_of(case), paragraphs=paragraphs, closing=closing)
    document = document_issue(
        case=case,
        kind=DocumentKind.ARBITRATION_ACCEPTANCE,
        issuer=case.handling_org,
        title=_("受理通知书"),
        render=renderer(layout),
        actor=actor,
    )
    case_transition(
        case_id=case.pk,
        name="accept_arbitration",
        actor=actor,
        note=_("出具受理通知书 %(number)s。") % {"number": document.number},
        payload={"arbitration_number": document.number},
    )
    if cleaned is not None:
        _create_hearing(case, cleaned, actor)
    _answer_handoff(
        case, kind=HandoffKind.ARBITRATION, actor=actor, action="accept", reference=document.number
    )
    return document


@transaction.atomic
def arbitration_decline(*, case_id: int, actor, reason: str, detail: str = "") -> IssuedDocument:
    """The commission does not accept the case (LDMAL Art. 29): a reason from :class:`NonAcceptanceReason`, the
    written notice (不予受理通知书) with the reason and the worker's right to sue, the case closed
    (``decline_arbitration``) and the handoff declined."""
    case = _lock_case(case_id)
    transition_guard(case=case, name="decline_arbitration", actor=actor)
    errors: dict[str, list[str]] = {}
    reason = _choice(
        reason, NonAcceptanceReason, field="reason", message=_("请选择不予受理的理由。"), errors=errors
    )
    detail = _text(
        detail, field="detail", label=_("具体说明"), max_length=2000, errors=errors, required=False
    )
    _raise(errors)
    label = str(NonAcceptanceReason(reason).label)
    stated = f"{label}：{detail}" if detail else label
    received = chinese_date(_filed_on(case, "refer_to_arbitration"))
    paragraphs = [
        _("本委于%(day)s收到申请人与被申请人劳动争议一案的仲裁申请。") % {"day": received},
        _(
            "经审查，该申请存在以下情形：%(reason)s。根据《劳动争议调解仲裁法》第二十九条的规定，本委决定不予受理。"
        )
        % {"reason": stated},
    ]
    closing = [
        _(
            "申请人对不予受理决定不服的，可以自收到本通知书之日起就该劳动争议事项向人民法院提起诉讼"
            "（《劳动争议调解仲裁法》第二十九条）。"
        )
    ]
    layout = Layout(
        title=_("不予受理通知书"), parties=parties_of(case), paragraphs=paragraphs, closing=closing
    )
    document = document_issue(
        case=case,
        kind=DocumentKind.ARBITRATION_NON_ACCEPTANCE,
        issuer=case.handling_org,
        title=_("不予受理通知书"),
        render=renderer(layout),
        actor=actor,
    )
    case_transition(
        case_id=case.pk,
        name="decline_arbitration",
        actor=actor,
        note=_("出具不予受理通知书 %(number)s。") % {"number": document.number},
        payload={"reason": stated},
    )
    _answer_handoff(case, kind=HandoffKind.ARBITRATION, actor=actor, action="decline", reason=stated)
    return document


@transaction.atomic
def hearing_schedule(*, case_id: int, actor, hearing: HearingInput, today: date | None = None) -> Hearing:
    """Schedule a hearing of an accepted case, at least five days ahead (LDMAL Art. 35); the worker reads when and
    where on ``/track/``. Only the commission's arbitrators."""
    today = today or timezone.localdate()
    case = _lock_case(case_id)
    if case.status != S.ARBITRATION_ACCEPTED:
        raise _conflict(case, ev.HEARING_SCHEDULED, _("只有已立案的仲裁案件可以安排开庭。"))
    if not can_arbitrate(case, actor):
        raise PermissionDenied(_("只有承办该案的仲裁委员会的仲裁员可以安排开庭。"))
    errors: dict[str, list[str]] = {}
    cleaned = _clean_hearing(hearing, today=today, errors=errors)
    _raise(errors)
    return _create_hearing(case, cleaned, actor)


@dataclass(frozen=True)
class AwardItemInput:
    category: str
    description: str
    amount: Decimal | str


def _clean_award_items(items: list[AwardItemInput], errors: dict) -> list[tuple[str, str, Decimal]]:
    cleaned = []
    if not items:
        errors.setdefault("items", []).append(_("请至少填写一项裁决事项。"))
    elif len(items) > MAX_AWARD_ITEMS:
        errors.setdefault("items", []).append(_("裁决事项最多 %(n)d 项。") % {"n": MAX_AWARD_ITEMS})
    for number, item in enumerate(items[:MAX_AWARD_ITEMS], start=1):
        if item.category not in Category.values:
            errors.setdefault("items", []).append(_("第 %(n)d 项：请选择类别。") % {"n": number})
        description = (item.description or "").strip()
        if not description:
            errors.setdefault("items", []).append(_("第 %(n)d 项：请写明裁决事项。") % {"n": number})
        elif len(description) > 200:
            errors.setdefault("items", []).append(
                _("第 %(n)d 项：裁决事项不能超过 200 个字。") % {"n": number}
            )
        try:
            amount = clean_money(item.amount, _("第 %(n)d 项的金额") % {"n": number}, allow_zero=True)
        except ValidationError as exc:
            errors.setdefault("items", []).extend(exc.messages)
            continue
        cleaned.append((item.category, description, amount))
    return cleaned


def award_effective_on(*, awarded_on: date, is_final: bool, calendar: WorkingCalendar | None = None) -> date:
    """When the award binds: a final award on the day it is made (LDMAL Art. 47); a non-final one the day after
    the 15 days to sue end (Art. 50), counted from the award's date as the day it was served (the platform serves
    it that day), the last day moved past a rest day (CPL Art. 85)."""
    if is_final:
        return awarded_on
    calendar = calendar or WorkingCalendar.from_database()
    due, _provisional = calendar.add_period(awarded_on, days=AWARD_SUIT_DAYS)
    return due + timedelta(days=1)


@transaction.atomic
def award_record(
    *,
    case_id: int,
    actor,
    items: list[AwardItemInput],
    awarded_on: date | None = None,
    is_final: bool | None = None,
    final_reason: str = "",
    today: date | None = None,
) -> Award:
    """Record the award of an accepted case with its items and issue the award (仲裁裁决书).

    Whether it is final follows rule 15 (:func:`arbitration.conditions.award_finality`) with the minimum wage in
    force where the work was done on the day of the award (the case's region, up the tree). The tribunal's own
    determination prevails (Interpretation (一) Art. 20: the award says which it is): ``is_final`` different from
    the rule, or given where the rule cannot tell, needs ``final_reason``. The case stays accepted (the award may
    still be paid, or enforced) until :func:`arbitration_close`; the worker reads the award and when it binds."""
    today = today or timezone.localdate()
    case = _lock_case(case_id)
    if case.status != S.ARBITRATION_ACCEPTED:
        raise _conflict(case, ev.AWARD_RECORDED, _("只有已立案的仲裁案件可以作出裁决。"))
    if not can_arbitrate(case, actor):
        raise PermissionDenied(_("只有承办该案的仲裁委员会的仲裁员可以记录裁决。"))
    if Award.objects.filter(case=case).exists():
        raise _conflict(case, ev.AWARD_RECORDED, _("该案件已经作出裁决。"))
    errors: dict[str, list[str]] = {}
    cleaned = _clean_award_items(items, errors)
    awarded_on = awarded_on or today
    accepted_on = _filed_on(case, "accept_arbitration")
    if awarded_on > today:
        errors["awarded_on"] = [_("裁决日期不能晚于今天。")]
    elif awarded_on < accepted_on:
        errors["awarded_on"] = [_("裁决日期不能早于立案日期（%(day)s）。") % {"day": accepted_on.isoformat()}]
    final_reason = _text(
        final_reason,
        field="final_reason",
        label=_("是否终局的依据"),
        max_length=2000,
        errors=errors,
        required=False,
    )
    _raise(errors)
    minimum = minimum_wage_for(case=case, on=awarded_on)
    rule = award_finality(
        [(category, amount) for category, _d, amount in cleaned], minimum.monthly_amount if minimum else None
    )
    decided = rule.is_final if is_final is None else bool(is_final)
    if decided is None:
        raise ValidationError(
            {
                "is_final": [
                    _(
                        "%(why)s请由主管部门在“月最低工资标准”中登记当地标准，或由仲裁庭认定是否终局并写明依据。"
                    )
                    % {"why": rule.reason}
                ]
            }
        )
    reason = rule.reason
    if rule.is_final is None or decided != rule.is_final:
        if not final_reason:
            raise ValidationError(
                {
                    "final_reason": [
                        _("仲裁庭的认定与按规则计算的结果不同（%(rule)s），请写明认定的依据。")
                        % {"rule": rule.reason}
                    ]
                }
            )
        reason = _("仲裁庭认定：%(why)s") % {"why": final_reason}
    elif final_reason:
        reason = f"{rule.reason}{final_reason}"
    total = sum((amount for _c, _d, amount in cleaned), Decimal("0"))
    if total > MAX_AMOUNT:
        raise ValidationError({"items": [_("裁决金额超出可记录的范围。")]})
    effective_on = award_effective_on(awarded_on=awarded_on, is_final=decided)

    if decided:
        rights = [
            _(
                "本裁决为终局裁决，自作出之日起发生法律效力（《劳动争议调解仲裁法》第四十七条）。劳动者对本裁决不服的，可以"
                "自收到裁决书之日起十五日内向人民法院提起诉讼（第四十八条）；用人单位有证据证明本裁决有第四十九条规定情形之一的，"
                "可以自收到裁决书之日起三十日内向仲裁委员会所在地的中级人民法院申请撤销裁决。"
            )
        ]
    else:
        rights = [
            _(
                "当事人对本裁决不服的，可以自收到裁决书之日起十五日内向人民法院提起诉讼；期满不起诉的，本裁决书发生法律效力"
                "（《劳动争议调解仲裁法》第五十条）。"
            )
        ]
    rights.append(
        _(
            "当事人对发生法律效力的裁决书应当依照规定的期限履行。一方当事人逾期不履行的，另一方当事人可以向人民法院申请强制执行（第五十一条）。"
        )
    )
    number = (
        case.events.filter(transition="accept_arbitration")
        .order_by("-created_at", "-id")
        .values_list("payload", flat=True)
        .first()
        or {}
    ).get("arbitration_number", "")
    layout = Layout(
        title=_("仲裁裁决书"),
        parties=parties_of(case),
        paragraphs=[
            _(
                "申请人与被申请人劳动争议一案%(number)s，本委于%(day)s立案受理，依法组成仲裁庭进行了审理。本案现已审理终结。"
            )
            % {
                "number": _("（%(n)s）") % {"n": number} if number else "",
                "day": chinese_date(accepted_on),
            },
            _("是否终局：%(reason)s") % {"reason": reason},
            _("裁决如下："),
        ],
        items_intro=_("被申请人应向申请人支付（金额为零的事项为驳回或不涉及金钱给付）："),
        items=[Item(str(Category(c).label), d, a) for c, d, a in cleaned],
        closing=rights,
        seal_note=_("仲裁员：%(name)s") % {"name": _staff_name(actor)} if _staff_name(actor) else "",
    )
    document = document_issue(
        case=case,
        kind=DocumentKind.ARBITRATION_AWARD,
        issuer=case.handling_org,
        title=_("仲裁裁决书"),
        render=renderer(layout),
        actor=actor,
    )
    award = Award.objects.create(
        case=case,
        amount_awarded=total,
        is_final=decided,
        final_reason=reason,
        minimum_wage=minimum,
        awarded_on=awarded_on,
        effective_on=effective_on,
        document=document,
        recorded_by=actor,
    )
    AwardItem.objects.bulk_create(
        [
            AwardItem(award=award, position=n, category=c, description=d, amount=a)
            for n, (c, d, a) in enumerate(cleaned, start=1)
        ]
    )
    case_event_record(
        case_id=case.pk,
        name=ev.AWARD_RECORDED,
        actor=actor,
        note=reason,
        payload={
            "document_number": document.number,
            "amount": total,
            "is_final": decided,
            "awarded_on": awarded_on,
            "effective_on": effective_on,
        },
    )
    case_deadlines_refresh(case=case)
    return award


@transaction.atomic
def arbitration_close(*, case_id: int, actor, outcome: str, note: str = "") -> Case:
    """Close an accepted arbitration case (``close_arbitration``): by the award (which must be recorded; its amount
    and finality go into the history), by mediation, withdrawal or otherwise. The arbitration handoff is completed
    with the outcome. An award not paid should be enforced before closing: a closed case takes no more steps."""
    case = _lock_case(case_id)
    transition_guard(case=case, name="close_arbitration", actor=actor)
    errors: dict[str, list[str]] = {}
    outcome = _choice(outcome, ClosingOutcome, field="outcome", message=_("请选择结案方式。"), errors=errors)
    note = _text(note, field="note", label=_("说明"), max_length=2000, errors=errors, required=False)
    award = Award.objects.filter(case=case).first()
    if outcome == ClosingOutcome.AWARD and award is None:
        errors.setdefault("outcome", []).append(_("尚未记录仲裁裁决，不能以裁决结案。"))
    _raise(errors)
    label = str(ClosingOutcome(outcome).label)
    payload = {"outcome": label}
    if outcome == ClosingOutcome.AWARD:
        payload.update(amount_awarded=award.amount_awarded, is_final=award.is_final)
    case = case_transition(case_id=case.pk, name="close_arbitration", actor=actor, note=note, payload=payload)
    _answer_handoff(case, kind=HandoffKind.ARBITRATION, actor=actor, action="complete", outcome=label)
    return case


# --- Enforcement -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnforcementOption:
    """Whether the worker may apply for enforcement now, what would be enforced, and where."""

    available: bool
    why_not: str = ""
    basis: str = ""
    amount: Decimal | None = None
    court_name: str = ""
    deadline: date | None = None


def _legal_aid_centres(case: Case) -> set[int]:
    """Legal-aid centres that took the worker's case (an accepted legal-aid handoff)."""
    return set(
        Handoff.objects.filter(
            case=case, kind=HandoffKind.LEGAL_AID, status=HandoffStatus.ACCEPTED
        ).values_list("to_org_id", flat=True)
    )


def legal_aid_may_act(*, case: Case, user) -> bool:
    """A legal-aid centre's staff member of a centre that took the worker's case (its handoff accepted)."""
    if not getattr(user, "pk", None) or not user.is_active:
        return False
    centres = _legal_aid_centres(case)
    return (
        bool(centres)
        and Membership.objects.filter(
            user=user, role=Role.LEGAL_AID, organization_id__in=centres, organization__is_active=True
        ).exists()
    )


def enforcement_option(*, case: Case, today: date | None = None) -> EnforcementOption:
    """What the worker may enforce now (legal-rules.md rule 17): a confirmed agreement with a payment missed (or
    any unpaid amount when the agreement is not kept on the platform), or an award that has taken effect while the
    case is still at the commission. The court is the basic court of the station's region (the confirming court
    for a judicial confirmation). The application period is two years from the last day of performance (CPL
    Art. 250): shown, not enforced, as the court decides on interruptions."""
    today = today or timezone.localdate()
    calendar = WorkingCalendar.from_database()
    if case.status == S.CONFIRMED:
        agreement = agreement_effective(case=case)
        if agreement is not None:
            overdue = instalments_overdue(agreement=agreement, today=today)
            if not overdue:
                return EnforcementOption(
                    False, _("调解协议还没有逾期未付的款项。对方到期不付款的，您可以申请强制执行。")
                )
            amount = agreement.total - agreement_paid_total(agreement=agreement)
            last_due = max(i.due_on for i in agreement.instalments.all())
        else:
            amount = (case.amount_agreed or Decimal("0")) - (case.amount_paid or Decimal("0"))
            last_due = _filed_on(case, "confirm")
        basis = EnforcementBasis.CONFIRMED_AGREEMENT
    elif case.status == S.ARBITRATION_ACCEPTED:
        award = Award.objects.filter(case=case).first()
        if award is None:
            return EnforcementOption(False, _("仲裁委员会还没有作出裁决。"))
        if award.effective_on > today:
            return EnforcementOption(
                False,
                _("裁决自%(day)s起生效，生效后对方仍不履行的，您可以申请强制执行。")
                % {"day": award.effective_on.isoformat()},
            )
        if award.amount_awarded <= 0:
            return EnforcementOption(False, _("裁决没有需要对方支付的款项。"))
        amount = award.amount_awarded
        last_due = award.effective_on
        basis = EnforcementBasis.AWARD
    else:
        return EnforcementOption(False, _("案件现在的状态不能申请强制执行。"))
    if amount <= 0:
        return EnforcementOption(False, _("协议款项已经付清。"))
    court = enforcement_court_for(case=case)
    if court is None:
        return EnforcementOption(False, _("暂未找到可以受理的基层人民法院，请拨打 12348 咨询。"))
    deadline, _provisional = calendar.add_period(last_due, years=ENFORCEMENT_YEARS)
    return EnforcementOption(True, "", basis, amount, court.name, deadline)


@transaction.atomic
def enforcement_apply(
    *, case_id: int, actor, lawyer_name: str = "", today: date | None = None
) -> EnforcementCase:
    """The worker applies for enforcement (on ``/track/``; ``actor`` is :data:`~disputes.permissions.WORKER`), or the
    staff of a legal-aid centre that took the worker's case applies for them (the application is the worker's: the
    transition runs as the worker, and the row records who filed it and the lawyer's name). The case goes to the
    court (``open_enforcement``), whose handoff referrals writes in this transaction; the row tracks the number, the
    money recovered and the end. Refused with the reason when :func:`enforcement_option` says no."""
    today = today or timezone.localdate()
    case = _lock_case(case_id)
    if actor is WORKER:
        applied_by, staff = Applicant.WORKER, None
    elif legal_aid_may_act(case=case, user=actor):
        applied_by, staff = Applicant.LEGAL_AID, actor
    else:
        raise PermissionDenied(_("只有劳动者本人或为其提供法律援助的机构可以申请强制执行。"))
    if case.status not in (S.CONFIRMED, S.ARBITRATION_ACCEPTED):
        raise _conflict(case, "open_enforcement", _("案件现在的状态不能申请强制执行。"))
    option = enforcement_option(case=case, today=today)
    if not option.available:
        raise ValidationError({"case": [option.why_not]})
    errors: dict[str, list[str]] = {}
    lawyer_name = _text(
        lawyer_name,
        field="lawyer_name",
        label=_("代理律师姓名"),
        max_length=64,
        errors=errors,
        required=False,
    )
    _raise(errors)
    court = enforcement_court_for(case=case)
    basis_label = EnforcementBasis(option.basis).label
    note = _("申请强制执行（执行依据：%(basis)s），申请执行金额 %(amount)s 元。") % {
        "basis": basis_label,
        "amount": yuan(option.amount),
    }
    if staff is not None:
        note += _("由法律援助机构代为申请%(lawyer)s。") % {
            "lawyer": _("（代理律师：%(name)s）") % {"name": lawyer_name} if lawyer_name else ""
        }
    case_transition(
        case_id=case.pk,
        name="open_enforcement",
        actor=WORKER,
        note=note,
        payload={"court": court, "enforcement_number": ""},
    )
    return EnforcementCase.objects.create(
        case=case,
        court=court,
        basis=option.basis,
        amount_sought=option.amount,
        applied_by=applied_by,
        applied_by_user=staff,
        lawyer_name=lawyer_name,
    )


def _enforcement_row(case: Case) -> EnforcementCase:
    """The running enforcement of a case in enforcement. A case sent to enforcement without the platform's
    application (recorded with the transition alone) gets its row now, from that transition."""
    row = enforcement_open(case=case)
    if row is not None:
        return row
    event = case.events.filter(transition="open_enforcement").order_by("-created_at", "-id").first()
    payload = (event.payload if event else None) or {}
    basis = (
        EnforcementBasis.AWARD
        if event and event.from_state == S.ARBITRATION_ACCEPTED
        else (EnforcementBasis.CONFIRMED_AGREEMENT)
    )
    award = Award.objects.filter(case=case).first()
    sought = (
        award.amount_awarded
        if basis == EnforcementBasis.AWARD and award
        else ((case.amount_agreed or Decimal("0")) - (case.amount_paid or Decimal("0")))
    )
    return EnforcementCase.objects.create(
        case=case,
        court=case.handling_org,
        basis=basis,
        number=str(payload.get("enforcement_number") or "")[:64],
        amount_sought=max(sought, Decimal("0")),
        applied_at=event.created_at if event else timezone.now(),
        applied_by=Applicant.WORKER if event and event.actor_kind == "worker" else Applicant.STAFF,
        applied_by_user=event.actor if event and event.actor_id else None,
    )


def _enforcing_case(case_id: int, actor, name: str) -> tuple[Case, EnforcementCase]:
    case = _lock_case(case_id)
    if case.status != S.ENFORCEMENT:
        raise _conflict(case, name, _("案件现在不在强制执行中。"))
    if not can_enforce(case, actor):
        raise PermissionDenied(_("只有执行法院的工作人员可以办理。"))
    return case, _enforcement_row(case)


@transaction.atomic
def enforcement_register(*, case_id: int, actor, number: str) -> EnforcementCase:
    """The court registers the enforcement under its own case number (执行案号): the worker reads it, and the
    enforcement handoff is accepted with it. Registering again corrects the number."""
    case, row = _enforcing_case(case_id, actor, ev.ENFORCEMENT_REGISTERED)
    errors: dict[str, list[str]] = {}
    number = _text(number, field="number", label=_("执行案号"), max_length=64, errors=errors)
    _raise(errors)
    row.number = number
    row.registered_at = row.registered_at or timezone.now()
    row.save(update_fields=["number", "registered_at"])
    case_event_record(
        case_id=case.pk, name=ev.ENFORCEMENT_REGISTERED, actor=actor, payload={"number": number}
    )
    _answer_handoff(case, kind=HandoffKind.ENFORCEMENT, actor=actor, action="accept", reference=number)
    return row


@transaction.atomic
def enforcement_record_recovery(
    *, case_id: int, actor, amount, at: date, note: str = "", today: date | None = None
) -> Recovery:
    """Record money the court recovered for the worker (执行到位), dated, not in the future; the worker reads the
    amount and the running total."""
    today = today or timezone.localdate()
    case, row = _enforcing_case(case_id, actor, ev.ENFORCEMENT_RECOVERY)
    errors: dict[str, list[str]] = {}
    try:
        amount = clean_money(amount, _("执行到位金额"))
    except ValidationError as exc:
        errors["amount"] = exc.messages
    if not isinstance(at, date):
        errors["at"] = [_("请填写到位日期。")]
    elif at > today:
        errors["at"] = [_("到位日期不能晚于今天。")]
    elif at < timezone.localdate(row.applied_at):
        errors["at"] = [_("到位日期不能早于申请执行的日期。")]
    note = _text(note, field="note", label=_("说明"), max_length=300, errors=errors, required=False)
    _raise(errors)
    recovery = Recovery.objects.create(enforcement=row, amount=amount, at=at, note=note, recorded_by=actor)
    total = row.recoveries.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    case_event_record(
        case_id=case.pk,
        name=ev.ENFORCEMENT_RECOVERY,
        actor=actor,
        note=note,
        payload={"recovery": recovery.pk, "amount": amount, "at": at, "total": total},
    )
    return recovery


@transaction.atomic
def enforcement_end(*, case_id: int, actor, end: str, note: str = "") -> EnforcementCase:
    """End the enforcement (:class:`EnforcementEnd`): the case closes (``close_enforcement`` with the total
    recovered), the row records how and when, and the enforcement handoff is completed."""
    case, row = _enforcing_case(case_id, actor, "close_enforcement")
    transition_guard(case=case, name="close_enforcement", actor=actor)
    errors: dict[str, list[str]] = {}
    end = _choice(end, EnforcementEnd, field="end", message=_("请选择结案方式。"), errors=errors)
    note = _text(note, field="note", label=_("说明"), max_length=2000, errors=errors, required=False)
    _raise(errors)
    recovered = row.recoveries.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    label = str(EnforcementEnd(end).label)
    row.ended_at = timezone.now()
    row.end = end
    row.save(update_fields=["ended_at", "end"])
    _answer_handoff(
        case,
        kind=HandoffKind.ENFORCEMENT,
        actor=actor,
        action="complete",
        reference=row.number,
        outcome=_("%(end)s，执行到位 %(amount)s 元。") % {"end": label, "amount": yuan(recovered)},
    )
    case_transition(
        case_id=case.pk,
        name="close_enforcement",
        actor=actor,
        note=f"{label}。{note}" if note else f"{label}。",
        payload={"amount_recovered": recovered},
    )
    return row
