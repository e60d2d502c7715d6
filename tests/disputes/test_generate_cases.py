"""``generate_cases``: synthetic cases loaded with COPY (PostgreSQL only). No timing is asserted here."""

from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from disputes import synthetic
from disputes.history_chain import verify_cases
from disputes.models import Case, CaseEvent, Claim
from disputes.permissions import WORKER
from disputes.pii import decrypt, keyed_hash
from disputes.services import TRACKING_ALPHABET, ClaimInput, case_check_pin, case_create, transition_names
from disputes.states import OPEN_STATES, TERMINAL_STATES, CaseStatus
from disputes.validators import validate_id_number

pytestmark = pytest.mark.postgres

COUNT = 2_000


@pytest.fixture
def generated(postgres):
    return synthetic.generate_cases(count=COUNT, seed=7, batch_size=700)


def test_counts(generated):
    assert generated.cases == COUNT == Case.objects.count()
    assert generated.claims == Claim.objects.count() >= COUNT
    assert generated.events == CaseEvent.objects.count() > COUNT
    assert not Case.objects.filter(claims=None).exists()


def test_every_history_chains_from_submit_to_the_status(generated):
    names = set(transition_names())
    events = defaultdict(list)
    for case_id, transition, from_state, to_state, at, announce in CaseEvent.objects.order_by(
        "case_id", "created_at", "id"
    ).values_list("case_id", "transition", "from_state", "to_state", "created_at", "announce"):
        events[case_id].append((transition, from_state, to_state, at, announce))
    now = timezone.now()
    for case in Case.objects.only("id", "status", "created_at", "updated_at", "closed_at"):
        history = events[case.pk]
        assert history[0][:3] == ("submit", "", CaseStatus.SUBMITTED), case.pk
        assert history[0][3] == case.created_at
        for before, after in zip(history, history[1:], strict=False):
            assert after[0] in names
            assert after[1] == before[2], (case.pk, history)  # each step starts where the last one ended
            assert after[3] > before[3]  # strictly later
        assert history[-1][2] == case.status
        assert history[-1][3] == case.updated_at <= now
        assert not any(e[4] for e in history)  # made-up history is never announced
        if case.status in TERMINAL_STATES:
            assert case.closed_at == history[-1][3]
        else:
            assert case.closed_at is None


def test_every_history_is_a_valid_hash_chain(generated):
    report = verify_cases()
    assert report.cases == COUNT
    assert report.breaks == []
    assert not CaseEvent.objects.filter(hash="").exists()


def test_fields_follow_the_path(generated):
    for case in Case.objects.exclude(status__in=[CaseStatus.SUBMITTED]).only("station_id", "status"):
        assert case.station_id is not None or case.status in (
            CaseStatus.REFERRED_TO_ARBITRATION,
            CaseStatus.ARBITRATION_ACCEPTED,
            CaseStatus.CLOSED,
            CaseStatus.WITHDRAWN,
        )
    agreed = Case.objects.filter(status__in=[CaseStatus.AGREEMENT_REACHED, CaseStatus.FULFILLED])
    assert agreed.exists()
    assert not agreed.filter(amount_agreed=None).exists()
    fulfilled = Case.objects.filter(status=CaseStatus.FULFILLED)
    assert all(c.amount_paid == c.amount_agreed for c in fulfilled.only("amount_paid", "amount_agreed"))
    assert Case.objects.filter(status=CaseStatus.CLOSED).count() > COUNT / 3  # three years: most have ended
    assert Case.objects.filter(status__in=OPEN_STATES).exists()


