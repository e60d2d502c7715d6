"""Services beside and after the dispute: re-employment (the worker's job-seeking form to the employment service
centre, offers and a placement posted back), counselling referrals, and the check-ins 30 and 90 days after closure.

Guarantees, and where they are enforced:

- **One request, one handoff.** Each request is a recorded history event, a :class:`~referrals.models.Handoff`
  (through :func:`referrals.handoffs.handoff_create`, published after commit) and its own row, all in one
  transaction under the case's row lock; the receiver answers through the handoff's answers.
- **No duplicates while one is open.** A second request of the same kind while a handoff of that kind is neither
  declined nor completed is a :class:`~disputes.exceptions.TransitionConflict` (409); the check runs under the
  case's row lock, so two concurrent requests cannot both pass it.
- **The receiver is the nearest one.** The organization of the service's type in the case's region, else in the
  nearest region above it; none is a :class:`~django.core.exceptions.ValidationError` that says whom to call.
- **Only what the receiver needs.** The employment and counselling services get the worker's name and phone and the
  request, never the ID number or the dispute's facts and evidence (PIPL Art. 6); the worker consents to the
  handoff first (PIPL Art. 23).
- **A check-in once per case and offset, ever.** :func:`checkin_record_once` checks under the case's row lock and a
  unique constraint backs it, however often and concurrently the daily scan runs.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.exceptions import TransitionConflict
from disputes.extensions import RecordedEvent
from disputes.models import Case
from disputes.permissions import SYSTEM, WORKER, can_see_personal_data
from disputes.selectors import case_list_visible_to
from disputes.services import case_event_record
from disputes.states import ActorKind, CaseStatus
from organizations.models import Organization
from organizations.states import OrgType

from .handoffs import (
    PACKET_SCHEMA,
    handoff_answer,
    handoff_create,
    handoff_is_receiver,
    handoff_list_visible_to,
)
from .models import (
    AftercareCheckIn,
    CheckInAnswer,
    CounsellingRequest,
    Handoff,
    JobOffer,
    JobPlacement,
    JobSeekingRequest,
)
from .states import (
    Availability,
    CounsellingContact,
    HandoffKind,
    HandoffStatus,
    HelpWanted,
    WorkSituation,
)

S = CaseStatus

REEMPLOYMENT_REQUESTED = "reemployment_requested"
REEMPLOYMENT_OFFER_POSTED = "reemployment_offer_posted"
COUNSELLING_REQUESTED = "counselling_requested"
CHECKIN = "aftercare_checkin"
CHECKIN_ANSWERED = "aftercare_checkin_answered"

# The dispute is over for the worker: the case is closed, its agreement fulfilled, or the worker withdrew it.
REEMPLOYMENT_STATES = (S.CLOSED, S.FULFILLED, S.WITHDRAWN)
# Check-ins follow a closure (closed_at is set); a rejected case was never worked, so nobody checks in.
CHECKIN_STATES = (S.CLOSED, S.WITHDRAWN)
NOTE_MAX = 500


# --- Shared by every request (legal aid too) ------------------------------------------------------------------
def nearest_organization(*, case: Case, org_type: str) -> Organization | None:
    """The active organization of ``org_type`` in the case's region (where the contract is performed, else the
    station's), or in the nearest region above it; the first by code when a region has several."""
    region = case.region or (case.station.region if case.station_id else None)
    seen: set[int] = set()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        found = (
            Organization.objects.filter(type=org_type, is_active=True, region_id=region.pk)
            .order_by("code")
            .first()
        )
        if found is not None:
            return found
        region = region.parent
    return None


def lock_case(case_id: int) -> Case:
    """The case, locked for the caller's transaction (requests of one case wait for each other)."""
    return Case.objects.select_for_update(of=("self",)).select_related("station", "region").get(pk=case_id)


def check_requester(*, case: Case, actor) -> None:
    """The worker (proven by code and PIN), or staff who work the case, may ask for a service on the worker's
    behalf; anyone else is refused (403)."""
    if actor is WORKER or (actor is not SYSTEM and actor is not None and can_see_personal_data(case, actor)):
        return
    raise PermissionDenied(_("只有劳动者本人或办理本案的工作人员可以提出申请。"))


