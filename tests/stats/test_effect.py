"""The case effect keeps the summary tables current inside each case change's transaction: a transition shows in
the figures at once, a change that rolls back leaves them untouched, and history events that change nothing the
figures read cost nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from disputes.services import case_event_record, case_transition
from stats.models import CaseSnapshot, Fact

pytestmark = pytest.mark.django_db


def summary(user, **params) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    params.setdefault("from", "2000-01-01")
    body = client.get("/api/v1/stats/summary/", params).json()
    return {f["code"]: f["value"] for f in body["figures"]}


@override_settings(STATS_MIN_CELL=1)
def test_each_transition_shows_at_once(town):
    official, root = town.directory.staff["official"], town.root
    case = town.cases.b[0]
    before = summary(official)
    case_transition(case_id=case.pk, name="accept", actor=root, announce=False)
    after = summary(official)
    assert after["accepted"] == before["accepted"] + 1
    assert after["received"] == before["received"]

    case_transition(case_id=case.pk, name="start_mediation", actor=root, announce=False)
    case_transition(
        case_id=case.pk, name="record_agreement", actor=root, payload={"amount_agreed": Decimal("2500")},
        announce=False,
    )  # fmt: skip
    now = summary(official)
    assert now["mediated"] == before["mediated"] + 1
    assert now["mediation_agreed"] == before["mediation_agreed"] + 1
    assert now["agreed"] == before["agreed"] + 2500

    case_transition(
        case_id=case.pk, name="record_fulfilment", actor=root, payload={"amount_paid": Decimal("2400")},
        announce=False,
    )  # fmt: skip
    case_transition(case_id=case.pk, name="close", actor=root, announce=False)
    closed = summary(official)
    assert closed["recovered"] == before["recovered"] + 2400 and closed["paid"] == before["paid"] + 1
    assert closed["concluded_closed"] == before["concluded_closed"] + 1
    assert closed["in_progress"] == before["in_progress"] - 1
    assert closed["median_days"] is not None


@override_settings(STATS_MIN_CELL=1)
def test_a_transfer_moves_the_case_between_stations(town):
    official, root = town.directory.staff["official"], town.root
    fresh = town.seeder.case(town.today - timedelta(days=1), station="station-a")
    a_before = summary(official, station="station-a")["received"]
    b_before = summary(official, station="station-b")["received"]
    case_transition(case_id=fresh.pk, name="transfer", actor=root, payload={"station": town.directory.other},
                    announce=False)  # fmt: skip
    assert summary(official, station="station-a")["received"] == a_before - 1
    assert summary(official, station="station-b")["received"] == b_before + 1


@override_settings(STATS_MIN_CELL=1)
def test_a_change_that_rolls_back_leaves_the_figures_alone(town):
    official, root = town.directory.staff["official"], town.root
    case = town.cases.b[1]
    before = summary(official)
    facts = list(Fact.objects.order_by("pk").values_list("pk", "accepted"))
    with pytest.raises(RuntimeError), transaction.atomic():
        case_transition(case_id=case.pk, name="accept", actor=root, announce=False)
        assert summary(official)["accepted"] == before["accepted"] + 1  # inside: counted
        raise RuntimeError("the rest of the action failed")
    assert summary(official) == before
    assert list(Fact.objects.order_by("pk").values_list("pk", "accepted")) == facts


def test_history_events_that_change_no_figure_cost_no_query(town):
    case = town.cases.a[0]
    snapshot = CaseSnapshot.objects.get(case_id=case.pk)
    with CaptureQueriesContext(connection) as ctx:
        case_event_record(case_id=case.pk, name="add_evidence", actor=town.root, note="补充工资条")
    assert not [q for q in ctx.captured_queries if "stats_" in q["sql"]]
    assert CaseSnapshot.objects.get(case_id=case.pk) == snapshot


def test_a_new_case_is_counted_on_the_day_it_is_filed(town):
    official = town.directory.staff["official"]
    today = timezone.localdate()
    with override_settings(STATS_MIN_CELL=1):
        before = summary(official, **{"from": today.isoformat(), "to": today.isoformat()})["received"]
        town.seeder.case(today, station="station-b", industry="food_delivery")
        after = summary(official, **{"from": today.isoformat(), "to": today.isoformat()})["received"]
    assert after == before + 1