def test_agreements_instalments_and_payments_agree_with_the_cases(generated):
    """Every case whose history records an agreement has exactly that agreement, in force since then, for the
    amount agreed, with a schedule for the total and the payment the case records; no other case has one; and
    paid <= agreed <= claimed throughout."""
    from mediation.models import Agreement, AgreementItem, Instalment, Payment
    from mediation.states import AgreementStatus

    agreed_at = dict(
        CaseEvent.objects.filter(transition=synthetic.AGREEMENT_EVENT)
        .order_by("case_id", "created_at")
        .values_list("case_id", "created_at")
    )
    paid_at = {}
    for case_id, at in (
        CaseEvent.objects.filter(transition__in=synthetic.PAYMENT_EVENTS)
        .order_by("-created_at")
        .values_list("case_id", "created_at")
    ):
        paid_at[case_id] = at  # the first one
    cases = {
        c.pk: c for c in Case.objects.only("amount_claimed", "amount_agreed", "amount_paid", "mediator_id")
    }
    agreements = {a.case_id: a for a in Agreement.objects.all()}
    assert len(agreements) == Agreement.objects.count() == generated.mediation.agreements > 0
    assert set(agreements) == {pk for pk, c in cases.items() if c.amount_agreed} == set(agreed_at)
    instalments = {i.agreement_id: i for i in Instalment.objects.all()}
    items = {i.agreement_id: i for i in AgreementItem.objects.all()}
    payments = defaultdict(list)
    for payment in Payment.objects.all():
        payments[payment.agreement_id].append(payment)
    assert len(instalments) == Instalment.objects.count() == generated.mediation.instalments
    assert sum(map(len, payments.values())) == generated.mediation.payments > 0
    for case_id, agreement in agreements.items():
        case = cases[case_id]
        assert 0 < case.amount_agreed <= case.amount_claimed
        assert agreement.status == AgreementStatus.EFFECTIVE and agreement.fully_signed
        assert agreement.total == case.amount_agreed == items[agreement.pk].amount
        assert agreement.effective_at == agreed_at[case_id]
        assert (
            agreement.created_at
            < agreement.submitted_at
            < agreement.worker_signed_at
            <= agreement.effective_at
        )
        assert agreement.number == f"TJ-{timezone.localtime(agreement.created_at).year}-{agreement.pk:06d}"
        assert agreement.created_by_id == (case.mediator_id or agreement.created_by_id)
        instalment = instalments[agreement.pk]
        assert instalment.amount == agreement.total and instalment.sequence == 1
        made = payments.get(agreement.pk, [])
        assert instalment.paid_amount == sum((p.amount for p in made), 0)
        assert instalment.paid_amount <= case.amount_paid <= agreement.total
        if case.amount_paid and case_id in paid_at:
            assert len(made) == 1 and made[0].amount == case.amount_paid
            assert made[0].created_at == paid_at[case_id] > agreement.effective_at
            assert made[0].instalment_id == instalment.pk
        expected = "paid" if instalment.paid_amount == instalment.amount else "partial" if made else "pending"
        assert instalment.status == expected
    assert not Case.objects.filter(amount_agreed=None, amount_paid__gt=0).exists()


def test_spread_over_three_years_stations_industries_channels(generated):
    now = timezone.now()
    oldest = Case.objects.order_by("created_at").values_list("created_at", flat=True).first()
    assert now - timedelta(days=3 * 365 + 2) <= oldest < now - timedelta(days=2 * 365)
    assert Case.objects.values("station").distinct().count() >= 8
    assert Case.objects.values("industry").distinct().count() == 7
    assert Case.objects.values("channel").distinct().count() == 8
    ids = list(Case.objects.order_by("created_at").values_list("id", flat=True))
    assert ids == sorted(ids)  # ids follow filing time, as on a live system


def test_people_decrypt_and_match_their_hashes(generated):
    cases = list(Case.objects.order_by("?")[:200])
    for case in cases:
        assert len(case.worker_id_number) == 18
        assert keyed_hash(case.worker_id_number) == case.worker_id_hash
        assert keyed_hash(case.worker_phone) == case.worker_phone_hash
        validate_id_number(case.worker_id_number)  # a well-formed number, check digit included
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute(
            "SELECT worker_id_number, worker_phone FROM disputes_case WHERE id = %s", [cases[0].pk]
        )
        raw_id, raw_phone = cursor.fetchone()
    assert raw_id != cases[0].worker_id_number and decrypt(raw_id) == cases[0].worker_id_number
    assert decrypt(raw_phone) == cases[0].worker_phone
    # Workers file several cases: the related-case checks have something to find.
    workers = Case.objects.values("worker_id_hash").distinct().count()
    assert workers < COUNT


