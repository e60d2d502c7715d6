"""The worker's sections of ``/track/`` for legal aid, re-employment, counselling and the check-ins after closure
(worker panels registered with :mod:`disputes.extensions` in :meth:`referrals.apps.ReferralsConfig.ready`).

What the worker sees of these services is built here and nowhere else: where their request stands in plain words,
the lawyer the centre assigned (name, firm, phone: the worker needs to call them), the jobs recommended, and what
they may ask for now. Never a staff member's name or note, never the worker's own numbers.
"""

from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from disputes.extensions import WorkerPanel
from disputes.models import Case
from disputes.states import OPEN_STATES
from organizations.states import OrgType

from .aftercare import checkin_pending, nearest_organization, open_handoff, reemployment_allowed
from .legal_aid import legal_aid_centre_for, no_means_test_claims
from .models import CounsellingRequest, JobPlacement, JobSeekingRequest, LegalAidRequest
from .states import HandoffKind, HandoffStatus, HelpWanted, WorkSituation

CHECKIN_ORDER = 15  # a question waiting for the worker: near the top
LEGAL_AID_ORDER = 30
REEMPLOYMENT_ORDER = 40
COUNSELLING_ORDER = 90


@dataclass(frozen=True)
class RequestState:
    """Where a request to another organization stands, as the worker reads it."""

    code: str  # waiting, granted, declined, done
    text: str
    reason: str = ""  # a decline's reason (the law wants it given to the applicant)
    outcome: str = ""


def _state(handoff, *, org: str, waiting: str, granted: str, declined: str, done: str) -> RequestState:
    if handoff.completed_at is not None:
        return RequestState("done", done % {"org": org}, outcome=handoff.outcome)
    if handoff.status == HandoffStatus.DECLINED:
        return RequestState("declined", declined % {"org": org}, reason=handoff.reason)
    if handoff.status == HandoffStatus.ACCEPTED:
        return RequestState("granted", granted % {"org": org})
    return RequestState("waiting", waiting % {"org": org})


# --- Legal aid ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LawyerView:
    name: str
    law_firm: str
    phone: str


@dataclass(frozen=True)
class LegalAidView:
    state: RequestState
    org_name: str
    requested_at: object
    decision_due_on: date
    urgent: bool
    means_test_exempt: bool
    lawyer: LawyerView | None
    result: str


def legal_aid_panel(*, case: Case) -> WorkerPanel | None:
    latest = (
        LegalAidRequest.objects.filter(case=case)
        .select_related("handoff__to_org")
        .order_by("-created_at", "-id")
        .first()
    )
    is_open = case.status in OPEN_STATES
    if latest is None and not is_open:
        return None
    view = None
    if latest is not None:
        handoff = latest.handoff
        lawyer = latest.lawyer
        view = LegalAidView(
            state=_state(
                handoff,
                org=handoff.to_org.name,
                waiting=_("已转交%(org)s，等待决定是否给予法律援助。"),
                granted=_("%(org)s已决定给予法律援助。"),
                declined=_("%(org)s决定不予法律援助。"),
                done=_("%(org)s的法律援助已经办结。"),
            ),
            org_name=handoff.to_org.name,
            requested_at=latest.created_at,
            decision_due_on=latest.decision_due_on,
            urgent=latest.urgent,
            means_test_exempt=latest.means_test_exempt,
            lawyer=LawyerView(lawyer.lawyer_name, lawyer.law_firm, lawyer.lawyer_phone) if lawyer else None,
            result=str(latest.get_result_display()) if latest.result else "",
        )
    running = open_handoff(case=case, kind=HandoffKind.LEGAL_AID) is not None
    centre = legal_aid_centre_for(case=case) if is_open and not running else None
    if view is None and centre is None:
        return None  # no request and nobody to ask here: the page stays short (12348 is in the footer)
    return WorkerPanel(
        template="referrals/panels/legal_aid.html",
        context={
            "request": view,
            "may_request": is_open and not running and centre is not None,
            "no_centre": is_open and not running and centre is None,
            "centre_name": centre.name if centre else "",
            "no_means_test": no_means_test_claims(case=case),
            "url": reverse("referrals:track-legal-aid"),
        },
        order=LEGAL_AID_ORDER,
    )


