"""Who may run which transition on which case: pure predicates, no queries beyond the user's cached scope.

An actor is a staff ``User``, or one of two sentinels: :data:`WORKER` (the person who filed, proven by the
tracking code and PIN) and :data:`SYSTEM` (automatic triage, the deadline scan). Each transition's
``permission=`` is one of the predicates below; ``django_fsm.has_transition_perm`` calls it.
"""

from dataclasses import dataclass

from organizations.selectors import scope_for
from organizations.states import Role


@dataclass(frozen=True)
class _Sentinel:
    kind: str
    is_authenticated: bool = False
    is_active: bool = False
    is_superuser: bool = False
    pk: None = None

    def __str__(self) -> str:
        return self.kind


WORKER = _Sentinel("worker")
SYSTEM = _Sentinel("system")


def _staff_of(user, org_id: int | None, *roles: str) -> bool:
    if org_id is None or isinstance(user, _Sentinel):
        return False
    scope = scope_for(user)
    return scope.is_superuser or org_id in scope.orgs_with_role(*roles)


def can_see_case(case, user) -> bool:
    """Staff of the case's station, of the organization it was handed to, or that recorded it; officials of its
    region. Mirrors :func:`disputes.selectors.case_list_visible_to` for one object."""
    if isinstance(user, _Sentinel):
        return False
    scope = scope_for(user)
    if scope.is_superuser:
        return True
    orgs = scope.org_ids
    return (
        case.station_id in orgs
        or case.handling_org_id in orgs
        or case.intake_org_id in orgs
        or case.region_id in scope.region_ids
        or _in_urgent_consultation(case, user)
    )


def _in_urgent_consultation(case, user) -> bool:
    """A participant of one of the case's special urgent consultations (disputes.urgent) sees the case, though
    not its personal data whole unless they also work it (:func:`can_see_personal_data`)."""
    from .models.urgent import UrgentConsultationMember  # models import this module

    if getattr(user, "pk", None) is None:
        return False
    return UrgentConsultationMember.objects.filter(consultation__case_id=case.pk, user_id=user.pk).exists()


def can_see_personal_data(case, user) -> bool:
    """Only the staff who work the case see ID numbers and phones whole; officials see aggregates only."""
    if isinstance(user, _Sentinel):
        return False
    return (
        _staff_of(user, case.station_id, Role.MEDIATOR, Role.STATION_ADMIN, Role.INTAKE_CLERK)
        or _staff_of(user, case.handling_org_id, Role.ARBITRATOR, Role.COURT_CLERK, Role.LEGAL_AID)
        or _staff_of(user, case.intake_org_id, Role.INTAKE_CLERK)
    )


def can_triage(case, user) -> bool:
    return (
        user is SYSTEM
        or _staff_of(user, case.intake_org_id, Role.INTAKE_CLERK, Role.STATION_ADMIN)
        or _staff_of(user, case.station_id, Role.INTAKE_CLERK, Role.STATION_ADMIN)
    )


def can_manage_station_case(case, user) -> bool:
    """Accept, dispatch, transfer or return a case: the station's administrators."""
    return _staff_of(user, case.station_id, Role.STATION_ADMIN)


def can_transfer(case, user) -> bool:
    """Transfer to another station: the station's administrators, or the system when a correction of the case's
    industry, region or categories makes the routing rules choose another station (disputes.triage)."""
    return user is SYSTEM or can_manage_station_case(case, user)


def can_move_to_government_station(case, user) -> bool:
    """The neutrality move is the worker's own choice: nobody may make it for them."""
    return user is WORKER


def can_correct_routing(case, user) -> bool:
    """Correct the case's industry, region or categories: the staff working the case at its station, or the
    clerks of the organization that recorded it."""
    return _staff_of(
        user, case.station_id, Role.STATION_ADMIN, Role.MEDIATOR, Role.INTAKE_CLERK
    ) or _staff_of(user, case.intake_org_id, Role.INTAKE_CLERK, Role.STATION_ADMIN)


def can_correct_respondent(case, user) -> bool:
    """Correct who the worker named as respondent (employer, platform, agency): the staff working the case at
    its station."""
    return _staff_of(user, case.station_id, Role.STATION_ADMIN, Role.MEDIATOR, Role.INTAKE_CLERK)


def can_assign_mediator(case, user) -> bool:
    """Assign (or re-assign) the case's mediator: the station's administrators, or the system (auto-assign)."""
    return user is SYSTEM or can_manage_station_case(case, user)


def can_accept(case, user) -> bool:
    return _staff_of(user, case.station_id, Role.STATION_ADMIN, Role.MEDIATOR)


def can_mediate(case, user) -> bool:
    return _staff_of(user, case.station_id, Role.MEDIATOR, Role.STATION_ADMIN)


def can_follow_up_agreement(case, user) -> bool:
    """Record payment of an agreement: the station, or the court enforcing or confirming it."""
    return can_mediate(case, user) or _staff_of(user, case.handling_org_id, Role.COURT_CLERK)


def can_review_confirmation(case, user) -> bool:
    """The commission (arbitration review) or court (judicial confirmation) the agreement was sent to."""
    return _staff_of(user, case.handling_org_id, Role.ARBITRATOR, Role.COURT_CLERK)


def can_enforce(case, user) -> bool:
    return _staff_of(user, case.handling_org_id, Role.COURT_CLERK)


def can_arbitrate(case, user) -> bool:
    return _staff_of(user, case.handling_org_id, Role.ARBITRATOR)


def can_refer_to_arbitration(case, user) -> bool:
    """The worker themself, or the station's staff recording the worker's request or consent."""
    return user is WORKER or can_mediate(case, user) or _staff_of(user, case.intake_org_id, Role.INTAKE_CLERK)


def can_withdraw(case, user) -> bool:
    """The worker, or the staff now holding the case recording the worker's withdrawal."""
    return (
        user is WORKER
        or can_mediate(case, user)
        or _staff_of(user, case.handling_org_id, Role.ARBITRATOR, Role.COURT_CLERK)
    )


def can_close(case, user) -> bool:
    return can_mediate(case, user) or _staff_of(user, case.handling_org_id, Role.COURT_CLERK, Role.ARBITRATOR)


def can_extend_deadline(case, user) -> bool:
    """Record a deadline's lawful extension: the arbitrators of the commission while it hears the case, else the
    station's mediators and administrators."""
    if case.status == "arbitration_accepted":
        return can_arbitrate(case, user)
    return can_mediate(case, user)