def requested_by(actor) -> str:
    """Who asked, as the request records it: the worker, or staff on the worker's behalf."""
    return ActorKind.WORKER if actor is WORKER else ActorKind.STAFF


def open_handoff(*, case: Case, kind: str) -> Handoff | None:
    """The handoff of ``kind`` for the case that is still running: neither declined nor completed."""
    return (
        Handoff.objects.filter(case=case, kind=kind, completed_at__isnull=True)
        .exclude(status=HandoffStatus.DECLINED)
        .order_by("-created_at", "-id")
        .first()
    )


def refuse_duplicate(*, case: Case, kind: str, name: str, message: str) -> None:
    """A 409 while a handoff of ``kind`` is running for the case; called under the case's row lock."""
    if open_handoff(case=case, kind=kind) is not None:
        raise TransitionConflict(
            name=name, current_state=case.status, current_label=str(case.get_status_display()), reason=message
        )


def handoff_conflict(*, handoff: Handoff, name: str, message: str) -> TransitionConflict:
    return TransitionConflict(
        name=name,
        current_state=handoff.status,
        current_label=str(handoff.get_status_display()),
        reason=message,
    )


def receiver_required(*, case: Case, org_type: str, missing: str) -> Organization:
    """The nearest organization of ``org_type`` (:func:`nearest_organization`); none is a 400 saying ``missing``."""
    organization = nearest_organization(case=case, org_type=org_type)
    if organization is None:
        raise ValidationError(missing, code="no_receiver")
    return organization


def minimal_packet(*, case: Case, kind: str) -> dict:
    """The packet for a service that helps the worker personally: who they are and how to reach them, no ID number,
    no employer, no facts or evidence of the dispute."""
    return {
        "schema": PACKET_SCHEMA,
        "kind": kind,
        "case": {
            "tracking_code": case.tracking_code,
            "status": case.status,
            "region": case.region.code if case.region_id else None,
            "industry": case.industry,
            "language": case.language,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
        },
        "worker": {"name": case.worker_name, "phone": case.worker_phone},
    }


def clean_text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError({field: _("%(label)s最多 %(n)d 个字。") % {"label": label, "n": max_length}})
    return value


def clean_choice(value: str, *, field: str, choices) -> str:
    if value not in choices.values:
        raise ValidationError({field: _("请从列表中选择。")})
    return value


def require_consent(consent: bool, *, field: str = "consent") -> None:
    if consent is not True:
        raise ValidationError({field: _("请先勾选同意，我们才能把您的信息转交给服务机构。")})


# --- Re-employment -------------------------------------------------------------------------------------------
def reemployment_allowed(*, case: Case) -> bool:
    return case.status in REEMPLOYMENT_STATES