# --- Re-employment -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfferView:
    employer_name: str
    position: str
    wage: str
    contact: str
    posted_on: date
    note: str


@dataclass(frozen=True)
class PlacementView:
    employer_name: str
    position: str
    placed_on: date


@dataclass(frozen=True)
class JobSeekingView:
    state: RequestState
    desired_job: str
    desired_area: str
    offers: list[OfferView] = field(default_factory=list)
    placement: PlacementView | None = None


def reemployment_panel(*, case: Case) -> WorkerPanel | None:
    latest = (
        JobSeekingRequest.objects.filter(case=case)
        .select_related("handoff__to_org")
        .order_by("-created_at", "-id")
        .first()
    )
    allowed = reemployment_allowed(case=case)
    if latest is None and not allowed:
        return None
    view = None
    if latest is not None:
        handoff = latest.handoff
        placement = JobPlacement.objects.filter(request=latest).first()
        view = JobSeekingView(
            state=_state(
                handoff,
                org=handoff.to_org.name,
                waiting=_("求职登记已转交%(org)s，工作人员会联系您。"),
                granted=_("%(org)s正在为您推荐岗位。"),
                declined=_("%(org)s暂时无法为您提供服务。"),
                done=_("%(org)s的再就业服务已经办结。"),
            ),
            desired_job=latest.desired_job,
            desired_area=latest.desired_area,
            offers=[
                OfferView(o.employer_name, o.position, o.wage, o.contact, o.posted_on, o.note)
                for o in latest.offers.order_by("-posted_on", "-id")
            ],
            placement=(
                PlacementView(placement.employer_name, placement.position, placement.placed_on)
                if placement is not None
                else None
            ),
        )
    running = open_handoff(case=case, kind=HandoffKind.REEMPLOYMENT) is not None
    centre = (
        nearest_organization(case=case, org_type=OrgType.EMPLOYMENT_SERVICE)
        if allowed and not running
        else None
    )
    if view is None and centre is None:
        return None
    return WorkerPanel(
        template="referrals/panels/reemployment.html",
        context={
            "request": view,
            "may_request": allowed and not running and centre is not None,
            "no_centre": allowed and not running and centre is None,
            "centre_name": centre.name if centre else "",
            "url": reverse("referrals:track-reemployment"),
        },
        order=REEMPLOYMENT_ORDER,
    )


# --- Counselling ---------------------------------------------------------------------------------------------------
def counselling_panel(*, case: Case) -> WorkerPanel | None:
    latest = (
        CounsellingRequest.objects.filter(case=case)
        .select_related("handoff__to_org")
        .order_by("-created_at", "-id")
        .first()
    )
    state = None
    if latest is not None:
        handoff = latest.handoff
        state = _state(
            handoff,
            org=handoff.to_org.name,
            waiting=_("已转介%(org)s，对方会按您选择的方式联系您。"),
            granted=_("%(org)s已接收转介，会与您联系。"),
            declined=_("%(org)s暂时无法提供服务。"),
            done=_("%(org)s的心理疏导服务已经结束。"),
        )
    running = open_handoff(case=case, kind=HandoffKind.COUNSELLING) is not None
    service = None if running else nearest_organization(case=case, org_type=OrgType.COUNSELLING)
    if state is None and service is None:
        return None  # nothing to show and nobody to refer to: the page stays short
    return WorkerPanel(
        template="referrals/panels/counselling.html",
        context={
            "state": state,
            "may_request": not running and service is not None,
            "service_name": service.name if service else "",
            "url": reverse("referrals:track-counselling"),
        },
        order=COUNSELLING_ORDER,
    )


# --- Check-ins -----------------------------------------------------------------------------------------------------
def checkin_panel(*, case: Case) -> WorkerPanel | None:
    pending = checkin_pending(case=case)
    if pending is None:
        return None
    return WorkerPanel(
        template="referrals/panels/checkin.html",
        context={
            "days": pending.days,
            "situations": WorkSituation.choices,
            "helps": HelpWanted.choices,
            "url": reverse("referrals:track-checkin"),
        },
        order=CHECKIN_ORDER,
    )


PANELS = [checkin_panel, legal_aid_panel, reemployment_panel, counselling_panel]
