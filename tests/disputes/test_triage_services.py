"""disputes.triage services: auto-triage right after intake (recorded with the rule), re-routing when the
facts are corrected, and the acceptance alarm (once per case per day, to the station's staff)."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Min
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.exceptions import TransitionConflict
from disputes.history_chain import GENESIS, verify_case_chain
from disputes.intake.forms import ClaimForm
from disputes.intake.services import intake_receipt_answer, intake_submit
from disputes.models import Case, CaseDeadline, CaseEvent, DeadlineRule, IntakeReceipt, RoutingRule
from disputes.permissions import SYSTEM, WORKER
from disputes.selectors import case_list_visible_to
from disputes.services import case_deadlines_refresh, case_transition
from disputes.states import ActorKind, CaseStatus
from disputes.triage import acceptance_overdue_alerts, case_routing_correct, case_triage_auto
from organizations.states import OrgType
from referrals.models import Notification
from referrals.services import case_event_dispatch
from stats.models import CaseSnapshot

from ..factories import OrganizationFactory, case_in_state, make_staff

pytestmark = pytest.mark.django_db
S = CaseStatus

# The acceptance rules the migration 0009 seeds (disputes.triage.ACCEPTANCE_RULE_PREFIX): one rule per event
# that puts a case in front of a station, because the engine starts a rule from the last event of its trigger.
_MET = ["accept", "reject", "transfer", "dispatch_to_branch", "move_to_government_station"]
ACCEPTANCE_RULES = [
    {"code": "station.acceptance", "trigger": "triage", "met_by": _MET},
    {
        "code": "station.acceptance.transfer",
        "trigger": "transfer",
        "met_by": [n for n in _MET if n != "transfer"],
    },
    {
        "code": "station.acceptance.dispatch",
        "trigger": "dispatch_to_branch",
        "met_by": [n for n in _MET if n != "dispatch_to_branch"],
    },
    {
        "code": "station.acceptance.move",
        "trigger": "move_to_government_station",
        "met_by": [n for n in _MET if n != "move_to_government_station"],
    },
]


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


ACCEPTANCE_DEFAULTS = {
    "name": "调解组织受理期限（三个工作日）",
    "worker_text": "调解组织应在三个工作日内决定是否受理您的申请",
    "source": "本平台分流工作规范（非法定期限）",
    "source_status": "unverified",
    "period_days": 3,
    "day_type": "working",
    "active_states": ["assigned"],
}


@pytest.fixture
def acceptance_rules(db):
    """The seeded rules, set to exactly what these tests assume (an official may have edited a seeded row)."""
    return [
        DeadlineRule.objects.update_or_create(
            code=row["code"], defaults={**ACCEPTANCE_DEFAULTS, **row, "is_active": True}
        )[0]
        for row in ACCEPTANCE_RULES
    ]


def test_the_migration_seeds_the_acceptance_rules(db):
    seeded = {r.code: r for r in DeadlineRule.objects.filter(code__startswith="station.acceptance")}
    assert set(seeded) == {row["code"] for row in ACCEPTANCE_RULES}
    for row in ACCEPTANCE_RULES:
        rule = seeded[row["code"]]
        assert rule.is_active and rule.trigger == row["trigger"]
        assert sorted(rule.met_by) == sorted(row["met_by"])
        for field, value in ACCEPTANCE_DEFAULTS.items():
            assert getattr(rule, field) == value, (row["code"], field)


@pytest.fixture
def gov(directory):
    return OrganizationFactory(
        code="gov-city",
        name="示范市新业态劳动纠纷调解站",
        region=directory.city,
        type=OrgType.GOVERNMENT_STATION,
        industry="",
    )


def admin_of(station):
    return make_staff(org=station, role="station_admin", username=f"admin_{station.code}")


def cleaned(**overrides) -> dict:
    data = {
        "worker_name": "张伟",
        "worker_id_number": "330302199001011235",
        "worker_phone": "13957712345",
        "employer_name": "温州市顺达速运有限公司",
        "industry": "express_delivery",
        "categories": ["wages"],
        "amount_claimed": "8000",
        "facts": "工资两个月没有发。",
        "consent": True,
    }
    data.update(overrides)
    form = ClaimForm(data={k: v for k, v in data.items() if v is not None})
    assert form.is_valid(), form.errors
    return form.cleaned_data


def file(claim, **kwargs):
    return intake_submit(claim=claim, actor=WORKER, amounts={c: None for c in claim["categories"]}, **kwargs)


def triage_event(case_id) -> CaseEvent:
    return CaseEvent.objects.get(case_id=case_id, transition="triage")


# --- What a routed filing writes ---------------------------------------------------------------------------
def test_a_routed_filing_is_consistent_and_takes_a_bounded_number_of_queries(
    directory, gov, django_assert_max_num_queries
):
    """The filing writes what it knows without reading it back (the first chain link, the deadlines and the
    nearest due date, the case triage routes, the statistics snapshot); all of it agrees with what is stored."""
    RoutingRule.objects.create(name="全部到政府站", target=gov, priority=1)
    with django_assert_max_num_queries(MAX_FILING_QUERIES):
        [filed] = file(cleaned())
    case = Case.objects.get(pk=filed.case_id)
    assert case.status == S.ASSIGNED and case.station == gov
    submit, triage = CaseEvent.objects.filter(case=case).order_by("id")
    assert (submit.transition, triage.transition) == ("submit", "triage")
    assert submit.prev_hash == GENESIS and triage.prev_hash == submit.hash
    assert verify_case_chain(case.pk) == []
    open_due = CaseDeadline.objects.filter(case=case, is_active=True, met_at__isnull=True).aggregate(
        due=Min("due_on")
    )["due"]
    assert open_due is not None and case.next_due_on == open_due
    snapshot = CaseSnapshot.objects.get(case_id=case.pk)
    assert (snapshot.station_id, snapshot.received_on) == (gov.pk, timezone.localdate())


# What the filing took when this test was written, savepoints included (the API adds the notices' reads): a
# regression guard, to be lowered when a query goes, never raised without knowing why.
MAX_FILING_QUERIES = 37


def test_refreshing_deadlines_that_did_not_change_writes_nothing(directory, gov):
    RoutingRule.objects.create(name="全部到政府站", target=gov, priority=1)
    [filed] = file(cleaned())
    case = Case.objects.get(pk=filed.case_id)
    before = list(CaseDeadline.objects.filter(case=case).order_by("rule_id").values())
    with CaptureQueriesContext(connection) as queries:
        rows = case_deadlines_refresh(case=case)
    written = [
        q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert written == []
    assert sorted(row.rule_id for row in rows) == [row["rule_id"] for row in before]
    assert list(CaseDeadline.objects.filter(case=case).order_by("rule_id").values()) == before


# --- Auto-triage at intake ---------------------------------------------------------------------------------
def test_the_workers_choice_is_honoured_at_intake_and_recorded(directory, gov):
    RoutingRule.objects.create(name="全部到政府站", target=gov, priority=1)
    [filed] = file(cleaned(station="station-a"))
    case = Case.objects.get(pk=filed.case_id)
    assert case.status == S.ASSIGNED and case.station == directory.station
    assert filed.status == S.ASSIGNED
    event = triage_event(case.pk)
    assert event.actor_kind == ActorKind.SYSTEM and event.note == "劳动者选择"
    assert event.payload == {"station": "station-a", "rule": None}


def test_a_rule_routes_a_claim_without_a_choice_and_the_history_names_the_rule(directory, gov):
    rule = RoutingRule.objects.create(name="北区欠薪", target=gov, categories=["wages"])
    rule.regions.set([directory.north])
    [filed] = file(cleaned(region="north"))
    case = Case.objects.get(pk=filed.case_id)
    assert case.status == S.ASSIGNED and case.station == gov
    event = triage_event(case.pk)
    assert event.note == "北区欠薪" and event.payload == {"station": "gov-city", "rule": rule.pk}
    assert event.from_state == S.SUBMITTED and event.to_state == S.ASSIGNED


def test_intake_routes_a_case_by_the_facts_it_would_read_back(directory, gov):
    """Intake routes the case it has just created as it is in memory; the facts are the ones routing reads from
    the stored case (the worker's choice from the submit event, the categories from the claims)."""
    from disputes.services import ClaimInput, case_create
    from disputes.triage import routing_facts_for

    case, _pin = case_create(
        actor=WORKER,
        worker_name="张伟",
        worker_id_number="330302199001011235",
        worker_phone="13957712345",
        employer_name="温州市顺达速运有限公司",
        industry="express_delivery",
        claims=[ClaimInput("wages", None), ClaimInput("overtime", None)],
        facts="工资两个月没有发。",
        station=directory.station,
        region=directory.north,
        services=["legal_aid"],
        amount_claimed=Decimal("8000"),
        announce=False,
    )
    in_memory = routing_facts_for(case, filed_categories=["wages", "overtime"])
    assert in_memory == routing_facts_for(Case.objects.get(pk=case.pk))


def test_rules_without_regions_are_read_in_one_query(directory, gov, django_assert_num_queries):
    from disputes.triage import active_rules

    RoutingRule.objects.create(name="兜底", target=gov, is_fallback=True)
    with django_assert_num_queries(1):
        [rule] = active_rules()
    assert not rule.has_regions
    regional = RoutingRule.objects.create(name="北区", target=gov)
    regional.regions.set([directory.north])
    with django_assert_num_queries(2):  # the rules, then the regions of the one that names some
        rules = active_rules()
    assert [r.name for r in rules] == ["北区", "兜底"]
    assert [r.pk for r in rules[0].regions.all()] == [directory.north.pk]


def test_the_receipt_answers_with_the_state_after_triage(directory, gov):
    RoutingRule.objects.create(name="兜底", target=gov, is_fallback=True)
    filed = file(cleaned(), idempotency_key="k-1")
    assert [f.status for f in filed] == [S.ASSIGNED]
    assert [f.status for f in intake_receipt_answer(key="k-1")] == [S.ASSIGNED]
    assert IntakeReceipt.objects.get(key="k-1").case_ids == [filed[0].case_id]


def test_an_overridden_choice_goes_where_the_rules_say(directory, gov):
    RoutingRule.objects.create(name="兜底", target=gov, is_fallback=True)
    # station-b is a food-delivery station: it cannot take an express-delivery claim.
    [filed] = file(cleaned(station="station-b"))
    case = Case.objects.get(pk=filed.case_id)
    assert case.station == gov and triage_event(case.pk).note == "兜底"


def test_nothing_matching_leaves_the_case_submitted_for_officials_and_clerks(directory):
    [filed] = file(cleaned(region="south"), intake_org=directory.station)
    case = Case.objects.get(pk=filed.case_id)
    assert case.status == S.SUBMITTED and case.station is None and filed.status == S.SUBMITTED
    assert not CaseEvent.objects.filter(case=case, transition="triage").exists()
    assert case_list_visible_to(user=directory.staff["official"]).filter(pk=case.pk).exists()
    assert case_list_visible_to(user=directory.staff["intake_clerk"]).filter(pk=case.pk).exists()


def test_every_case_of_a_collective_filing_is_triaged(directory, gov):
    RoutingRule.objects.create(name="集体申请到政府站", target=gov, collective="yes")
    coworker = {
        "worker_name": "李娜",
        "worker_id_number": "330302198505055675",
        "worker_phone": "13957700001",
        "amount_claimed": Decimal("5000.00"),
        "is_representative": False,
    }
    filed = file(cleaned(), coworkers=[coworker])
    assert {Case.objects.get(pk=f.case_id).station for f in filed} == {gov}
    assert [f.status for f in filed] == [S.ASSIGNED, S.ASSIGNED]


def test_auto_triage_leaves_a_case_that_is_no_longer_submitted_alone(directory, gov):
    RoutingRule.objects.create(name="兜底", target=gov, is_fallback=True)
    case = case_in_state(S.ASSIGNED, station=directory.station)
    assert case_triage_auto(case_id=case.pk).station == directory.station
    assert not CaseEvent.objects.filter(case=case).exists()


# --- Re-routing on correction --------------------------------------------------------------------------------
@pytest.fixture
def food_rule(directory):
    return RoutingRule.objects.create(
        name="外卖配送到南区站", target=directory.other, industries=["food_delivery"]
    )


def test_correcting_the_industry_transfers_an_assigned_case_with_the_rule_in_the_note(
    directory, gov, food_rule
):
    RoutingRule.objects.create(name="兜底", target=gov, is_fallback=True)
    [filed] = file(cleaned(industry="construction"))
    assert Case.objects.get(pk=filed.case_id).station == gov
    case = case_routing_correct(
        case_id=filed.case_id, actor=admin_of(gov), industry="food_delivery", note="实为外卖骑手"
    )
    assert case.status == S.ASSIGNED and case.station == directory.other
    correction = CaseEvent.objects.get(case=case, transition="routing_correct")
    assert correction.payload == {"industry": ["construction", "food_delivery"]}
    assert correction.note == "实为外卖骑手" and correction.actor_kind == ActorKind.STAFF
    transfer = CaseEvent.objects.get(case=case, transition="transfer")
    assert transfer.actor_kind == ActorKind.SYSTEM and "外卖配送到南区站" in transfer.note
    assert transfer.payload == {"station": "station-b"}


def test_a_correction_that_does_not_change_the_answer_moves_nothing(directory, gov, food_rule):
    RoutingRule.objects.create(name="兜底", target=gov, is_fallback=True)
    [filed] = file(cleaned(industry="construction"))
    case = case_routing_correct(
        case_id=filed.case_id, actor=admin_of(gov), industry="manufacturing", note="制造业"
    )
    assert case.station == gov
    assert not CaseEvent.objects.filter(case=case, transition="transfer").exists()


def test_a_person_s_transfer_is_not_undone_by_an_unrelated_correction(directory, gov, food_rule):
    RoutingRule.objects.create(name="兜底", target=gov, is_fallback=True)
    [filed] = file(cleaned(industry="construction"))
    admin = admin_of(gov)
    case_transition(
        case_id=filed.case_id, name="transfer", actor=admin, payload={"station": directory.station}
    )
    clerk = directory.staff["intake_clerk"]  # of station-a, where the case now is
    case = case_routing_correct(
        case_id=filed.case_id, actor=clerk, categories=["wages", "overtime"], note="补类别"
    )
    assert case.station == directory.station
    assert sorted(case.claims.values_list("category", flat=True)) == ["overtime", "wages"]


def test_correcting_the_region_reroutes_a_submitted_case(directory, gov):
    north_rule = RoutingRule.objects.create(name="北区到人民调解", target=gov)
    north_rule.regions.set([directory.north])
    [filed] = file(cleaned(region="south"), intake_org=directory.station)
    assert Case.objects.get(pk=filed.case_id).status == S.SUBMITTED
    case = case_routing_correct(
        case_id=filed.case_id, actor=directory.staff["intake_clerk"], region=directory.north, note="地址填错"
    )
    assert case.status == S.ASSIGNED and case.station == gov
    assert triage_event(case.pk).note == "北区到人民调解"
    assert CaseEvent.objects.get(case=case, transition="routing_correct").payload == {
        "region": ["south", "north"]
    }


def test_an_accepted_case_is_corrected_but_not_moved(directory, gov, food_rule):
    case = case_in_state(S.ACCEPTED, station=directory.station)
    case = case_routing_correct(
        case_id=case.pk, actor=directory.staff["mediator"], industry="food_delivery", note="更正"
    )
    assert case.industry == "food_delivery" and case.station == directory.station


def test_correction_refusals(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    with pytest.raises(PermissionDenied):
        case_routing_correct(case_id=case.pk, actor=directory.staff["other_admin"], industry="other")
    with pytest.raises(PermissionDenied):
        case_routing_correct(case_id=case.pk, actor=directory.staff["official"], industry="other")
    with pytest.raises(ValidationError):
        case_routing_correct(case_id=case.pk, actor=directory.staff["mediator"], industry=case.industry)
    with pytest.raises(ValidationError):
        case_routing_correct(case_id=case.pk, actor=directory.staff["mediator"], categories=[])
    closed = case_in_state(S.WITHDRAWN, station=directory.station)
    with pytest.raises(TransitionConflict):
        case_routing_correct(case_id=closed.pk, actor=directory.staff["mediator"], industry="other")
    assert not CaseEvent.objects.exists()


def test_the_admin_correction_page(client, directory, gov, food_rule):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    client.force_login(directory.staff["station_admin"])
    url = f"/admin/disputes/routingrule/case/{case.pk}/correct/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"industry": "food_delivery", "region": case.region_id, "categories": ["wages"], "note": "更正行业"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.industry == "food_delivery" and case.station == directory.other
    client.force_login(directory.staff["other_mediator"])  # now at station-b: may see it
    other = case_in_state(S.ASSIGNED, station=directory.station)
    assert client.get(f"/admin/disputes/routingrule/case/{other.pk}/correct/").status_code == 404


# --- The acceptance alarm ------------------------------------------------------------------------------------
def test_the_acceptance_deadline_runs_from_triage_and_is_met_by_acceptance(directory, acceptance_rules):
    [filed] = file(cleaned(station="station-a"))
    deadline = CaseDeadline.objects.get(case_id=filed.case_id, rule__code="station.acceptance")
    assert deadline.starts_on == timezone.localdate() and deadline.is_active and deadline.met_at is None
    assert (deadline.due_on - deadline.starts_on).days >= 3
    case_transition(case_id=filed.case_id, name="accept", actor=directory.staff["station_admin"])
    deadline.refresh_from_db()
    assert deadline.met_at is not None


def test_a_transfer_restarts_the_clock_at_the_new_station(directory, acceptance_rules):
    [filed] = file(cleaned(station="station-a"))
    case_transition(
        case_id=filed.case_id,
        name="transfer",
        actor=directory.staff["station_admin"],
        payload={"station": directory.other},
    )
    rows = {d.rule.code: d for d in CaseDeadline.objects.filter(case_id=filed.case_id).select_related("rule")}
    assert rows["station.acceptance"].met_at is not None
    assert (
        rows["station.acceptance.transfer"].met_at is None and rows["station.acceptance.transfer"].is_active
    )


def test_an_overdue_acceptance_alerts_the_station_once_a_day(directory, acceptance_rules):
    [filed] = file(cleaned(station="station-a"))
    due = CaseDeadline.objects.get(case_id=filed.case_id, rule__code="station.acceptance").due_on
    assert acceptance_overdue_alerts(today=due) == []  # due today is not yet overdue
    day_after = due + timedelta(days=1)
    assert acceptance_overdue_alerts(today=day_after) == [filed.case_id]
    assert acceptance_overdue_alerts(today=day_after) == []  # once per day
    assert acceptance_overdue_alerts(today=day_after + timedelta(days=1)) == [filed.case_id]
    events = CaseEvent.objects.filter(case_id=filed.case_id, transition="acceptance_overdue").order_by("id")
    assert [e.payload["day"] for e in events] == [
        day_after.isoformat(),
        (day_after + timedelta(days=1)).isoformat(),
    ]
    assert events[0].actor_kind == ActorKind.SYSTEM and events[0].to_state == S.ASSIGNED
    assert events[0].payload["station"] == "station-a" and due.isoformat() in events[0].note

    case_event_dispatch(event_id=events[0].pk)
    recipients = set(Notification.objects.filter(event=events[0]).values_list("recipient_user_id", flat=True))
    assert directory.staff["station_admin"].pk in recipients


def test_an_accepted_or_returned_case_raises_no_alarm(directory, acceptance_rules):
    [accepted] = file(cleaned(station="station-a"))
    [returned] = file(cleaned(station="station-a", worker_id_number="330302198505055675"))
    admin = directory.staff["station_admin"]
    case_transition(case_id=accepted.case_id, name="accept", actor=admin)
    case_transition(case_id=returned.case_id, name="reject", actor=admin, payload={"reason": "重复申请"})
    far = timezone.localdate() + timedelta(days=30)
    assert acceptance_overdue_alerts(today=far) == []


def test_the_beat_task_runs_the_sweep(directory, acceptance_rules, settings):
    from disputes.tasks import acceptance_overdue_alerts_task

    assert "disputes.acceptance_overdue_alerts" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert acceptance_overdue_alerts_task() == []


def test_the_system_cannot_do_anything_else_at_the_station(directory):
    case = case_in_state(S.ASSIGNED, station=directory.station)
    for name in ("accept", "reject", "dispatch_to_branch"):
        with pytest.raises(PermissionDenied):
            case_transition(case_id=case.pk, name=name, actor=SYSTEM, payload={})
