"""Decisions under concurrency: documents issued at the same moment get distinct numbers without gaps, and two
arbitrators approving the same agreement at once issue one document: one wins, the other gets a conflict and
nothing is numbered for it."""

import threading

import pytest
from django.db import connection

from arbitration import services
from disputes.exceptions import TransitionConflict
from disputes.models import Case, IssuedDocument
from disputes.states import CaseStatus, ConfirmationRoute
from organizations.states import Role
from tests.factories import make_staff

from .conftest import file_case, file_for, seed_deadline_rules, sign_agreement

pytestmark = pytest.mark.django_db(transaction=True)


def filed_cases(directory, n):
    seed_deadline_rules()
    cases = []
    for _ in range(n):
        case, pin = file_case(directory)
        sign_agreement(directory, case, pin)
        file_for(
            Case.objects.get(pk=case.pk),
            directory.staff["mediator"],
            ConfirmationRoute.ARBITRATION_REVIEW,
            directory.commission,
        )
        cases.append(case)
    return cases


def run_at_once(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait(timeout=20)
            results.append(call())
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_documents_issued_at_once_are_numbered_apart(directory, postgres):
    cases = filed_cases(directory, 4)
    second = make_staff(org=directory.commission, role=Role.ARBITRATOR, username="arbitrator_2")
    actors = [directory.staff["arbitrator"], second] * 2
    results, errors = run_at_once(
        [
            lambda c=c, a=a: services.review_approve(case_id=c.pk, actor=a)
            for c, a in zip(cases, actors, strict=True)
        ]
    )
    assert errors == []
    sequences = sorted(IssuedDocument.objects.values_list("sequence", flat=True))
    assert sequences == [1, 2, 3, 4]
    assert len(set(IssuedDocument.objects.values_list("number", flat=True))) == 4
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True)) == {
        CaseStatus.CONFIRMED
    }


def test_two_approvals_of_one_agreement_issue_one_document(directory, postgres):
    (case,) = filed_cases(directory, 1)
    second = make_staff(org=directory.commission, role=Role.ARBITRATOR, username="arbitrator_2")
    results, errors = run_at_once(
        [
            lambda: services.review_approve(case_id=case.pk, actor=directory.staff["arbitrator"]),
            lambda: services.review_approve(case_id=case.pk, actor=second),
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], TransitionConflict)
    assert IssuedDocument.objects.count() == 1
    assert IssuedDocument.objects.get().sequence == 1  # the loser's number was never taken
