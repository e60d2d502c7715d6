"""Every write to a case. Each public function is one business action in one transaction.

Callers (views, the admin, the API, commands, tasks) resolve the case through a selector first (so a case the user
may not see is a 404), validate input with a form, and call a service; none of them holds business logic.
"""

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed, has_transition_perm

from config.celery import enqueue_on_commit
from config.security_log import security_event
from organizations.models import Organization, Region

from .deadlines import (
    EXTEND_EVENT,
    ComputedDeadline,
    active_deadline_rules,
    compute_case_deadlines,
    nearest_open_due,
    working_calendar,
)
from .exceptions import DeadlineConflict, TransitionConflict, UnknownTransition
from .extensions import recorded_events, run_case_effects
from .history_chain import GENESIS
from .matching import employer_key
from .models import Case, CaseDeadline, CaseEvent, Claim
from .permissions import SYSTEM, WORKER, can_extend_deadline
from .pii import keyed_hash, normalize
from .states import TERMINAL_STATES, ActorKind, Channel
from .workdays import WorkingCalendar

logger = logging.getLogger(__name__)

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud on the phone without doubt
NOTIFY_TASK = "referrals.dispatch_case_event"


# History events that are not transitions: the case stays in its state (see :func:`case_event_record`).
RECORDED_EVENTS = {
    "add_evidence": _("补充证据材料"),
    "routing_correct": _("更正行业、地区或争议类别"),  # disputes.triage
    "assign_mediator": _("指派调解员"),  # disputes.triage
    "acceptance_overdue": _("受理超期提醒"),  # disputes.reminders (re-exported by disputes.triage)
    "deadline_due_soon": _("期限即将届满提醒"),  # disputes.reminders
    "deadline_overdue": _("期限已届满提醒"),  # disputes.reminders
    "escalate_urgent": _("列为特事急诊，召集联合会商"),  # disputes.urgent
    "record_urgent_plan": _("记录一案一策"),  # disputes.urgent
    "merge_duplicate": _("并入重复申请"),  # disputes.related
    "merged_into": _("作为重复申请并入其他案件"),  # disputes.related
    "group_warning": _("列入群体性争议预警"),  # disputes.warnings
    "correct_respondent": _("更正被申请人信息"),  # disputes.respondents
    EXTEND_EVENT: _("依法延长期限"),  # deadline_extend, below
}


def recorded_event_labels() -> dict[str, str]:
    """Every history event that is not a transition, with its staff-facing label: those of ``disputes`` and
    those the upper apps registered (:mod:`disputes.extensions`)."""
    return {**RECORDED_EVENTS, **{name: event.label for name, event in recorded_events().items()}}


def transition_names() -> list[str]:
    return [t.name for t in Case._meta.get_field("status").get_all_transitions(Case)]


def transition_labels() -> dict[str, str]:
    """Each history event's staff-facing label: the filing, then each transition's ``custom["label"]``."""
    labels = {
        "submit": _("提交申请"),
        **{name: str(label) for name, label in recorded_event_labels().items()},
    }
    for transition in Case._meta.get_field("status").get_all_transitions(Case):
        labels[transition.name] = str(transition.custom["label"])
    return labels


def transition_label(name: str) -> str:
    return transition_labels().get(name, name)


def _actor_fields(actor) -> dict:
    if actor is WORKER:
        return {"actor": None, "actor_kind": ActorKind.WORKER}
    if actor is SYSTEM or actor is None:
        return {"actor": None, "actor_kind": ActorKind.SYSTEM}
    return {"actor": actor, "actor_kind": ActorKind.STAFF}


def _jsonable(value):
    if isinstance(value, Organization):
        return value.code
    if isinstance(value, AbstractBaseUser):
        return value.get_username()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


# --- Tracking code and PIN -----------------------------------------------------------------------------------
def tracking_code_normalize(raw: str) -> str:
    code = normalize(raw).replace("-", "")
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def _new_tracking_code() -> str:
    while True:
        raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        if not Case.objects.filter(tracking_code=code).exists():
            return code