@transaction.atomic
def reemployment_request(
    *,
    case_id: int,
    actor,
    desired_job: str,
    desired_area: str,
    availability: str,
    contact_consent: bool,
    skills: str = "",
) -> JobSeekingRequest:
    """The worker's job-seeking form, handed to the employment service centre of the case's region.

    Only once the dispute is over for the worker (closed, fulfilled or withdrawn), else 409; one running request
    at a time (409); no centre in the region or above is a 400 that says whom to call; no consent is a 400.
    """
    case = lock_case(case_id)
    check_requester(case=case, actor=actor)
    if not reemployment_allowed(case=case):
        raise TransitionConflict(
            name=REEMPLOYMENT_REQUESTED,
            current_state=case.status,
            current_label=str(case.get_status_display()),
            reason=_("案件办结（或协议履行完毕、撤回申请）后才能登记求职。"),
        )
    refuse_duplicate(
        case=case,
        kind=HandoffKind.REEMPLOYMENT,
        name=REEMPLOYMENT_REQUESTED,
        message=_("您已经登记过求职，就业服务中心正在办理，请留意推荐的岗位。"),
    )
    desired_job = clean_text(desired_job, field="desired_job", label=_("想找的工作"), max_length=100)
    desired_area = clean_text(desired_area, field="desired_area", label=_("希望的工作地点"), max_length=100)
    skills = clean_text(skills, field="skills", label=_("技能和经验"), max_length=NOTE_MAX, required=False)
    availability = clean_choice(availability, field="availability", choices=Availability)
    require_consent(contact_consent, field="contact_consent")
    centre = receiver_required(
        case=case,
        org_type=OrgType.EMPLOYMENT_SERVICE,
        missing=_("本地区还没有登记就业服务中心，请拨打 12333 人社服务热线咨询求职服务。"),
    )
    event = case_event_record(
        case_id=case.pk,
        name=REEMPLOYMENT_REQUESTED,
        actor=actor,
        payload={"kind": HandoffKind.REEMPLOYMENT, "to": centre.code},
    )
    details = {
        "type": HandoffKind.REEMPLOYMENT,
        "desired_job": desired_job,
        "desired_area": desired_area,
        "skills": skills,
        "availability": availability,
        "contact_consent": True,
        "requested_by": requested_by(actor),
    }
    handoff = handoff_create(
        case=case,
        kind=HandoffKind.REEMPLOYMENT,
        to_org=centre,
        actor=actor,
        event=event,
        details=details,
        packet=minimal_packet(case=case, kind=HandoffKind.REEMPLOYMENT),
    )
    return JobSeekingRequest.objects.create(
        handoff=handoff,
        case=case,
        desired_job=desired_job,
        desired_area=desired_area,
        skills=skills,
        availability=availability,
        contact_consent=True,
        created_at=event.created_at,
    )


def job_seeking_list_visible_to(*, user):
    """Job-seeking requests whose handoff the user may see (the centre that received it, the station that sent
    it); all for a superuser."""
    return JobSeekingRequest.objects.filter(
        handoff__in=handoff_list_visible_to(user=user).values("pk")
    ).select_related("case", "handoff__to_org", "handoff__from_org")


def _locked_job_seeking(*, request_id: int, actor) -> JobSeekingRequest:
    """The request (404 if not visible), its handoff locked; only the receiving centre may go on (403)."""
    request = job_seeking_list_visible_to(user=actor).get(pk=request_id)
    handoff = Handoff.objects.select_for_update().select_related("to_org").get(pk=request.handoff_id)
    request.handoff = handoff
    if not handoff_is_receiver(handoff=handoff, user=actor):
        raise PermissionDenied(_("只有接收求职登记的就业服务中心可以推荐岗位或登记就业。"))
    return request


def _require_working(handoff: Handoff, *, name: str) -> None:
    if handoff.status != HandoffStatus.ACCEPTED:
        raise handoff_conflict(
            handoff=handoff, name=name, message=_("请先在移交收件箱“接收办理”这条求职登记。")
        )
    if handoff.completed_at is not None:
        raise handoff_conflict(handoff=handoff, name=name, message=_("这条求职登记已经办结。"))


@transaction.atomic
def job_offer_post(
    *,
    request_id: int,
    actor,
    employer_name: str,
    position: str,
    wage: str,
    contact: str,
    posted_on: date | None = None,
    note: str = "",
    callback_key: str = "",
) -> tuple[JobOffer, bool]:
    """The centre recommends a job to the worker; the worker is told (history event, notification fan-out) and
    reads it on ``/track/``. Returns the offer and whether it was created now: a ``callback_key`` seen before for
    this request returns the first offer with no second effect. Only while the centre works the request (409)."""
    request = _locked_job_seeking(request_id=request_id, actor=actor)
    key = (callback_key or "").strip()[:120]
    if key:
        existing = JobOffer.objects.filter(request=request, callback_key=key).first()
        if existing is not None:
            return existing, False
    _require_working(request.handoff, name=REEMPLOYMENT_OFFER_POSTED)
    offer = JobOffer.objects.create(
        request=request,
        employer_name=clean_text(employer_name, field="employer_name", label=_("用人单位"), max_length=200),
        position=clean_text(position, field="position", label=_("岗位"), max_length=100),
        wage=clean_text(wage, field="wage", label=_("工资待遇"), max_length=64),
        contact=clean_text(contact, field="contact", label=_("联系方式"), max_length=100),
        posted_on=posted_on or timezone.localdate(),
        note=clean_text(note, field="note", label=_("说明"), max_length=2000, required=False),
        callback_key=key,
        posted_by=actor if getattr(actor, "pk", None) else None,
    )
    case_event_record(
        case_id=request.case_id,
        name=REEMPLOYMENT_OFFER_POSTED,
        actor=actor,
        payload={
            "kind": HandoffKind.REEMPLOYMENT,
            "to": request.handoff.to_org.code,
            "handoff": request.handoff_id,
            "offer": offer.pk,
            "employer": offer.employer_name,
            "position": offer.position,
        },
    )
    return offer, True


