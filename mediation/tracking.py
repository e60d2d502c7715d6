"""The worker's mediation section of ``/track/`` (a panel registered with :mod:`disputes.extensions`): the agreement
to read and sign, what was paid and what is due, the next steps after a missed payment, the way to arbitration when
mediation failed or ran out of time, the satisfaction form and the request to reopen.

What the worker sees of mediation is built here and nowhere else. It never holds a staff member's name, a note
written for staff, a session's summary, or a phone or ID number unmasked.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.extensions import WorkerPanel
from disputes.models import Case
from disputes.states import CaseStatus
from disputes.tracking import worker_actions

from .models import Agreement, ReopenRequest, SatisfactionSurvey
from .pdf import amount_in_words
from .selectors import agreement_current, instalments_overdue
from .services import MEDIATION_LIMIT_RULE, SATISFACTION_STATES, RemedyOption, remedy_options, reopen_allowed
from .states import AgreementStatus, InstalmentStatus

S = CaseStatus
PANEL_ORDER = 20  # after the case's actions, before the deadlines and the history


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}"


@dataclass(frozen=True)
class ItemRow:
    category: str
    description: str
    amount: str


@dataclass(frozen=True)
class InstalmentRow:
    sequence: int
    due_on: date
    amount: str
    paid_amount: str
    outstanding: str
    status: str
    status_display: str
    overdue: bool
    paid_on: date | None
    paid_late: bool


@dataclass(frozen=True)
class PaymentRow:
    paid_on: date
    amount: str
    method: str


@dataclass(frozen=True)
class AgreementView:
    number: str
    status: str
    status_display: str
    employer_name: str
    total: str
    total_words: str
    payment_method: str
    other_terms: str
    worker_signed_at: datetime | None
    employer_signed_at: datetime | None
    effective_at: datetime | None
    items: list[ItemRow]
    instalments: list[InstalmentRow]
    payments: list[PaymentRow]
    paid: str
    outstanding: str
    fully_paid: bool
    pdf_url: str


@dataclass(frozen=True)
class MediationView:
    agreement: AgreementView | None = None
    can_sign: bool = False
    overdue_amount: str = ""
    remedies: list[RemedyOption] = field(default_factory=list)
    remedy_chosen: str = ""
    failed: bool = False
    limit_passed: bool = False
    may_refer_to_arbitration: bool = False
    commission_name: str = ""
    satisfaction_open: bool = False
    satisfaction_score: int | None = None
    reopen_open: bool = False
    reopen_pending_since: datetime | None = None

    @property
    def any_remedy_available(self) -> bool:
        return any(option.available for option in self.remedies)

    @property
    def is_empty(self) -> bool:
        return not (
            self.agreement
            or self.failed
            or self.limit_passed
            or self.satisfaction_open
            or self.satisfaction_score
            or self.reopen_open
            or self.reopen_pending_since
        )


def _agreement_view(agreement: Agreement, today: date) -> AgreementView:
    instalments = []
    for row in agreement.instalments.all():
        overdue = row.is_overdue(today)
        instalments.append(
            InstalmentRow(
                sequence=row.sequence,
                due_on=row.due_on,
                amount=_yuan(row.amount),
                paid_amount=_yuan(row.paid_amount),
                outstanding=_yuan(row.outstanding),
                status="overdue" if overdue else row.status,
                status_display=_("逾期未付清") if overdue else str(InstalmentStatus(row.status).label),
                overdue=overdue,
                paid_on=row.paid_on,
                paid_late=row.paid_late,
            )
        )
    payments = [
        PaymentRow(paid_on=p.paid_on, amount=_yuan(p.amount), method=str(p.get_method_display()))
        for p in agreement.payments.order_by("paid_on", "id")
    ]
    paid = sum((p.amount for p in agreement.payments.all()), Decimal("0"))
    return AgreementView(
        number=agreement.number,
        status=agreement.status,
        status_display=str(agreement.get_status_display()),
        employer_name=agreement.employer_name,
        total=_yuan(agreement.total),
        total_words=amount_in_words(agreement.total),
        payment_method=str(agreement.get_payment_method_display()),
        other_terms=agreement.other_terms,
        worker_signed_at=agreement.worker_signed_at,
        employer_signed_at=agreement.employer_signed_at,
        effective_at=agreement.effective_at,
        items=[
            ItemRow(str(i.get_category_display()), i.description, _yuan(i.amount))
            for i in agreement.items.all()
        ],
        instalments=instalments,
        payments=payments,
        paid=_yuan(paid),
        outstanding=_yuan(agreement.total - paid),
        fully_paid=paid >= agreement.total,
        pdf_url=reverse("mediation:track-agreement-pdf"),
    )


def agreement_for_worker(*, case: Case) -> Agreement | None:
    """The agreement the worker may read: awaiting their signature or effective (never a draft)."""
    agreement = agreement_current(case=case)
    if agreement is None or agreement.status == AgreementStatus.DRAFT:
        return None
    return agreement


def _limit_passed(case: Case, today: date) -> bool:
    if case.status not in (S.ACCEPTED, S.IN_MEDIATION):
        return False
    return case.deadlines.filter(
        rule__code=MEDIATION_LIMIT_RULE, is_active=True, met_at__isnull=True, due_on__lt=today
    ).exists()


def worker_mediation_view(*, case: Case, today: date | None = None) -> MediationView:
    """Mediation as the worker may see it and what they may do about it now."""
    today = today or timezone.localdate()
    agreement = agreement_for_worker(case=case)
    view = _agreement_view(agreement, today) if agreement else None
    remedies = (
        remedy_options(case=case, agreement=agreement, today=today)
        if agreement and agreement.is_effective
        else []
    )
    overdue = instalments_overdue(agreement=agreement, today=today) if agreement else []
    failed = case.status == S.MEDIATION_FAILED
    limit_passed = _limit_passed(case, today)
    actions = worker_actions(case) if (failed or limit_passed) else None
    survey = SatisfactionSurvey.objects.filter(case=case).only("score").first()
    pending = (
        ReopenRequest.objects.filter(case=case, handled_at__isnull=True)
        .values_list("created_at", flat=True)
        .first()
    )
    return MediationView(
        agreement=view,
        can_sign=bool(
            agreement
            and agreement.status == AgreementStatus.AWAITING_SIGNATURES
            and agreement.worker_signed_at is None
            and case.status == S.IN_MEDIATION
        ),
        overdue_amount=_yuan(sum((i.outstanding for i in overdue), Decimal("0"))) if overdue else "",
        remedies=remedies,
        remedy_chosen=str(agreement.get_remedy_display()) if agreement and agreement.remedy else "",
        failed=failed,
        limit_passed=limit_passed,
        may_refer_to_arbitration=bool(actions and actions.refer_to_arbitration),
        commission_name=actions.commission_name if actions else "",
        satisfaction_open=case.status in SATISFACTION_STATES
        and case.station_id is not None
        and survey is None,
        satisfaction_score=survey.score if survey else None,
        reopen_open=reopen_allowed(case=case, today=today),
        reopen_pending_since=pending,
    )


def worker_panel(*, case: Case) -> WorkerPanel | None:
    """The panel factory registered with :func:`disputes.extensions.register_worker_panel`."""
    view = worker_mediation_view(case=case)
    if view.is_empty:
        return None
    return WorkerPanel(template="mediation/track_panel.html", context={"m": view}, order=PANEL_ORDER)
