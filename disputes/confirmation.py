"""Whether a mediation agreement may be filed for arbitration review (仲裁审查确认) or judicial confirmation (司法确认)
now: the checks the law makes at filing (legal-rules.md rules 6 and 7, and its "Principles").

:func:`confirmation_refusal` answers with the reason in plain Chinese, or ``None`` when the filing may go ahead. It
only reads (the case, its history, its claims, its station); it is called by the ``request_confirmation`` form
(:class:`disputes.forms.RequestConfirmationForm`), so the admin button and the API refuse with the same 400, and
by the upper apps before they file for the worker.

The reasons, a fixed list:

- **late**: review within 15 days, judicial confirmation within 30 days of the agreement taking effect (Rules
  Art. 74; CPL Art. 205). The agreement takes effect when the last party signs; the mediation app records the
  case's ``record_agreement`` at that moment, so the window counts from that event. A period does not count its
  first day, and a last day on a rest day moves to the next working day (CPL Art. 85; :mod:`disputes.workdays`).
  A case without that event (history imported without it) is not refused as late: there is no date to count from.
- **labor relationship**: an agreement that confirms a labor relationship is not reviewed (Rules Art. 75); it is
  not a payment-only agreement either, so it is not judicially confirmed.
- **the other route**: review and judicial confirmation exclude each other once one was filed (and accepted) for
  the agreement; an agreement already confirmed is never filed again (Rules Art. 75(5); CPL Art. 205).
- **judicial confirmation only for a people's mediation committee's payment-only agreement** (Interpretation (一)
  Art. 52): the station's legal type (a branch outlet takes its parent's), and whether the agreement only obliges
  payment.

``disputes`` does not know the mediation app's agreement: an upper app that does registers an
:data:`AgreementFactsProvider` (:func:`register_agreement_facts`) telling when the agreement took effect and
whether it only obliges payment. Without one, the date is the ``record_agreement`` event's and an agreement is
taken as payment-only unless a claim asks to confirm a labor relationship.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.states import MediationLegalType

from .states import Category, ConfirmationRoute
from .workdays import WorkingCalendar

R = ConfirmationRoute

# Days from the agreement taking effect within which the parties file jointly (legal-rules.md rules 6 and 7).
WINDOW_DAYS = {R.ARBITRATION_REVIEW: 15, R.JUDICIAL_CONFIRMATION: 30}
WINDOW_SOURCES = {
    R.ARBITRATION_REVIEW: "劳动人事争议仲裁办案规则第七十四条",
    R.JUDICIAL_CONFIRMATION: "民事诉讼法第二百零五条",
}


@dataclass(frozen=True)
class AgreementFacts:
    """What the filing checks need to know about the agreement itself."""

    effective_at: datetime | None = None
    payment_only: bool | None = None


AgreementFactsProvider = Callable[..., "AgreementFacts | None"]  # provider(*, case) -> AgreementFacts | None
_providers: list[AgreementFactsProvider] = []


def register_agreement_facts(provider: AgreementFactsProvider) -> None:
    """An upper app that keeps the agreement (in ``AppConfig.ready``) tells the checks about it."""
    if provider not in _providers:
        _providers.append(provider)


def _agreement_event_at(case) -> datetime | None:
    if case.pk is None:
        return None
    return (
        case.events.filter(transition="record_agreement")
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )


def agreement_facts(*, case) -> AgreementFacts:
    """The agreement's effective moment and whether it only obliges payment: from a registered provider where it
    knows, else from the case's history and claims (see the module's docstring)."""
    known = AgreementFacts()
    for provider in _providers:
        facts = provider(case=case)
        if facts is not None:
            known = facts
            break
    effective_at = known.effective_at or _agreement_event_at(case)
    payment_only = known.payment_only
    if payment_only is None:
        payment_only = not _claims_confirm_relationship(case)
    return AgreementFacts(effective_at=effective_at, payment_only=payment_only)


def _claims_confirm_relationship(case) -> bool:
    if case.pk is None:
        return False
    return case.claims.filter(category=Category.LABOR_RELATIONSHIP).exists()


def station_legal_type(case) -> str:
    """The legal type of the case's station; a branch outlet without its own takes its parent station's."""
    station = case.station if case.station_id else None
    if station is None:
        return MediationLegalType.NONE
    if station.mediation_legal_type:
        return station.mediation_legal_type
    parent = station.parent if station.parent_id else None
    return parent.mediation_legal_type if parent is not None else MediationLegalType.NONE


def confirmation_window_due(
    *, case, route: str, facts: AgreementFacts | None = None, calendar: WorkingCalendar | None = None
) -> date | None:
    """The last day on which the parties may file for ``route``; None when the agreement's date is unknown."""
    facts = facts or agreement_facts(case=case)
    if facts.effective_at is None or route not in WINDOW_DAYS:
        return None
    calendar = calendar or WorkingCalendar.from_database()
    due, _provisional = calendar.add_period(timezone.localdate(facts.effective_at), days=WINDOW_DAYS[route])
    return due