@transaction.atomic
def job_placement_record(
    *,
    request_id: int,
    actor,
    employer_name: str,
    position: str,
    placed_on: date,
    offer_id: int | None = None,
    note: str = "",
) -> JobPlacement:
    """The worker has been placed in a job: the placement, and the handoff completed with it as the outcome (the
    worker is told through the handoff's ``handoff_completed`` event). One per request: a second is a 409."""
    request = _locked_job_seeking(request_id=request_id, actor=actor)
    if JobPlacement.objects.filter(request=request).exists():
        raise handoff_conflict(
            handoff=request.handoff, name="handoff_completed", message=_("这条求职登记已经登记过就业安置。")
        )
    _require_working(request.handoff, name="handoff_completed")
    offer = None
    if offer_id is not None:
        offer = JobOffer.objects.filter(request=request, pk=offer_id).first()
        if offer is None:
            raise ValidationError({"offer": _("这个推荐岗位不属于这条求职登记。")})
    if placed_on is None:
        raise ValidationError({"placed_on": _("请填写上岗日期。")})
    if placed_on > timezone.localdate() + timedelta(days=366):
        raise ValidationError({"placed_on": _("上岗日期不能晚于一年以后。")})
    placement = JobPlacement.objects.create(
        request=request,
        offer=offer,
        employer_name=clean_text(employer_name, field="employer_name", label=_("就业单位"), max_length=200),
        position=clean_text(position, field="position", label=_("岗位"), max_length=100),
        placed_on=placed_on,
        note=clean_text(note, field="note", label=_("说明"), max_length=2000, required=False),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    handoff_answer(
        handoff_id=request.handoff_id,
        action="complete",
        actor=actor,
        outcome=_("已于 %(day)s 在%(employer)s上岗（%(position)s）。")
        % {"day": placed_on.isoformat(), "employer": placement.employer_name, "position": placement.position},
    )
    return placement


# --- Counselling ---------------------------------------------------------------------------------------------
@transaction.atomic
def counselling_request(
    *, case_id: int, actor, preferred_contact: str, consent: bool, concern: str = ""
) -> CounsellingRequest:
    """A referral to the counselling service of the case's region, asked by the worker or made by staff who work
    the case with the worker's consent. At any stage of the case; one running referral at a time (409)."""
    case = lock_case(case_id)
    check_requester(case=case, actor=actor)
    refuse_duplicate(
        case=case,
        kind=HandoffKind.COUNSELLING,
        name=COUNSELLING_REQUESTED,
        message=_("已经转介过心理疏导服务，服务机构会与您联系。"),
    )
    preferred_contact = clean_choice(preferred_contact, field="preferred_contact", choices=CounsellingContact)
    concern = clean_text(concern, field="concern", label=_("想聊的事"), max_length=NOTE_MAX, required=False)
    require_consent(consent)
    service = receiver_required(
        case=case,
        org_type=OrgType.COUNSELLING,
        missing=_("本地区还没有登记心理咨询服务机构，可以拨打 12356 心理援助热线。"),
    )
    event = case_event_record(
        case_id=case.pk,
        name=COUNSELLING_REQUESTED,
        actor=actor,
        payload={"kind": HandoffKind.COUNSELLING, "to": service.code},
    )
    handoff = handoff_create(
        case=case,
        kind=HandoffKind.COUNSELLING,
        to_org=service,
        actor=actor,
        event=event,
        details={
            "type": HandoffKind.COUNSELLING,
            "concern": concern,
            "preferred_contact": preferred_contact,
            "requested_by": requested_by(actor),
        },
        packet=minimal_packet(case=case, kind=HandoffKind.COUNSELLING),
    )
    return CounsellingRequest.objects.create(
        handoff=handoff,
        case=case,
        requested_by=requested_by(actor),
        concern=concern,
        preferred_contact=preferred_contact,
        created_at=event.created_at,
    )


def counselling_list_visible_to(*, user):
    return CounsellingRequest.objects.filter(
        handoff__in=handoff_list_visible_to(user=user).values("pk")
    ).select_related("case", "handoff__to_org", "handoff__from_org")


# --- Check-ins after closure -----------------------------------------------------------------------------------
@transaction.atomic
def checkin_record_once(*, case_id: int, days: int) -> bool:
    """Record the check-in ``days`` after the case's closure (history event ``aftercare_checkin`` by the system,
    announced after commit) unless the case has it. Returns True when recorded now; False when recorded before, the
    case is gone, or it is not closed (any more)."""
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or case.status not in CHECKIN_STATES or case.closed_at is None:
        return False
    if AftercareCheckIn.objects.filter(case_id=case_id, days=days).exists():
        return False
    try:
        with transaction.atomic():
            event = case_event_record(case_id=case_id, name=CHECKIN, actor=SYSTEM, payload={"days": days})
            AftercareCheckIn.objects.create(
                case_id=case_id, days=days, event=event, created_at=event.created_at
            )
    except IntegrityError:  # recorded meanwhile by a writer that did not take the case lock
        return False
    return True


def checkins_due(*, today: date, days: int) -> list[int]:
    """Ids of the cases that call for the ``days`` check-in today: closed (or withdrawn) ``days`` days ago or up to
    the grace period earlier, without that check-in yet, and not closed as a duplicate merged into another case (its
    worker is asked about the case that was kept)."""
    latest = today - timedelta(days=days)
    earliest = latest - timedelta(days=settings.AFTERCARE_CHECKIN_GRACE_DAYS)
    return list(
        Case.objects.filter(
            status__in=CHECKIN_STATES,
            closed_at__date__gte=earliest,
            closed_at__date__lte=latest,
        )
        .exclude(checkins__days=days)
        .exclude(events__transition="merged_into")
        .order_by("closed_at", "pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def checkins_scan(*, today: date | None = None) -> list[tuple[int, int]]:
    """Record today's check-ins (``settings.AFTERCARE_CHECKIN_DAYS`` after closure), each once; each in its own
    transaction, so one case's failure does not undo the others'. Returns the (case id, days) recorded now."""
    today = today or timezone.localdate()
    recorded = []
    for days in sorted(set(settings.AFTERCARE_CHECKIN_DAYS)):
        for case_id in checkins_due(today=today, days=days):
            if checkin_record_once(case_id=case_id, days=days):
                recorded.append((case_id, days))
    return recorded


def checkin_pending(*, case: Case) -> AftercareCheckIn | None:
    """The latest check-in of the case, if the worker has not answered it."""
    latest = case.checkins.order_by("-created_at", "-id").first()
    if latest is None or CheckInAnswer.objects.filter(check_in=latest).exists():
        return None
    return latest


@transaction.atomic
def checkin_answer(
    *, case_id: int, work_situation: str, help_wanted: list[str] | None = None, note: str = ""
) -> CheckInAnswer:
    """The worker answers the latest check-in (once; the history records it for the staff of the case). No
    check-in waiting for an answer is a 409."""
    case = lock_case(case_id)
    check_in = checkin_pending(case=case)
    if check_in is None:
        raise TransitionConflict(
            name=CHECKIN_ANSWERED,
            current_state=case.status,
            current_label=str(case.get_status_display()),
            reason=_("目前没有需要回复的回访，或您已经回复过了。"),
        )
    work_situation = clean_choice(work_situation, field="work_situation", choices=WorkSituation)
    wanted = list(dict.fromkeys(help_wanted or []))
    if any(item not in HelpWanted.values for item in wanted):
        raise ValidationError({"help_wanted": _("请从列表中选择。")})
    note = clean_text(note, field="note", label=_("想说的话"), max_length=NOTE_MAX, required=False)
    case_event_record(
        case_id=case.pk,
        name=CHECKIN_ANSWERED,
        actor=WORKER,
        note=note,
        payload={"days": check_in.days, "work_situation": work_situation, "help_wanted": wanted},
    )
    return CheckInAnswer.objects.create(
        check_in=check_in, case=case, work_situation=work_situation, help_wanted=wanted, note=note
    )


def checkin_answer_list_visible_to(*, user):
    """Answers of the cases the user may see (disputes' scope), or of cases whose re-employment, counselling or
    legal-aid handoff the user's organization received."""
    visible_cases = case_list_visible_to(user=user).values("pk")
    received = handoff_list_visible_to(user=user).values("case_id")
    return CheckInAnswer.objects.filter(
        Q(case_id__in=visible_cases) | Q(case_id__in=received)
    ).select_related("case", "check_in")


# --- What the worker and staff read in the history ------------------------------------------------------------
@dataclass(frozen=True)
class _Names:
    org: str
    by_worker: bool


def _names(event) -> _Names:
    payload = event.payload or {}
    org = Organization.objects.filter(code=payload.get("to") or "").values_list("name", flat=True).first()
    return _Names(org=org or _("服务机构"), by_worker=event.actor_kind == ActorKind.WORKER)


def _reemployment_requested(event) -> str:
    names = _names(event)
    if names.by_worker:
        return _("您登记了求职意向，已转交%(org)s，工作人员会联系您推荐合适的岗位。") % {"org": names.org}
    return _("工作人员已为您向%(org)s登记求职意向，对方会联系您推荐合适的岗位。") % {"org": names.org}


def _offer_posted(event) -> str:
    payload = event.payload or {}
    return _("%(org)s为您推荐了一个工作岗位：%(employer)s，%(position)s。详情见本页“再就业服务”。") % {
        "org": _names(event).org,
        "employer": str(payload.get("employer") or "")[:200],
        "position": str(payload.get("position") or "")[:100],
    }


def _counselling_requested(event) -> str:
    names = _names(event)
    if names.by_worker:
        return _("您申请了心理疏导服务，已转交%(org)s，对方会按您选择的方式联系您。") % {"org": names.org}
    return _("工作人员已为您转介%(org)s的心理疏导服务，对方会与您联系。") % {"org": names.org}


def _checkin(event) -> str:
    days = (event.payload or {}).get("days", "")
    return _(
        "案件办结已经 %(days)s 天了，想了解一下您的近况：找到工作了吗？还需要帮助吗？"
        "请在本页“近况回访”回复。需要找工作或心理疏导的，也可以在本页申请。"
    ) % {"days": days}


def _checkin_answered(event) -> str:
    return _("您回复了回访，谢谢。需要帮助的，工作人员会与您联系。")


EVENTS = [
    RecordedEvent(REEMPLOYMENT_REQUESTED, gettext_lazy("登记求职，转就业服务中心"), _reemployment_requested),
    RecordedEvent(REEMPLOYMENT_OFFER_POSTED, gettext_lazy("就业服务中心推荐岗位"), _offer_posted),
    RecordedEvent(COUNSELLING_REQUESTED, gettext_lazy("转介心理疏导"), _counselling_requested),
    RecordedEvent(CHECKIN, gettext_lazy("办结回访"), _checkin),
    RecordedEvent(CHECKIN_ANSWERED, gettext_lazy("劳动者回复回访"), _checkin_answered),
]
