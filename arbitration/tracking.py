"""The worker's arbitration and enforcement section of ``/track/`` (a panel registered with
:mod:`disputes.extensions`): the documents issued for the case (to download), the hearings, the award and when
it binds, the enforcement application and how it goes.

What the worker sees here is built here and nowhere else. It never holds a staff member's name, a note written for
staff, or a phone or ID number unmasked (the documents themselves mask the ID number).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.urls import reverse
from django.utils import timezone

from disputes.extensions import WorkerPanel
from disputes.models import Case
from disputes.states import CaseStatus

from .models import Award, Hearing
from .selectors import documents_of, enforcement_latest
from .services import EnforcementOption, enforcement_option

S = CaseStatus
PANEL_ORDER = 30  # after mediation's section


@dataclass(frozen=True)
class DocumentRow:
    title: str
    kind: str
    number: str
    issuer: str
    issued_at: datetime
    verification_code: str
    url: str


@dataclass(frozen=True)
class HearingRow:
    kind: str
    at: datetime
    place: str


@dataclass(frozen=True)
class AwardView:
    amount: str
    is_final: bool
    awarded_on: date
    effective_on: date
    in_effect: bool


@dataclass(frozen=True)
class EnforcementView:
    court: str
    number: str
    applied_at: datetime
    amount_sought: str
    recovered: str
    ended_at: datetime | None
    end: str


@dataclass(frozen=True)
class ArbitrationView:
    documents: list[DocumentRow] = field(default_factory=list)
    hearings: list[HearingRow] = field(default_factory=list)
    award: AwardView | None = None
    enforcement: EnforcementView | None = None
    option: EnforcementOption | None = None
    amount_due: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.documents or self.hearings or self.award or self.enforcement or self.offers_enforcement
        )

    @property
    def offers_enforcement(self) -> bool:
        return bool(self.option and self.option.available)


def _yuan(value) -> str:
    return f"{value:,.2f}"


def worker_arbitration_view(*, case: Case, today: date | None = None) -> ArbitrationView:
    """The case's arbitration, confirmation and enforcement as the worker may see them, and whether they may apply
    for enforcement now."""
    today = today or timezone.localdate()
    documents = [
        DocumentRow(
            title=doc.title,
            kind=str(doc.get_kind_display()),
            number=doc.number,
            issuer=doc.issuer.name,
            issued_at=doc.issued_at,
            verification_code=doc.verification_code,
            url=reverse("arbitration:track-document", args=[doc.pk]),
        )
        for doc in documents_of(case=case)
    ]
    hearings = [
        HearingRow(kind=str(h.get_kind_display()), at=h.at, place=h.place)
        for h in Hearing.objects.filter(case=case, cancelled_at__isnull=True, at__gte=timezone.now())
    ]
    award_row = Award.objects.filter(case=case).first()
    award = (
        AwardView(
            amount=_yuan(award_row.amount_awarded),
            is_final=award_row.is_final,
            awarded_on=award_row.awarded_on,
            effective_on=award_row.effective_on,
            in_effect=award_row.effective_on <= today,
        )
        if award_row
        else None
    )
    enforcement = None
    row = enforcement_latest(case=case)
    if row is not None:
        recovered = sum((r.amount for r in row.recoveries.all()), start=type(row.amount_sought)("0"))
        enforcement = EnforcementView(
            court=row.court.name,
            number=row.number,
            applied_at=row.applied_at,
            amount_sought=_yuan(row.amount_sought),
            recovered=_yuan(recovered),
            ended_at=row.ended_at,
            end=str(row.get_end_display()) if row.end else "",
        )
    option = (
        enforcement_option(case=case, today=today)
        if case.status in (S.CONFIRMED, S.ARBITRATION_ACCEPTED)
        else None
    )
    return ArbitrationView(
        documents=documents,
        hearings=hearings,
        award=award,
        enforcement=enforcement,
        option=option,
        amount_due=_yuan(option.amount) if option and option.available else "",
    )


def worker_panel(*, case: Case) -> WorkerPanel | None:
    """The panel factory registered with :func:`disputes.extensions.register_worker_panel`."""
    view = worker_arbitration_view(case=case)
    if view.is_empty:
        return None
    return WorkerPanel(template="arbitration/track_panel.html", context={"a": view}, order=PANEL_ORDER)
