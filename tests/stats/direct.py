"""The figures computed straight from the cases, their histories, claims and deadlines, the plain way: one case
at a time, from the definitions written on the page (stats/definitions.py), without the snapshots, the summary
tables or any code of the stats app. The tests compare the app's answers with these."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from disputes.models import Case, CaseDeadline, CaseEvent
from disputes.states import OPEN_STATES
from organizations.models import Organization, Region


def day(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date() if moment else None


def fen(amount) -> int:
    return int((amount or 0) * 100)


@dataclass
class Item:
    case: Case
    events: list  # (transition, from_state, to_state, day), in time order
    categories: set
    deadlines: list  # CaseDeadline with rule


def load() -> list[Item]:
    events = defaultdict(list)
    for e in CaseEvent.objects.order_by("case_id", "created_at", "id"):
        events[e.case_id].append((e.transition, e.from_state, e.to_state, day(e.created_at)))
    deadlines = defaultdict(list)
    for d in CaseDeadline.objects.select_related("rule"):
        deadlines[d.case_id].append(d)
    return [
        Item(case, events[case.pk], {c.category for c in case.claims.all()}, deadlines[case.pk])
        for case in Case.objects.prefetch_related("claims")
    ]


def _below(model, root_id) -> set:
    parents = dict(model.objects.values_list("id", "parent_id"))
    found, changed = {root_id}, True
    while changed:
        changed = False
        for node, parent in parents.items():
            if parent in found and node not in found:
                found.add(node)
                changed = True
    return found


def select(items, *, region=None, station=None, industry="", channel="", category="", scope=None):
    """The cases the filters (codes, as the API takes them) and a scope ((region ids, station ids) or None for
    everything) select."""
    regions = _below(Region, Region.objects.get(code=region).pk) if region else None
    stations = _below(Organization, Organization.objects.get(code=station).pk) if station else None
    out = []
    for item in items:
        c = item.case
        if regions is not None and c.region_id not in regions:
            continue
        if stations is not None and c.station_id not in stations:
            continue
        if industry and c.industry != industry:
            continue
        if channel and c.channel != channel:
            continue
        if category and category not in item.categories:
            continue
        if scope is not None and c.region_id not in scope[0] and c.station_id not in scope[1]:
            continue
        out.append(item)
    return out


def _first(events, *names, from_state=None):
    for name, before, _after, on in events:
        if name in names and (from_state is None or before == from_state):
            return on
    return None


def _mediation_end(events):
    for name, before, _after, on in events:
        if name in ("record_agreement", "record_failure") or (
            name == "refer_to_arbitration" and before == "in_mediation"
        ):
            return name, on
    return None, None


def _last_payment(events):
    found = None
    for name, _before, _after, on in events:
        if name in ("record_fulfilment", "close_enforcement"):
            found = on
    return found


def figures(items, start: date, end: date) -> dict:
    """Every measure the app keeps, for the period, plus in_progress and the sorted days to close."""
    inside = lambda d: d is not None and start <= d <= end  # noqa: E731
    out = defaultdict(int)
    close_days = []
    for item in items:
        c, ev = item.case, item.events
        received = day(c.created_at)
        terminal = c.status in ("closed", "withdrawn", "rejected")
        concluded = day(c.closed_at) if terminal else None
        if inside(received):
            out["received"] += 1
            out["claimed_fen"] += fen(c.amount_claimed)
            out["f_accepted"] += _first(ev, "accept") is not None
            out["f_mediation"] += _first(ev, "start_mediation") is not None
            out["f_agreed"] += _first(ev, "record_agreement") is not None
            out["f_paid"] += _last_payment(ev) is not None and fen(c.amount_paid) > 0
            out["f_arbitration"] += _first(ev, "refer_to_arbitration") is not None
            out["f_arb_accepted"] += _first(ev, "accept_arbitration") is not None
            out["f_award"] += _first(ev, "award_recorded") is not None
            out["f_arb_closed"] += _first(ev, "close_arbitration") is not None
        if inside(_first(ev, "accept")):
            out["accepted"] += 1
        name, ended = _mediation_end(ev)
        if inside(ended):
            out["mediated"] += 1
            out["mediation_agreed"] += name == "record_agreement"
        if inside(_first(ev, "record_agreement")):
            out["agreed_fen"] += fen(c.amount_agreed)
        paid_on = _last_payment(ev)
        if inside(paid_on):
            out["recovered_fen"] += fen(c.amount_paid)
            out["paid"] += fen(c.amount_paid) > 0
        if inside(concluded):
            out["concluded"] += 1
            out[f"concluded_{c.status}"] += 1
            if c.status == "closed":
                days = (concluded - received).days
                out["close_days_sum"] += days
                close_days.append(days)
        if inside(_first(ev, "refer_to_arbitration")):
            out["arb_referred"] += 1
        if inside(_first(ev, "accept_arbitration")):
            out["arb_accepted"] += 1
        if inside(_first(ev, "close_arbitration")):
            out["arb_closed"] += 1
        if received <= end and (concluded is None or concluded > end):
            out["in_progress"] += 1
    out["close_days"] = sorted(close_days)
    return out


def median(values):
    if not values:
        return None
    values = [min(v, 366) for v in sorted(values)]
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def deadlines(items, start: date, end: date, today: date) -> dict:
    """Per rule id: (on time, late or still open past the due date) over deadlines due in the period before
    today. A deadline whose case left its stage before the due date, unmet, is not counted."""
    end = min(end, today - timedelta(days=1))
    out = defaultdict(lambda: [0, 0])
    for item in items:
        for d in item.deadlines:
            if not start <= d.due_on <= end:
                continue
            met = day(d.met_at)
            active = d.rule.active_states or OPEN_STATES
            if met is not None:
                out[d.rule_id][0 if met <= d.due_on else 1] += 1
                continue
            if item.case.status in active:
                out[d.rule_id][1] += 1
                continue
            # When did it stop applying? The first step out of its stages after its trigger.
            names = [e[0] for e in item.events]
            start_at = max((i + 1 for i, n in enumerate(names) if n == d.rule.trigger), default=0)
            left = next((e[3] for e in item.events[start_at:] if e[2] not in active), None)
            if left is not None and left > d.due_on:
                out[d.rule_id][1] += 1
    return {rule: tuple(v) for rule, v in out.items() if sum(v)}
