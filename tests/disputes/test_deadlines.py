"""disputes.deadlines: which rules apply to a case, from which start, and how a stored deadline is shown."""

import importlib
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from disputes.deadlines import compute_case_deadlines, deadline_state
from disputes.models import Case, DeadlineRule
from disputes.states import CaseStatus
from disputes.workdays import WorkingCalendar

S = CaseStatus
TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 10)
pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(db):
    seed = importlib.import_module("disputes.migrations.0002_history_append_only_and_deadline_rules")
    for rule in seed.RULES:
        DeadlineRule.objects.get_or_create(code=rule["code"], defaults=rule)
    return {r.code: r for r in DeadlineRule.objects.all()}


@dataclass
class Event:
    transition: str
    created_at: datetime


def _at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=TZ)


def _compute(rules, codes, *, status=S.SUBMITTED, categories=("wages",), events=(), **case_fields):
    case = Case(status=status, **case_fields)
    computed = compute_case_deadlines(
        case=case,
        events=list(events),
        rules=[rules[code] for code in codes],
        categories=set(categories),
        calendar=WorkingCalendar(),
    )
    by_id = {r.pk: code for code, r in rules.items()}
    return {by_id[c.rule_id]: c for c in computed}


# --- Limitation ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("categories", "applies"),
    [
        ({"wages"}, True),
        ({"wages", "overtime"}, True),
        ({"overtime"}, False),
        ({"dismissal", "compensation"}, False),
        (set(), False),
    ],
)
def test_wages_after_exit_applies_only_to_wage_claims(rules, categories, applies):
    result = _compute(
        rules, ["limitation.wages_after_exit"], categories=categories, employment_ended_on=date(2025, 10, 5)
    )
    assert ("limitation.wages_after_exit" in result) is applies
    if applies:
        deadline = result["limitation.wages_after_exit"]
        assert deadline.starts_on == date(2025, 10, 5)
        assert deadline.due_on == date(2026, 10, 8)  # 2026-10-05 is in the National Day holiday
        assert deadline.provisional is False


def test_wages_after_exit_needs_an_exit_date(rules):
    assert _compute(rules, ["limitation.wages_after_exit"], still_employed=True) == {}


@pytest.mark.parametrize(
    ("still_employed", "categories", "applies"),
    [
        (True, {"wages"}, False),  # wage arrears during employment: no one-year limit (LDMAL Art. 27 ¶4)
        (False, {"wages"}, True),
        (True, {"wages", "overtime"}, True),
        (True, {"dismissal"}, True),
        (False, {"social_insurance"}, True),
    ],
)
def test_general_limitation_and_the_wage_arrears_exemption(rules, still_employed, categories, applies):
    result = _compute(
        rules,
        ["limitation.general", "limitation.restarted"],
        categories=categories,
        still_employed=still_employed,
        knowledge_date=date(2025, 2, 17),
        events=[Event("submit", _at(2025, 3, 3))],
    )
    assert ("limitation.general" in result) is applies
    assert ("limitation.restarted" in result) is applies
    if applies:
        general = result["limitation.general"]
        assert (general.starts_on, general.due_on) == (date(2025, 2, 17), date(2026, 2, 24))
        restarted = result["limitation.restarted"]
        assert (restarted.starts_on, restarted.due_on) == (date(2025, 3, 3), date(2026, 3, 3))


def test_general_limitation_needs_the_knowledge_date(rules):
    assert _compute(rules, ["limitation.general"]) == {}


def test_general_limitation_is_met_by_going_to_arbitration(rules):
    result = _compute(
        rules,
        ["limitation.general"],
        status=S.REFERRED_TO_ARBITRATION,
        knowledge_date=date(2025, 6, 1),
        events=[Event("submit", _at(2025, 6, 3)), Event("refer_to_arbitration", _at(2025, 7, 1))],
    )
    deadline = result["limitation.general"]
    assert deadline.met_at == _at(2025, 7, 1)
    assert deadline.is_active is False  # only counted while submitted


def test_a_limitation_year_into_2027_is_provisional(rules):
    result = _compute(rules, ["limitation.general"], knowledge_date=date(2026, 3, 2))
    assert result["limitation.general"].due_on == date(2027, 3, 2)
    assert result["limitation.general"].provisional is True


# --- Event-triggered rules ----------------------------------------------------------------------------------
def test_no_trigger_event_no_deadline(rules):
    assert _compute(rules, ["mediation.arb_unlock"], status=S.ASSIGNED) == {}


@pytest.mark.parametrize(
    ("status", "active"),
    [
        (S.ACCEPTED, True),
        (S.IN_MEDIATION, True),
        (S.AGREEMENT_REACHED, False),
        (S.MEDIATION_FAILED, False),
        (S.WITHDRAWN, False),
    ],
)
def test_mediation_deadline_is_counted_only_in_its_states(rules, status, active):
    result = _compute(
        rules, ["mediation.arb_unlock"], status=status, events=[Event("accept", _at(2026, 2, 5))]
    )
    deadline = result["mediation.arb_unlock"]
    assert (deadline.starts_on, deadline.due_on) == (date(2026, 2, 5), date(2026, 2, 24))
    assert deadline.is_active is active


