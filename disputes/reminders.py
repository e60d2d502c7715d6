"""Reminders: one mechanism for every "this is near" and "this has passed" message about a case.

A reminder is a recorded history event (:func:`disputes.services.case_event_record`, by the system), so it shows in
the case's history and reaches people through the notification outbox like every other event. What makes it a
reminder is its key (:class:`~disputes.models.Reminder`): a reminder whose key the case already has is not sent
again, however often the scans run and even when two run at once.

- :func:`reminder_record_once` is the public service; other apps call it for their own reminders (mediation's
  payment reminders), with a key that names the subject, the kind and the date, e.g.
  ``payment:17:due_soon:2026-12-01``.
- :func:`deadline_reminders_scan` (beat: ``disputes.deadline_reminders``, hourly; each reminder still goes out once)
  reminds of the legal deadlines (:class:`~disputes.models.CaseDeadline`) as their rules say: before the due date
  on the days listed in ``DeadlineRule.remind_days_before``, and once when the date has passed unmet.
- :func:`acceptance_overdue_alerts` (beat: ``disputes.acceptance_overdue_alerts``) tells a station, once a day,
  that it has let a decision on acceptance become overdue (rules coded ``station.acceptance…``). It replaces the
  generic overdue reminder for those rules.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Case, CaseDeadline, DeadlineRule, Reminder
from .permissions import SYSTEM
from .services import case_event_record
from .states import OPEN_STATES, CaseStatus

# DeadlineRule codes starting with this time a station's decision on acceptance (disputes.triage re-exports it).
ACCEPTANCE_RULE_PREFIX = "station.acceptance"
DUE_SOON_EVENT = "deadline_due_soon"
OVERDUE_EVENT = "deadline_overdue"
ACCEPTANCE_OVERDUE_EVENT = "acceptance_overdue"
KEY_MAX_LENGTH = Reminder._meta.get_field("key").max_length


# --- The mechanism -------------------------------------------------------------------------------------------
@transaction.atomic
def reminder_record_once(
    *, case_id: int, key: str, name: str, note: str = "", payload: dict | None = None
) -> bool:
    """Record the reminder ``key`` of the case as the history event ``name`` unless the case already has it.

    Returns True when the reminder was recorded now, False when it had been recorded before, the case no longer
    exists, or the case is closed (rejected, withdrawn or closed: nobody is reminded of a finished case).

    Guarantees: at most one reminder per (case, key), ever. The case row is locked before the check, so of two
    concurrent calls the second waits and then finds the first one's row; a unique constraint backs this up.
    The event is written by :func:`disputes.services.case_event_record` as the system (``name`` must be a
    registered recorded event, else :class:`~disputes.exceptions.UnknownTransition`), with its case effects, and
    is announced after commit; nothing is announced if the caller's transaction rolls back.
    """
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"a reminder key must have 1 to {KEY_MAX_LENGTH} characters")
    status = Case.objects.select_for_update().filter(pk=case_id).values_list("status", flat=True).first()
    if status is None or status not in OPEN_STATES:
        return False
    if Reminder.objects.filter(case_id=case_id, key=key).exists():
        return False
    try:
        with transaction.atomic():
            event = case_event_record(case_id=case_id, name=name, actor=SYSTEM, note=note, payload=payload)
            Reminder.objects.create(case_id=case_id, key=key, event=event, created_at=event.created_at)
    except IntegrityError:  # recorded meanwhile by a writer that did not take the case lock
        return False
    return True


def _already_sent(candidates: list[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (case, key) pairs among ``candidates`` that have been recorded: one query, no locks, so the hourly scan
    does not lock every case it merely looks at (:func:`reminder_record_once` checks again under the lock)."""
    if not candidates:
        return set()
    rows = Reminder.objects.filter(
        case_id__in={case_id for case_id, _key in candidates}, key__in={key for _case, key in candidates}
    ).values_list("case_id", "key")
    return set(rows)


# --- Legal deadlines ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DueReminder:
    """One reminder the scan would send: for ``deadline`` (with its rule), of ``kind`` due_soon or overdue."""

    deadline: CaseDeadline
    kind: str
    key: str
    days: int  # due soon: the "N days before" it answers; overdue: days past the due date

    @property
    def case_id(self) -> int:
        return self.deadline.case_id


def deadline_reminder_for(deadline: CaseDeadline, *, today: date) -> DueReminder | None:
    """The reminder ``deadline`` calls for today, if any (pure).

    Before the due date: the tightest of the rule's ``remind_days_before`` that today has reached (with 5 and 1
    listed, one reminder five days before and one the day before; a scan that missed days sends only the tightest
    one, never a stale one). After it: one overdue reminder, except for the acceptance rules, whose overdue alarm is
    :func:`acceptance_overdue_alerts`. The due date is part of the key, so a deadline that moves is reminded
    again."""
    rule = deadline.rule
    left = (deadline.due_on - today).days
    prefix = f"deadline:{rule.code}:{deadline.due_on.isoformat()}"
    if left < 0:
        if rule.code.startswith(ACCEPTANCE_RULE_PREFIX):
            return None
        return DueReminder(deadline=deadline, kind="overdue", key=f"{prefix}:overdue", days=-left)
    reached = [int(d) for d in (rule.remind_days_before or []) if int(d) >= left]
    if not reached:
        return None
    days = min(reached)
    return DueReminder(deadline=deadline, kind="due_soon", key=f"{prefix}:due_soon:{days}", days=days)