def test_tracking_codes_unique_and_never_a_live_code(generated):
    codes = list(Case.objects.values_list("tracking_code", flat=True))
    assert len(set(codes)) == len(codes)
    for code in codes[:50]:
        assert code[0] == "L" and "L" not in TRACKING_ALPHABET
        assert len(code) == 9 and code[4] == "-"
    case = Case.objects.first()
    assert not case_check_pin(case=case, pin="000000")


def test_sequence_advanced_so_a_normal_filing_still_works(generated):
    highest = Case.objects.order_by("-id").values_list("id", flat=True).first()
    case, pin = case_create(
        actor=WORKER,
        worker_name="张三",
        worker_id_number="11010519491231002X",
        worker_phone="13800138000",
        employer_name="某某快递有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=None)],
        facts="拖欠工资。",
        announce=False,
    )
    assert case.pk > highest
    assert case.tracking_code[0] != "L"
    assert case_check_pin(case=case, pin=pin)


def test_same_seed_same_cases(postgres):
    now = timezone.now()
    first = synthetic.generate_cases(count=50, seed=3, now=now)
    a = list(
        Case.objects.filter(pk__gte=first.first_id)
        .order_by("pk")
        .values_list("status", "worker_id_hash", "employer_name", "amount_claimed", "created_at")
    )
    second = synthetic.generate_cases(count=50, seed=3, now=now)
    b = list(
        Case.objects.filter(pk__gte=second.first_id)
        .order_by("pk")
        .values_list("status", "worker_id_hash", "employer_name", "amount_claimed", "created_at")
    )
    assert a == b


def test_command(postgres):
    """Loads, then rebuilds the statistics' summary tables from the loaded cases (timed apart)."""
    from stats.models import CaseSnapshot, Fact

    out = StringIO()
    call_command("generate_cases", "--count", "30", "--seed", "1", stdout=out)
    assert "Loaded 30 cases" in out.getvalue()
    assert "statistics rebuilt in" in out.getvalue()
    assert Case.objects.count() == 30 == CaseSnapshot.objects.count()
    assert Fact.objects.exists()


def test_command_without_stats(postgres):
    from stats.models import CaseSnapshot

    out = StringIO()
    call_command("generate_cases", "--count", "30", "--seed", "1", "--no-stats", stdout=out)
    assert Case.objects.count() == 30 and not CaseSnapshot.objects.exists()
    assert "statistics rebuilt" not in out.getvalue()


def test_command_refuses_without_postgresql(postgres, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_cases", "--count", "5")


def _schema():
    """Every index and constraint of the tables the bulk load drops and rebuilds them on."""
    tables = list(synthetic.TABLES) + [m._meta.db_table for m in synthetic.mediation_models()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) UNION ALL "
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [tables, tables],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_bulk_load_outside_a_transaction_keeps_indexes_and_foreign_keys(postgres):
    """Committed batches on a second connection (the threaded path), and bulk mode puts back every index and
    foreign key it dropped."""
    before = _schema()
    plain = synthetic.generate_cases(count=300, seed=1, batch_size=100)
    bulk = synthetic.generate_cases(count=300, seed=2, batch_size=100, bulk=True)
    assert _schema() == before
    assert Case.objects.count() == 600
    assert bulk.first_id == plain.first_id + 300
    assert bulk.index_timings  # the rebuild ran
    assert any("mediation_agreement" in statement for statement, _seconds in bulk.index_timings)
    assert plain.mediation.agreements > 0 and bulk.mediation.agreements > 0
    from mediation.models import Agreement

    assert Agreement.objects.count() == plain.mediation.agreements + bulk.mediation.agreements


@pytest.mark.django_db(transaction=True)
def test_bulk_load_that_fails_leaves_nothing(postgres, monkeypatch):
    before = _schema()
    calls = {"n": 0}
    real = synthetic._tracking_code

    def failing(case_id):
        calls["n"] += 1
        if calls["n"] == 250:
            raise RuntimeError("boom")
        return real(case_id)

    monkeypatch.setattr(synthetic, "_tracking_code", failing)
    with pytest.raises(RuntimeError, match="boom"):
        synthetic.generate_cases(count=400, seed=1, batch_size=100, bulk=True)
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0
    from mediation.models import Agreement

    assert not Agreement.objects.exists()
    assert _schema() == before
