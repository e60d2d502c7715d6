"""The tamper-evident case history (disputes.history_chain): every event linked to the one before it, evidence hashes
in the chain, the ``verify_history`` command finding a row changed behind the application's back (raw SQL), and the
one sanctioned change, the retention redaction, keeping the chain intact."""

import importlib
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from PIL import Image

from disputes.evidence import evidence_check
from disputes.history_chain import (
    GENESIS,
    content_digest,
    event_hash,
    events_redact,
    verify_case_chain,
    verify_cases,
)
from disputes.models import CaseEvent, Evidence
from disputes.permissions import WORKER
from disputes.services import ClaimInput, case_create, case_event_record, case_transition
from disputes.states import ActorKind
from disputes.tracking import tracking_evidence_add

pytestmark = pytest.mark.django_db


def _photo(colour=(10, 120, 200)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return SimpleUploadedFile("工资条.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def case(directory):
    case, _pin = case_create(
        actor=WORKER,
        worker_name="刘洋",
        worker_id_number="11010519491231002X",
        worker_phone="13912345678",
        employer_name="某某即时配送有限公司",
        industry="express_delivery",
        claims=[ClaimInput(category="wages", amount=Decimal("4800.00"))],
        facts="9月工资没有发。",
        station=directory.station,
    )
    if case.status == "submitted":
        case_transition(
            case_id=case.pk,
            name="triage",
            actor=directory.staff["station_admin"],
            payload={"station": directory.station},
        )
    case_transition(
        case_id=case.pk, name="accept", actor=directory.staff["mediator"], note="已电话联系申请人"
    )
    tracking_evidence_add(case_id=case.pk, files=[evidence_check(_photo())])
    return case


def _events(case):
    return list(CaseEvent.objects.filter(case=case).order_by("id"))


@pytest.fixture
def tamper():
    """Change rows as someone with the database owner's rights would: the append-only trigger switched off."""

    def run(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(sql, params)
            finally:
                cursor.execute("SET session_replication_role = DEFAULT")

    return run


def test_every_event_links_to_the_one_before(case):
    events = _events(case)
    assert len(events) >= 3
    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    for event in events:
        assert event.content_sha256 == content_digest(note=event.note, payload=event.payload)
        assert len(event.hash) == 64
    assert verify_case_chain(case.pk) == []


def test_the_hash_reads_back_the_same_from_the_database(case):
    """What was hashed in memory when writing is what the database gives back (times, JSON order)."""
    for event in CaseEvent.objects.filter(case=case):
        assert event.hash == event_hash(
            prev_hash=event.prev_hash,
            case_id=event.case_id,
            transition=event.transition,
            from_state=event.from_state,
            to_state=event.to_state,
            actor_id=event.actor_id,
            actor_kind=event.actor_kind,
            announce=event.announce,
            created_at=event.created_at,
            content_sha256=event.content_sha256,
        )


def test_evidence_hashes_are_in_the_chain(case):
    item = Evidence.objects.get(case=case)
    add = CaseEvent.objects.get(case=case, transition="add_evidence")
    assert add.payload["sha256"] == [item.sha256]


def test_files_filed_with_the_claim_are_in_the_submit_event(client, directory):
    from tests.disputes.test_views_intake import claim

    response = client.post("/intake/", {**claim(), "evidence": [_photo((1, 2, 3))]})
    assert response.status_code == 302
    item = Evidence.objects.get()
    submit = CaseEvent.objects.get(case_id=item.case_id, transition="submit")
    assert submit.payload["evidence_sha256"] == [item.sha256]
    assert verify_case_chain(item.case_id) == []


def test_the_command_reports_an_intact_history(case):
    out = io.StringIO()
    call_command("verify_history", stdout=out)
    assert "history chain intact" in out.getvalue()


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("UPDATE disputes_caseevent SET note = '另一个说法' WHERE id = %s", "content"),
        ("UPDATE disputes_caseevent SET to_state = 'closed' WHERE id = %s", "hash"),
        ("UPDATE disputes_caseevent SET created_at = created_at - interval '1 day' WHERE id = %s", "hash"),
        ("UPDATE disputes_caseevent SET actor_id = NULL, actor_kind = 'system' WHERE id = %s", "hash"),
        ("DELETE FROM disputes_caseevent WHERE id = %s", "link"),
    ],
    ids=["note", "state", "time", "actor", "deleted"],
)
def test_a_row_changed_in_the_database_is_detected(case, tamper, postgres, sql, reason):
    target = _events(case)[1]
    tamper(sql, [target.pk])
    breaks = verify_case_chain(case.pk)
    assert reason in {b.reason for b in breaks}, breaks
    with pytest.raises(CommandError) as caught:
        call_command("verify_history", stderr=io.StringIO())
    assert caught.value.returncode == 1
    assert "broken in 1 case" in str(caught.value)


def test_a_rewritten_chain_still_fails_when_a_later_row_is_untouched(case, tamper, postgres):
    """Recomputing the tampered row's own hash is not enough: the next row links to the old one."""
    target = _events(case)[1]
    tamper("UPDATE disputes_caseevent SET note = '改写' WHERE id = %s", [target.pk])
    changed = CaseEvent.objects.get(pk=target.pk)
    new_content = content_digest(note=changed.note, payload=changed.payload)
    new_hash = event_hash(
        prev_hash=changed.prev_hash,
        case_id=changed.case_id,
        transition=changed.transition,
        from_state=changed.from_state,
        to_state=changed.to_state,
        actor_id=changed.actor_id,
        actor_kind=changed.actor_kind,
        announce=changed.announce,
        created_at=changed.created_at,
        content_sha256=new_content,
    )
    tamper(
        "UPDATE disputes_caseevent SET content_sha256 = %s, hash = %s WHERE id = %s",
        [new_content, new_hash, target.pk],
    )
    assert {b.reason for b in verify_case_chain(case.pk)} == {"link"}


def test_an_evidence_row_swapped_for_another_file_is_detected(case):
    Evidence.objects.filter(case=case).update(sha256="f" * 64)
    breaks = verify_case_chain(case.pk)
    assert any(b.reason.startswith("evidence ffffffffffff") for b in breaks)


def test_a_new_event_after_the_tail_keeps_the_chain(case):
    event = case_event_record(case_id=case.pk, name="assign_mediator", actor=None, payload={"x": 1})
    assert event.prev_hash == _events(case)[-2].hash
    assert verify_case_chain(case.pk) == []


def test_rows_written_directly_are_chained_too(case):
    """Any writer, not only the services: the model links the row itself."""
    event = CaseEvent.objects.create(
        case=case,
        transition="assign_mediator",
        from_state="accepted",
        to_state="accepted",
        actor_kind="system",
    )
    assert event.prev_hash == _events(case)[-2].hash
    rows = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case, transition="assign_mediator", to_state="accepted", actor_kind=ActorKind.SYSTEM
            )
            for _ in range(2)
        ]
    )
    assert rows[0].prev_hash == event.hash and rows[1].prev_hash == rows[0].hash
    assert verify_case_chain(case.pk) == []