@pytest.mark.parametrize("met_by", ["record_agreement", "record_failure", "refer_to_arbitration"])
def test_mediation_deadline_met(rules, met_by):
    events = [
        Event("accept", _at(2026, 3, 2)),
        Event("start_mediation", _at(2026, 3, 3)),
        Event(met_by, _at(2026, 3, 9)),
    ]
    deadline = _compute(rules, ["mediation.arb_unlock"], status=S.IN_MEDIATION, events=events)[
        "mediation.arb_unlock"
    ]
    assert deadline.met_at == _at(2026, 3, 9)


def test_an_event_before_the_trigger_does_not_meet_it(rules):
    """A later acceptance restarts the period; an outcome recorded before it does not meet the new one."""
    events = [
        Event("accept", _at(2026, 3, 2)),
        Event("record_failure", _at(2026, 3, 5)),
        Event("accept", _at(2026, 3, 20)),
    ]
    deadline = _compute(rules, ["mediation.arb_unlock"], status=S.ACCEPTED, events=events)[
        "mediation.arb_unlock"
    ]
    assert deadline.starts_on == date(2026, 3, 20)
    assert deadline.due_on == date(2026, 4, 7)  # 04-04 is a Saturday (and Qingming 04-04..06): rolled
    assert deadline.met_at is None


def test_arbitration_acceptance_decision_in_working_days(rules):
    events = [Event("refer_to_arbitration", _at(2026, 9, 28))]
    result = _compute(rules, ["arb.acceptance_decision"], status=S.REFERRED_TO_ARBITRATION, events=events)
    deadline = result["arb.acceptance_decision"]
    assert deadline.due_on == date(2026, 10, 10)  # 29, 30, National Day skipped, 10-08, 10-09, 10-10 (Sat)
    assert deadline.is_active


def test_arbitration_award_in_45_calendar_days(rules):
    events = [Event("accept_arbitration", _at(2025, 12, 31))]
    result = _compute(rules, ["arb.award"], status=S.ARBITRATION_ACCEPTED, events=events)
    # 2025-12-31 + 45 = 2026-02-14, a swapped working Saturday: does not roll.
    assert result["arb.award"].due_on == date(2026, 2, 14)


def test_the_local_date_starts_the_period(rules):
    events = [Event("accept", datetime(2026, 3, 1, 17, 0, tzinfo=ZoneInfo("UTC")))]  # 03-02 01:00 in China
    deadline = _compute(rules, ["mediation.arb_unlock"], status=S.ACCEPTED, events=events)[
        "mediation.arb_unlock"
    ]
    assert deadline.starts_on == date(2026, 3, 2)


def test_inactive_rules_are_not_stored(rules):
    """case_deadlines_refresh takes only active rules; switching one off removes its stored deadline."""
    from disputes.models import CaseDeadline
    from disputes.services import case_deadlines_refresh

    from ..factories import case_in_state

    case = case_in_state(S.SUBMITTED, knowledge_date=date(2026, 1, 5), still_employed=False)
    case_deadlines_refresh(case=case)
    assert CaseDeadline.objects.filter(case=case, rule__code="limitation.general").exists()
    DeadlineRule.objects.filter(code="limitation.general").update(is_active=False)
    case_deadlines_refresh(case=case)
    assert not CaseDeadline.objects.filter(case=case, rule__code="limitation.general").exists()


# --- How a deadline is shown --------------------------------------------------------------------------------
def _deadline(due_on, *, met_at=None, is_active=True):
    return SimpleNamespace(due_on=due_on, met_at=met_at, is_active=is_active)


@pytest.mark.parametrize(
    ("deadline", "code", "label"),
    [
        (_deadline(date(2026, 3, 1), met_at=_at(2026, 2, 28)), "met", "已完成"),
        (_deadline(date(2026, 3, 1), met_at=_at(2026, 2, 28), is_active=False), "met", "已完成"),
        (_deadline(date(2026, 3, 1), is_active=False), "inactive", "不再计算"),
        (_deadline(date(2026, 3, 9)), "overdue", "已超期 1 天"),
        (_deadline(date(2026, 3, 1)), "overdue", "已超期 9 天"),
        (_deadline(date(2026, 3, 10)), "due_soon", "今天到期"),
        (_deadline(date(2026, 3, 11)), "due_soon", "1 天内到期"),
        (_deadline(date(2026, 3, 13)), "due_soon", "3 天内到期"),
        (_deadline(date(2026, 3, 14)), "open", "还有 4 天"),
        (_deadline(date(2026, 4, 9)), "open", "还有 30 天"),
    ],
)
def test_deadline_state(deadline, code, label):
    assert deadline_state(deadline, today=TODAY) == (code, label)