def _routes_filed(case) -> set[str]:
    if case.pk is None:
        return set()
    return {
        payload.get("route")
        for payload in case.events.filter(transition="request_confirmation").values_list("payload", flat=True)
        if isinstance(payload, dict)
    }


def confirmation_refusal(
    case,
    route: str,
    today: date | None = None,
    *,
    facts: AgreementFacts | None = None,
    calendar: WorkingCalendar | None = None,
) -> str | None:
    """Why the agreement of ``case`` may not be filed for ``route`` on ``today``, or None when it may.

    Checks, in this order: an agreement already confirmed or filed on the other route; an agreement that confirms
    a labor relationship; for judicial confirmation, the station's legal type and a payment-only agreement; the
    filing window. Reads only; the caller refuses with the message (400)."""
    today = today or timezone.localdate()
    if route not in WINDOW_DAYS:
        return _("请选择仲裁审查确认或司法确认。")
    facts = facts or agreement_facts(case=case)
    other = R.JUDICIAL_CONFIRMATION if route == R.ARBITRATION_REVIEW else R.ARBITRATION_REVIEW
    if case.pk is not None and case.events.filter(transition="confirm").exists():
        return _("该调解协议已经确认，不能再次申请确认。")
    if other in _routes_filed(case):
        if route == R.ARBITRATION_REVIEW:
            return _(
                "该调解协议已经申请过司法确认。仲裁审查确认和司法确认只能选择其一，已申请一种途径的，不能再申请另一种。"
            )
        return _(
            "该调解协议已经申请过仲裁审查确认。仲裁审查确认和司法确认只能选择其一，已申请一种途径的，不能再申请另一种。"
        )
    if _claims_confirm_relationship(case):
        if route == R.ARBITRATION_REVIEW:
            return _(
                "调解协议涉及确认劳动关系，仲裁委员会不予受理审查确认申请（劳动人事争议仲裁办案规则第七十五条）。"
                "可以就劳动关系争议申请劳动仲裁。"
            )
        return _("调解协议涉及确认劳动关系，不是仅约定给付义务的协议，不能申请司法确认。可以申请劳动仲裁。")
    if route == R.JUDICIAL_CONFIRMATION:
        if station_legal_type(case) != MediationLegalType.PEOPLES_MEDIATION_COMMITTEE:
            return _(
                "劳动争议调解协议的司法确认只适用于人民调解委员会主持达成的协议（最高人民法院劳动争议司法解释（一）"
                "第五十二条），本调解组织不是人民调解委员会。可以申请仲裁审查确认。"
            )
        if not facts.payment_only:
            return _(
                "司法确认只适用于仅约定给付义务（支付款项）的调解协议，本协议还约定了其他事项。可以申请仲裁审查确认。"
            )
    due = confirmation_window_due(case=case, route=route, facts=facts, calendar=calendar)
    if due is not None and today > due:
        days = WINDOW_DAYS[route]
        what = _("仲裁审查确认") if route == R.ARBITRATION_REVIEW else _("司法确认")
        return _(
            "已超过申请期限：%(what)s应在调解协议生效之日起 %(days)d 日内（%(due)s 前）由双方共同申请（%(source)s）。"
            "对方不履行协议的，可以申请劳动仲裁。"
        ) % {
            "what": what,
            "days": days,
            "due": due.isoformat(),
            "source": WINDOW_SOURCES[route],
        }
    return None