def test_the_redaction_keeps_the_chain_and_says_so(case, postgres):
    events_redact(case_id=case.pk)
    rows = _events(case)
    assert all(row.redacted_at is not None and row.note == "" for row in rows)
    add = next(row for row in rows if row.transition == "add_evidence")
    assert add.payload["sha256"]  # the evidence hashes stay: they say which file, not what it showed
    report = verify_cases([case.pk])
    assert report.ok, report.breaks
    assert report.redacted == len(rows)


def test_the_database_refuses_any_other_update_even_with_the_redaction_setting(case, postgres):
    event = _events(case)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('onestop.history_redaction', 'on', true)")
        cursor.execute(
            "UPDATE disputes_caseevent SET to_state = 'closed', redacted_at = now() WHERE id = %s", [event.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE disputes_caseevent SET note = '', redacted_at = now() WHERE id = %s", [event.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('onestop.history_redaction', 'on', true)")
        cursor.execute("DELETE FROM disputes_caseevent WHERE id = %s", [event.pk])


def test_the_migration_links_existing_rows_exactly_as_the_code_does(case):
    """Migration 0015 carries a frozen copy of the definition: it must give the same hashes."""
    migration = importlib.import_module("disputes.migrations.0015_case_history_hash_chain")
    for event in _events(case):
        assert event.hash == migration._hash(
            event.prev_hash,
            event.case_id,
            event.transition,
            event.from_state,
            event.to_state,
            event.actor_id,
            event.actor_kind,
            event.announce,
            event.created_at,
            event.content_sha256,
        )


def test_the_migration_backfill_links_existing_rows_to_the_same_chain(case, tamper, postgres):
    """Migration 0015 run over rows that have no chain yet gives exactly the chain the code writes."""
    before = list(CaseEvent.objects.order_by("id").values_list("id", "content_sha256", "prev_hash", "hash"))
    tamper("UPDATE disputes_caseevent SET content_sha256 = '', prev_hash = '', hash = ''")
    assert "unchained" in {b.reason for b in verify_case_chain(case.pk)}
    migration = importlib.import_module("disputes.migrations.0015_case_history_hash_chain")
    with connection.cursor() as cursor:
        # The rows were written in this test's transaction: fire their deferred FK checks now, as a real migration
        # (which runs after the rows were committed) would find none pending when it alters the table.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.link_existing(None, editor)
    after = list(CaseEvent.objects.order_by("id").values_list("id", "content_sha256", "prev_hash", "hash"))
    assert after == before
    assert verify_case_chain(case.pk) == []


def test_the_tail_is_read_with_the_lock_in_one_query(directory, django_assert_num_queries):
    from disputes.history_chain import chain_tail_locked

    case = case_create(
        actor=WORKER,
        worker_name="张伟",
        worker_id_number="330302199001011235",
        worker_phone="13957712345",
        employer_name="温州市顺达速运有限公司",
        industry="express_delivery",
        claims=[ClaimInput("wages", Decimal("100"))],
        facts="工资没有发。",
        announce=False,
    )[0]
    last = CaseEvent.objects.filter(case=case).order_by("-id").first()
    with transaction.atomic(), django_assert_num_queries(1):
        assert chain_tail_locked(case.pk) == last.hash
    assert chain_tail_locked(0) == GENESIS  # no such case: a first event would link to the genesis
