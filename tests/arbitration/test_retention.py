"""Retention in arbitration (arbitration.retention, run by disputes.retention.case_anonymise): a finished case's
hearing notes, enforcement lawyer, recovery notes and the PDFs arbitration issued go; the awards, amounts, dates
and the documents' verification records stay; the statistics are identical before and after."""

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from arbitration import services
from arbitration.models import Award, EnforcementCase, Hearing, Recovery
from arbitration.retention import arbitration_anonymise
from disputes.documents import document_verify
from disputes.models import Case, IssuedDocument
from disputes.permissions import WORKER
from disputes.retention import case_anonymise, cases_anonymise_expired
from disputes.states import CaseStatus
from tests.disputes.test_retention import figures

from .conftest import hearing_in

pytestmark = pytest.mark.django_db

NOTES = "申请人刘洋称住北区东街12号，电话13912345678"


@pytest.fixture
def enforced(directory, referred, minimum_wage, settings, tmp_path):
    """A case referred to arbitration, accepted with a hearing, awarded, enforced in full and closed 400 days ago."""
    settings.MEDIA_ROOT = tmp_path
    settings.CASE_RETENTION_DAYS = 365
    case, _pin = referred
    arbitrator, clerk = directory.staff["arbitrator"], directory.staff["court_clerk"]
    hearing = dataclasses.replace(hearing_in(7), notes=NOTES)
    services.arbitration_accept(case_id=case.pk, actor=arbitrator, hearing=hearing)
    services.award_record(
        case_id=case.pk,
        actor=arbitrator,
        items=[services.AwardItemInput(category="wages", description="拖欠工资", amount=Decimal("6000.00"))],
    )
    services.enforcement_apply(case_id=case.pk, actor=WORKER, lawyer_name="张律师")
    services.enforcement_register(case_id=case.pk, actor=clerk, number="（2026）示0302执100号")
    services.enforcement_record_recovery(
        case_id=case.pk, actor=clerk, amount="6000.00", at=timezone.localdate(), note="划扣刘洋工资卡对应款项"
    )
    services.enforcement_end(case_id=case.pk, actor=clerk, end="paid_in_full")
    case = Case.objects.get(pk=case.pk)
    assert case.status == CaseStatus.CLOSED
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=400))
    return Case.objects.get(pk=case.pk)


def test_the_personal_text_and_the_issued_pdfs_go(enforced, django_capture_on_commit_callbacks):
    documents = list(IssuedDocument.objects.filter(case=enforced))
    assert len(documents) >= 2  # the acceptance notice and the award
    storage = IssuedDocument._meta.get_field("file").storage
    names = [d.file.name for d in documents]
    assert all(storage.exists(name) for name in names)
    assert Hearing.objects.get(case=enforced).notes == NOTES

    with django_capture_on_commit_callbacks(execute=True):
        assert cases_anonymise_expired().anonymised == 1

    assert Hearing.objects.get(case=enforced).notes == ""
    assert Hearing.objects.get(case=enforced).place  # the commission's address is no one's personal data
    assert EnforcementCase.objects.get(case=enforced).lawyer_name == ""
    assert Recovery.objects.get(enforcement__case=enforced).note == ""
    assert not any(storage.exists(name) for name in names)
    assert not IssuedDocument.objects.filter(case=enforced).exclude(file="").exists()


def test_what_the_figures_and_the_verification_read_stays(
    enforced, directory, django_capture_on_commit_callbacks
):
    award = Award.objects.get(case=enforced)
    enforcement = EnforcementCase.objects.get(case=enforced)
    documents = {d.pk: d for d in IssuedDocument.objects.filter(case=enforced)}
    before = figures(directory)
    assert before[1], "no figures to compare"

    with django_capture_on_commit_callbacks(execute=True):
        case_anonymise(case_id=enforced.pk)

    assert figures(directory) == before
    fresh = Award.objects.get(pk=award.pk)
    assert (fresh.amount_awarded, fresh.is_final, fresh.awarded_on) == (
        award.amount_awarded,
        award.is_final,
        award.awarded_on,
    )
    fresh = EnforcementCase.objects.get(pk=enforcement.pk)
    assert (fresh.number, fresh.amount_sought, fresh.end) == (
        enforcement.number,
        enforcement.amount_sought,
        enforcement.end,
    )
    assert Recovery.objects.get(enforcement=enforcement).amount == Decimal("6000.00")
    for document in documents.values():
        verified = document_verify(code=document.verification_code)
        assert verified is not None
        assert (verified.number, verified.issued_at, verified.sha256) == (
            document.number,
            document.issued_at,
            document.sha256,
        )
        assert "刘洋" not in verified.title


def test_a_second_run_changes_nothing_and_a_rollback_keeps_the_files(
    enforced, django_capture_on_commit_callbacks
):
    names = list(IssuedDocument.objects.filter(case=enforced).values_list("file", flat=True))
    storage = IssuedDocument._meta.get_field("file").storage
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        arbitration_anonymise(case_id=enforced.pk, at=timezone.now())
        raise RuntimeError("rolled back")
    assert all(storage.exists(name) for name in names)
    assert EnforcementCase.objects.get(case=enforced).lawyer_name == "张律师"

    with django_capture_on_commit_callbacks(execute=True):
        case_anonymise(case_id=enforced.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert case_anonymise(case_id=enforced.pk).anonymised == 0
    assert callbacks == []
