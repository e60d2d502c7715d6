"""The case history is append-only: in the model, the queryset and (on PostgreSQL) the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.deletion import ProtectedError

from disputes.models import AppendOnlyError, Case, CaseEvent
from disputes.states import ActorKind, CaseStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    case = case_in_state(CaseStatus.SUBMITTED)
    return CaseEvent.objects.create(
        case=case,
        transition="submit",
        from_state="",
        to_state=CaseStatus.SUBMITTED,
        actor_kind=ActorKind.WORKER,
        note="原始记录",
    )


def _note(pk):
    return CaseEvent.objects.values_list("note", flat=True).get(pk=pk)


def test_a_new_event_is_written(event):
    assert event.pk is not None
    assert _note(event.pk) == "原始记录"


def test_saving_again_is_refused(event):
    event.note = "改过的记录"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert _note(event.pk) == "原始记录"


def test_saving_a_reloaded_event_is_refused(event):
    loaded = CaseEvent.objects.get(pk=event.pk)
    with pytest.raises(AppendOnlyError):
        loaded.save(update_fields=["note"])


def test_delete_is_refused(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda: CaseEvent.objects.filter(transition="submit").update(note="x"),
        lambda: CaseEvent.objects.all().update(note="x"),
        lambda: CaseEvent.objects.update(note="x"),
        lambda: CaseEvent.objects.filter(transition="submit").delete(),
        lambda: CaseEvent.objects.all().delete(),
        lambda: CaseEvent.objects.bulk_update(list(CaseEvent.objects.all()), ["note"]),
    ],
    ids=["filter-update", "all-update", "manager-update", "filter-delete", "all-delete", "bulk-update"],
)
def test_queryset_update_and_delete_are_refused(event, operation):
    # bulk_update opens atomic(savepoint=False): give it a savepoint so the test may query afterwards.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        operation()
    assert _note(event.pk) == "原始记录"


def test_related_manager_cannot_delete_history(event):
    with pytest.raises(AppendOnlyError):
        event.case.events.all().delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_a_case_with_history_cannot_be_deleted(event):
    with pytest.raises(ProtectedError):
        Case.objects.get(pk=event.case_id).delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE disputes_caseevent SET note = 'tampered' WHERE id = %s",
        "UPDATE disputes_caseevent SET to_state = 'closed' WHERE id = %s",
        "DELETE FROM disputes_caseevent WHERE id = %s",
    ],
    ids=["update-note", "update-state", "delete"],
)
def test_the_database_refuses_raw_update_and_delete(postgres, event, sql):
    with pytest.raises(DatabaseError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert "append-only" in str(excinfo.value)
    assert _note(event.pk) == "原始记录"
    assert CaseEvent.objects.filter(pk=event.pk, to_state=CaseStatus.SUBMITTED).exists()


@pytest.mark.postgres
def test_the_database_still_accepts_inserts(postgres, event):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO disputes_caseevent (case_id, transition, from_state, to_state, actor_kind, note,"
            " payload, created_at)"
            " VALUES (%s, 'triage', 'submitted', 'assigned', 'system', '', '{}', now())",
            [event.case_id],
        )
    assert CaseEvent.objects.filter(case_id=event.case_id).count() == 2