def _open_deadlines(*, today: date):
    """Deadlines that may call for a reminder today: active and unmet, of an active rule, on an open case, due
    within the longest reminder period of any rule or already past."""
    longest = 0
    for days in DeadlineRule.objects.filter(is_active=True).values_list("remind_days_before", flat=True):
        longest = max([longest, *(int(d) for d in days or [])])
    return (
        CaseDeadline.objects.filter(
            is_active=True,
            met_at__isnull=True,
            rule__is_active=True,
            case__status__in=OPEN_STATES,
            due_on__lte=today + timedelta(days=longest),
        )
        .select_related("rule")
        .order_by("due_on", "case_id", "id")
    )


def _due_soon_message(reminder: DueReminder, *, today: date) -> tuple[str, dict]:
    deadline, rule = reminder.deadline, reminder.deadline.rule
    left = (deadline.due_on - today).days
    note = _("“%(rule)s”将于 %(due)s 届满（%(when)s），请及时办理。") % {
        "rule": rule.name,
        "due": deadline.due_on.isoformat(),
        "when": _("今天到期") if left <= 0 else _("还剩 %(n)d 天") % {"n": left},
    }
    payload = {
        "rule": rule.code,
        "rule_name": rule.name,
        "due_on": deadline.due_on,
        "days_before": reminder.days,
    }
    return note, payload


def _overdue_message(reminder: DueReminder) -> tuple[str, dict]:
    deadline, rule = reminder.deadline, reminder.deadline.rule
    note = _("“%(rule)s”已于 %(due)s 届满，尚未完成。") % {
        "rule": rule.name,
        "due": deadline.due_on.isoformat(),
    }
    if rule.consequence:
        note = f"{note}{rule.consequence}"
    payload = {"rule": rule.code, "rule_name": rule.name, "due_on": deadline.due_on}
    return note, payload


def deadline_reminders_scan(*, today: date | None = None) -> list[tuple[int, str]]:
    """Send the deadline reminders due today (see :func:`deadline_reminder_for`), each once, as the history events
    ``deadline_due_soon`` and ``deadline_overdue``. Safe to run as often as wanted, concurrently too: reminders
    already recorded are skipped with one query, and each new one goes through :func:`reminder_record_once` in its
    own transaction (one case's failure does not undo the others'). Returns the (case id, key) pairs recorded now.
    """
    today = today or timezone.localdate()
    wanted = [
        reminder
        for deadline in _open_deadlines(today=today)
        if (reminder := deadline_reminder_for(deadline, today=today)) is not None
    ]
    sent = _already_sent([(r.case_id, r.key) for r in wanted])
    recorded = []
    for reminder in wanted:
        if (reminder.case_id, reminder.key) in sent:
            continue
        if reminder.kind == "overdue":
            name, (note, payload) = OVERDUE_EVENT, _overdue_message(reminder)
        else:
            name, (note, payload) = DUE_SOON_EVENT, _due_soon_message(reminder, today=today)
        if reminder_record_once(
            case_id=reminder.case_id, key=reminder.key, name=name, note=note, payload=payload
        ):
            recorded.append((reminder.case_id, reminder.key))
        sent.add((reminder.case_id, reminder.key))
    return recorded


# --- The acceptance alarm (a station's decision on a case it received) -------------------------------------------
def acceptance_overdue_alerts(*, today: date | None = None) -> list[int]:
    """Record one ``acceptance_overdue`` event per case per day for every assigned case whose station has let an
    acceptance deadline (rules coded ``station.acceptance…``) pass; the event's announcement tells the station's
    staff (referrals). Safe to run often: it is a reminder keyed by the day (:func:`reminder_record_once`), checked
    under the case's row lock. Returns the ids of the cases alerted now."""
    today = today or timezone.localdate()
    overdue: dict[int, date] = {}
    rows = CaseDeadline.objects.filter(
        rule__code__startswith=ACCEPTANCE_RULE_PREFIX,
        rule__is_active=True,
        is_active=True,
        met_at__isnull=True,
        due_on__lt=today,
        case__status=CaseStatus.ASSIGNED,
    ).values_list("case_id", "due_on")
    for case_id, due_on in rows:
        overdue[case_id] = min(due_on, overdue.get(case_id, due_on))
    alerted = []
    for case_id, due_on in sorted(overdue.items()):
        if _acceptance_alert_once(case_id=case_id, today=today, due_on=due_on):
            alerted.append(case_id)
    return alerted


@transaction.atomic
def _acceptance_alert_once(*, case_id: int, today: date, due_on: date) -> bool:
    case = Case.objects.select_for_update(of=("self",)).select_related("station").filter(pk=case_id).first()
    if case is None or case.status != CaseStatus.ASSIGNED:
        return False
    day = today.isoformat()
    return reminder_record_once(
        case_id=case_id,
        key=f"{ACCEPTANCE_OVERDUE_EVENT}:{day}",
        name=ACCEPTANCE_OVERDUE_EVENT,
        note=_("受理期限已于 %(due)s 届满，请尽快受理、派至网点、转交或不予受理。")
        % {"due": due_on.isoformat()},
        payload={"day": day, "due_on": due_on, "station": case.station},
    )


__all__ = [
    "ACCEPTANCE_RULE_PREFIX",
    "DueReminder",
    "acceptance_overdue_alerts",
    "deadline_reminder_for",
    "deadline_reminders_scan",
    "reminder_record_once",
]