@sensitive_variables("pin", "message")
def _pin_hash(tracking_code: str, pin: str) -> str:
    """A keyed hash of the PIN: without the key (kept apart from the database) a leaked table reveals no PIN."""
    message = f"pin:{tracking_code}:{pin}".encode()
    return hmac.new(settings.PII_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


@sensitive_variables("pin")
def case_check_pin(*, case: Case, pin: str) -> bool:
    return hmac.compare_digest(case.access_pin_hash, _pin_hash(case.tracking_code, (pin or "").strip()))


# --- Creating a case -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimInput:
    category: str
    amount: Decimal | None


@sensitive_variables("worker_id_number", "worker_phone", "worker_name", "pin")
@transaction.atomic
def case_create(
    *,
    actor,
    channel: str = Channel.QR_WEB,
    worker_name: str,
    worker_id_number: str,
    worker_phone: str,
    employer_name: str,
    employer_credit_code: str = "",
    employer_site: str = "",
    industry: str,
    claims: list[ClaimInput],
    facts: str,
    services: list[str] | None = None,
    station: Organization | None = None,
    region: Region | None = None,
    intake_org: Organization | None = None,
    employment_started_on: date | None = None,
    knowledge_date: date | None = None,
    employment_ended_on: date | None = None,
    still_employed: bool = False,
    confidential: bool = False,
    language: str = "zh",
    collective=None,
    is_representative: bool = False,
    amount_claimed: Decimal | None = None,
    receipt=None,
    referred_by: Organization | None = None,
    referred_by_name: str = "",
    at: datetime | None = None,
    announce: bool = True,
    evidence_sha256: list[str] | None = None,
) -> tuple[Case, str]:
    """File a claim. Returns the case and its access PIN, which exists in clear only in this return value.

    ``at`` backdates the filing and ``announce=False`` records it without notifying anyone: both are for imports
    of past history and the demo seeder; no user-facing path passes them. ``amount_claimed`` defaults to the sum
    of the items (a total given without items stays on the case, the items unsplit). ``evidence_sha256``: the
    hashes of the files filed with the claim, recorded in the ``submit`` event so that they are in the case's
    hash chain (:mod:`disputes.history_chain`).
    """
    at = at or timezone.now()
    pin = f"{secrets.randbelow(10**6):06d}"
    code = _new_tracking_code()
    case = Case(
        tracking_code=code,
        access_pin_hash=_pin_hash(code, pin),
        channel=channel,
        intake_org=intake_org,
        station=station,
        region=region or (station.region if station else None),
        industry=industry,
        worker_name=worker_name.strip(),
        worker_id_number=normalize(worker_id_number),
        worker_id_hash=keyed_hash(worker_id_number),
        worker_phone=normalize(worker_phone),
        worker_phone_hash=keyed_hash(worker_phone),
        employer_name=employer_name.strip(),
        employer_credit_code=normalize(employer_credit_code),
        employer_key=employer_key(employer_name),
        employer_site=employer_site,
        employment_started_on=employment_started_on,
        language=language,
        collective=collective,
        is_representative=is_representative,
        receipt=receipt,
        referred_by=referred_by,
        referred_by_name=referred_by_name,
        facts=facts,
        services=list(services or []),
        confidential=confidential,
        knowledge_date=knowledge_date,
        employment_ended_on=employment_ended_on,
        still_employed=still_employed,
        amount_claimed=(
            amount_claimed
            if amount_claimed is not None
            else sum((c.amount for c in claims if c.amount is not None), Decimal("0"))
        ),
        created_at=at,
    )
    event = CaseEvent(
        transition="submit",
        from_state="",
        to_state=case.status,
        payload={
            "channel": channel,
            "station": station.code if station else None,
            **({"evidence_sha256": list(evidence_sha256)} if evidence_sha256 else {}),
        },
        created_at=at,
        announce=announce,
        **_actor_fields(actor),
    )
    # A new case's history is its first event and its claims are those given: its deadlines are known before
    # anything is written, and so is its nearest due date (the case row is written once).
    deadlines = _deadlines_compute(case=case, events=[event], categories={c.category for c in claims})
    case.next_due_on = nearest_open_due(deadlines)
    case.save(force_insert=True)
    Claim.objects.bulk_create([Claim(case=case, category=c.category, amount=c.amount) for c in claims])
    event.case = case
    event.save(chain_tail=GENESIS)  # the first link of a chain that begins in this transaction
    _deadlines_store(case=case, computed=deadlines, existing={})
    run_case_effects(case=case, event=event)
    if announce:
        enqueue_on_commit(NOTIFY_TASK, event_id=event.pk)
    return case, pin


# --- Transitions ---------------------------------------------------------------------------------------------
def transition_desk(name: str) -> str:
    """Where a *desk* transition is done, or "" for a generic one.

    A desk transition (``custom["desk"]`` on the transition) belongs to a service of an upper app that does more
    than change the state: recording an agreement needs both parties' signatures (mediation), confirming or
    refusing one, accepting or declining an arbitration and ending enforcement issue documents and records
    (arbitration). Those services run the transition through :func:`case_transition`; the generic paths (the
    admin's buttons, ``POST /api/v1/cases/{id}/transitions/{name}/``) refuse it with this text, so the state never
    moves without what the law attaches to the step.
    """
    for transition in Case._meta.get_field("status").get_all_transitions(Case):
        if transition.name == name:
            return str(transition.custom.get("desk", ""))
    return ""


def transition_guard(*, case: Case, name: str, actor, generic: bool = False) -> None:
    """Raise unless ``actor`` may run ``name`` on ``case`` as it is now, in the order the API answers:
    an unknown name (404), a state or condition that does not allow it (409), then permission (403), then, on a
    ``generic`` path, a desk transition (409, saying where it is done: :func:`transition_desk`).
    Views call it before validating input, so a wrong state is reported as such whatever the payload."""
    if name not in transition_names():
        raise UnknownTransition(name)
    method = getattr(case, name)
    label = case.get_status_display()
    if not can_proceed(method, check_conditions=False):
        raise TransitionConflict(name=name, current_state=case.status, current_label=label)
    if not can_proceed(method):
        raise TransitionConflict(
            name=name, current_state=case.status, current_label=label, reason=_("前置条件尚未满足。")
        )
    if not has_transition_perm(method, actor):
        raise PermissionDenied(_("您没有权限对该案件执行此操作。"))
    if generic and (desk := transition_desk(name)):
        raise TransitionConflict(name=name, current_state=case.status, current_label=label, reason=desk)


@transaction.atomic
def case_transition(
    *,
    case_id: int,
    name: str,
    actor,
    note: str = "",
    payload: dict | None = None,
    at: datetime | None = None,
    announce: bool = True,
    locked: Case | None = None,
) -> Case:
    """Run transition ``name`` as ``actor``, record it in the history, refresh deadlines, notify after commit.

    Guarantees: the case row is locked for the transaction, so of two concurrent calls one wins and the other
    sees the new state and gets :class:`TransitionConflict` (409); a wrong state is a conflict, not a 403, because
    ``can_proceed`` is checked before ``has_transition_perm``; nothing is written unless everything is.
    ``payload`` holds cleaned values (from :mod:`disputes.forms`); ``at`` and ``announce`` as for
    :func:`case_create`. ``locked``: the case as the caller holds it, locked or created in the current
    transaction (intake routes the case it has just filed), instead of reading it again.
    """
    case = locked if locked is not None else Case.objects.select_for_update().get(pk=case_id)
    transition_guard(case=case, name=name, actor=actor)
    method = getattr(case, name)
    label = case.get_status_display()
    payload = dict(payload or {})
    from_state = case.status
    at = at or timezone.now()
    try:
        method(**payload)
        if case.status in TERMINAL_STATES:
            case.closed_at = at
        case.save()
    except (TransitionNotAllowed, ConcurrentTransition):
        raise TransitionConflict(name=name, current_state=from_state, current_label=label) from None
    event = CaseEvent.objects.create(
        case=case,
        transition=name,
        from_state=from_state,
        to_state=case.status,
        note=note,
        payload={key: _jsonable(value) for key, value in payload.items()},
        created_at=at,
        announce=announce,
        **_actor_fields(actor),
    )
    case_deadlines_refresh(case=case)
    run_case_effects(case=case, event=event)
    if announce:
        enqueue_on_commit(NOTIFY_TASK, event_id=event.pk)
    transaction.on_commit(
        lambda: security_event(
            "case_transition",
            actor=actor,
            obj=case,
            transition=name,
            from_state=from_state,
            to_state=event.to_state,
        )
    )
    return case


@transaction.atomic
def case_event_record(
    *, case_id: int, name: str, actor, note: str = "", payload: dict | None = None
) -> CaseEvent:
    """Record in the history something that happened to a case without changing its state (evidence added),
    and announce it after commit like a transition."""
    if name not in recorded_event_labels():
        raise UnknownTransition(name)
    case = Case.objects.select_for_update().get(pk=case_id)
    event = CaseEvent.objects.create(
        case=case,
        transition=name,
        from_state=case.status,
        to_state=case.status,
        note=note,
        payload={key: _jsonable(value) for key, value in (payload or {}).items()},
        **_actor_fields(actor),
    )
    run_case_effects(case=case, event=event)
    enqueue_on_commit(NOTIFY_TASK, event_id=event.pk)
    return event


def available_transitions(*, case: Case, user) -> list[str]:
    """The transitions ``user`` may run on ``case`` now through the generic paths (state, conditions and
    permission; desk transitions are done at their desks: :func:`transition_desk`)."""
    return [t.name for t in case.get_available_user_status_transitions(user) if not t.custom.get("desk")]


# --- Deadlines -----------------------------------------------------------------------------------------------
_DEADLINE_VALUES = ("starts_on", "due_on", "provisional", "met_at", "is_active", "extended_days")
MAX_EXTENSION_REASON = 500


def case_deadlines_refresh(
    *, case: Case, calendar: WorkingCalendar | None = None, recording: CaseEvent | None = None
) -> list[CaseDeadline]:
    """Recompute and store the case's deadlines from its events; called inside every case-changing service.
    ``recording``: an event about to be saved in the same transaction, counted as the last one."""
    # case_id too: the related manager reads it on every row; deferred, it costs one query per event.
    events = list(
        case.events.order_by("created_at", "id").only("case_id", "transition", "created_at", "payload")
    )
    if recording is not None:
        events.append(recording)
    categories = set(case.claims.values_list("category", flat=True))
    computed = _deadlines_compute(case=case, events=events, categories=categories, calendar=calendar)
    return _deadlines_store(
        case=case, computed=computed, existing={d.rule_id: d for d in case.deadlines.all()}
    )


def _deadlines_compute(
    *, case: Case, events: list, categories: set[str], calendar: WorkingCalendar | None = None
) -> list[ComputedDeadline]:
    return compute_case_deadlines(
        case=case,
        events=events,
        rules=active_deadline_rules(),
        categories=categories,
        calendar=calendar or working_calendar(),
    )


def _deadlines_store(
    *, case: Case, computed: list[ComputedDeadline], existing: dict[int, CaseDeadline]
) -> list[CaseDeadline]:
    """Write ``computed`` over the case's ``existing`` rows (by rule): the new ones in one insert, only those that
    changed updated, those no rule gives any more deleted."""
    rows, new, changed = [], [], []
    for item in computed:
        values = tuple(getattr(item, name) for name in _DEADLINE_VALUES)
        row = existing.pop(item.rule_id, None)
        if row is None:
            row = CaseDeadline(case=case, rule_id=item.rule_id)
            new.append(row)
        elif tuple(getattr(row, name) for name in _DEADLINE_VALUES) != values:
            changed.append(row)
        for name, value in zip(_DEADLINE_VALUES, values, strict=True):
            setattr(row, name, value)
        rows.append(row)
    if changed:
        CaseDeadline.objects.bulk_update(changed, _DEADLINE_VALUES)
    if new:
        CaseDeadline.objects.bulk_create(new)
    if existing:
        CaseDeadline.objects.filter(pk__in=[d.pk for d in existing.values()]).delete()
    return rows


@transaction.atomic
def deadline_extend(*, case_id: int, rule_code: str, actor, days: int, reason: str) -> CaseDeadline:
    """Extend one of the case's running deadlines as the law allows (once, by at most the rule's
    ``max_extension_days``, and only before it falls due), recording ``extend_deadline`` with the approval or consent in the
    note; the deadline is recomputed from the history like every other. Raises PermissionDenied for anyone but
    the staff handling the case now, ValidationError for bad values, DeadlineConflict (409) when the deadline is
    met, no longer counted, past or extended already; ``CaseDeadline.DoesNotExist`` when the case has
    no such deadline."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if not can_extend_deadline(case, actor):
        raise PermissionDenied(_("只有正在办理本案的工作人员可以延长期限。"))
    deadline = CaseDeadline.objects.select_related("rule").get(case=case, rule__code=rule_code)
    rule = deadline.rule
    if not rule.max_extension_days:
        raise DeadlineConflict(_("“%(rule)s”依法不能延长。") % {"rule": rule.name})
    if deadline.met_at is not None or not deadline.is_active:
        raise DeadlineConflict(_("“%(rule)s”已完成或不再计算，无需延长。") % {"rule": rule.name})
    if deadline.due_on < timezone.localdate():
        raise DeadlineConflict(
            _("“%(rule)s”已于%(due)s届满，届满后不能再延长。") % {"rule": rule.name, "due": deadline.due_on}
        )
    if deadline.extended_days:
        raise DeadlineConflict(
            _("“%(rule)s”已依法延长过%(n)d日，不能再次延长。")
            % {"rule": rule.name, "n": deadline.extended_days}
        )
    room = rule.max_extension_days
    errors: dict[str, list] = {}
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= room:
        errors["days"] = [_("延长天数应为 1 到 %(n)d 之间的整数。") % {"n": room}]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请写明延长的依据，如批准人和批准日期，或双方同意的情况。")]
    elif len(reason) > MAX_EXTENSION_REASON:
        errors["reason"] = [_("延长依据不能超过%(n)d个字。") % {"n": MAX_EXTENSION_REASON}]
    if errors:
        raise ValidationError(errors)
    event = CaseEvent(
        case=case,
        transition=EXTEND_EVENT,
        from_state=case.status,
        to_state=case.status,
        note=reason,
        payload={"rule": rule.code, "rule_name": rule.name, "days": days},
        created_at=timezone.now(),
        **_actor_fields(actor),
    )
    # The deadline is recomputed from the history with the extension in it; the event keeps the new due date.
    refreshed = {row.rule_id: row for row in case_deadlines_refresh(case=case, recording=event)}[rule.pk]
    event.payload["due_on"] = refreshed.due_on.isoformat()
    event.save()
    run_case_effects(case=case, event=event)
    enqueue_on_commit(NOTIFY_TASK, event_id=event.pk)
    return refreshed
