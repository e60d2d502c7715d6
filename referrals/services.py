"""Turning case events into notifications, and delivering them exactly once."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import enqueue_on_commit
from disputes.intake.services import intake_pin_for
from disputes.models import CaseEvent
from disputes.services import RECORDED_EVENTS, transition_label
from disputes.states import WORKER_LABELS, CaseStatus
from disputes.urgent import URGENT_EVENTS, consultation_member_ids
from organizations.models import Membership, Region
from organizations.states import Role

from .models import EventDispatch, Notification
from .sms import sms_backend
from .states import NotificationChannel, NotificationStatus

logger = logging.getLogger(__name__)

DELIVER_TASK = "referrals.deliver_notification"
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)
SWEEP_WINDOW = timedelta(days=7)

# The roles told in-app when a case arrives at (or changes in) their organization.
_STATION_ROLES = (Role.STATION_ADMIN, Role.MEDIATOR)
_HANDLER_ROLES = (Role.ARBITRATOR, Role.COURT_CLERK, Role.LEGAL_AID)
# Events that put a case in front of an organization that did not have it before.
_ARRIVALS_AT_STATION = {
    "submit",
    "triage",
    "dispatch_to_branch",
    "transfer",
    "add_evidence",
    "move_to_government_station",  # disputes.triage: the worker's neutrality move
    "acceptance_overdue",  # disputes.triage: the station has not decided on acceptance in time
}
_ARRIVALS_AT_HANDLER = {"request_confirmation", "refer_to_arbitration", "open_enforcement"}
# Events for the officials of the case's region (and the regions above it).
_OFFICIAL_EVENTS = {"group_warning"}  # disputes.warnings: a group-dispute early warning opened


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def _official_recipients(region_id: int | None) -> list[int]:
    """Officials whose bureau or federation oversees the region: its own, or one above it."""
    regions = []
    while region_id is not None and region_id not in regions:
        regions.append(region_id)
        region_id = Region.objects.filter(pk=region_id).values_list("parent_id", flat=True).first()
    return list(
        Membership.objects.filter(
            organization__region_id__in=regions,
            organization__is_active=True,
            role=Role.OFFICIAL,
            user__is_active=True,
        )
        .values_list("user_id", flat=True)
        .distinct()
    )


def _staff_recipients(org_id: int | None, roles) -> list[int]:
    if org_id is None:
        return []
    return list(
        Membership.objects.filter(organization_id=org_id, role__in=roles, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


@transaction.atomic
def case_event_dispatch(*, event_id: int) -> list[Notification]:
    """Fan one case event out into notification rows, once however often it is called."""
    event = CaseEvent.objects.select_related("case").filter(pk=event_id).first()
    if event is None or not event.announce:
        return []
    try:
        with transaction.atomic():
            EventDispatch.objects.create(event=event)
    except IntegrityError:
        return []  # fanned out already
    case = event.case
    rows = []
    if event.transition not in RECORDED_EVENTS:  # the worker hears of steps, not of their own uploads
        rows.append(
            Notification(
                case=case,
                event=event,
                channel=NotificationChannel.SMS,
                to_worker=True,
                body=_worker_sms(event),
                idempotency_key=f"event:{event.pk}:worker:sms",
            )
        )
    staff: list[int] = []
    if event.transition in _ARRIVALS_AT_STATION:
        staff += _staff_recipients(case.station_id, _STATION_ROLES)
    if event.transition in _ARRIVALS_AT_HANDLER:
        staff += _staff_recipients(case.handling_org_id, _HANDLER_ROLES)
    if event.transition in URGENT_EVENTS:  # special urgent: each participant of the consultation
        staff += consultation_member_ids(consultation_id=event.payload.get("consultation"))
    if event.transition in _OFFICIAL_EVENTS:
        staff += _official_recipients(case.region_id)
    if case.mediator_id and event.actor_id != case.mediator_id:
        staff.append(case.mediator_id)
    for user_id in dict.fromkeys(staff):
        if user_id == event.actor_id:
            continue
        rows.append(
            Notification(
                case=case,
                event=event,
                channel=NotificationChannel.IN_APP,
                recipient_user_id=user_id,
                body=_staff_message(event),
                idempotency_key=f"event:{event.pk}:user:{user_id}:in_app",
            )
        )
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    for row in Notification.objects.filter(event=event, status=NotificationStatus.PENDING).values_list(
        "pk", flat=True
    ):
        enqueue_on_commit(DELIVER_TASK, notification_id=row)
    return created


def _staff_message(event: CaseEvent) -> str:
    """What happened, by its label; for a transition, also the state the case is now in."""
    params = {"code": event.case.tracking_code, "step": transition_label(event.transition)}
    if event.transition in RECORDED_EVENTS:
        return _("案件 %(code)s：%(step)s") % params
    return _("案件 %(code)s：%(step)s，当前状态：%(status)s") % {
        **params,
        "status": event.get_to_state_display(),
    }


def _worker_sms(event: CaseEvent) -> str:
    case = event.case
    pin = intake_pin_for(case=case) if event.transition == "submit" else None
    if pin:
        return _(
            "【一站式劳动争议调处】已收到您的申请。查询码 %(code)s，查询密码 %(pin)s，请妥善保管，"
            "凭此在“进度查询”查看办理情况。"
        ) % {"code": case.tracking_code, "pin": pin}
    return _("【一站式劳动争议调处】您的申请（查询码 %(code)s）：%(status)s。请凭查询码和密码查看详情。") % {
        "code": case.tracking_code,
        "status": WORKER_LABELS[CaseStatus(event.to_state)],
    }


def notification_deliver(*, notification_id: int) -> bool:
    """Claim the row (pending and due, or a lapsed lease) and send it; a second call finds nothing to claim."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(status=NotificationStatus.PENDING) | Q(status=NotificationStatus.SENDING, lease_until__lt=now),
        pk=notification_id,
        next_attempt_at__lte=now,
    ).update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1, lease_until=now + LEASE)
    if not claimed:
        return False
    note = Notification.objects.select_related("case", "recipient_user").get(pk=notification_id)
    try:
        _send(note)
    except Exception as exc:  # a provider error: retry later from the row, or give up after MAX_ATTEMPTS
        failed = note.attempts >= MAX_ATTEMPTS
        Notification.objects.filter(pk=note.pk).update(
            status=NotificationStatus.FAILED if failed else NotificationStatus.PENDING,
            next_attempt_at=timezone.now() + _backoff(note.attempts),
            lease_until=None,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        logger.warning("notification %s attempt %s failed: %s", note.pk, note.attempts, type(exc).__name__)
        return False
    Notification.objects.filter(pk=note.pk).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    return True


def _send(note: Notification) -> None:
    if note.channel == NotificationChannel.SMS:
        sms_backend().send(note.case.worker_phone, note.body)
    elif note.channel == NotificationChannel.EMAIL:
        send_mail(
            _("一站式劳动争议调处通知"), note.body, settings.DEFAULT_FROM_EMAIL, [note.recipient_user.email]
        )
    # An in-app message is delivered once its row exists: the recipient reads it in the admin.


def events_sweep() -> int:
    """Re-publish the fan-out of recent events that have none (the broker was down when they committed)."""
    since = timezone.now() - SWEEP_WINDOW
    ids = list(
        CaseEvent.objects.filter(created_at__gte=since, announce=True, dispatch__isnull=True).values_list(
            "pk", flat=True
        )[:1000]
    )
    for event_id in ids:
        enqueue_on_commit("referrals.dispatch_case_event", event_id=event_id)
    return len(ids)


def notifications_sweep() -> int:
    """Re-publish notifications that are due, or whose sender died holding the lease."""
    now = timezone.now()
    ids = list(
        Notification.objects.filter(
            Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=NotificationStatus.SENDING, lease_until__lt=now)
        ).values_list("pk", flat=True)[:1000]
    )
    for notification_id in ids:
        enqueue_on_commit(DELIVER_TASK, notification_id=notification_id)
    return len(ids)
