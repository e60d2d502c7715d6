"""Retention in mediation (mediation.retention, run by disputes.retention.case_anonymise): a finished case's
sessions, employer contacts, agreement contacts and signatory, payment notes and proof files, satisfaction comment
and reopen texts go, with the agreement section's personal parts in the handoff packets; amounts, dates, statuses
and hashes stay, and the statistics are identical before and after."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from disputes.models import Case
from disputes.retention import case_anonymise, cases_anonymise_expired
from disputes.services import case_transition
from mediation import services
from mediation.models import (
    Agreement,
    ContactLog,
    MediationSession,
    Payment,
    ReopenRequest,
    SatisfactionSurvey,
)
from mediation.retention import mediation_anonymise
from mediation.states import ContactChannel, ContactDirection, SessionMode
from referrals.handoffs import handoff_create
from referrals.models import Handoff
from referrals.states import HandoffKind
from tests.disputes.test_retention import figures

from .conftest import EMPLOYER_PHONE, draft, pay, sign_both

pytestmark = pytest.mark.django_db

PERSONAL = ("刘洋", "王经理", EMPLOYER_PHONE, "东街12号", "203.0.113.7", "老李", "转账记录")


@pytest.fixture
def closed(directory, mediating, settings, tmp_path, django_capture_on_commit_callbacks):
    """A case mediated with a session and an employer contact, an agreement signed, a payment missed and reported,
    then paid in full (with a proof), rated and closed 400 days ago; a handoff carries the agreement section."""
    settings.MEDIA_ROOT = tmp_path
    settings.CASE_RETENTION_DAYS = 365
    case, pin = mediating
    mediator = directory.staff["mediator"]
    now = timezone.now()
    services.session_record(
        case_id=case.pk,
        actor=mediator,
        held_at=now - timedelta(hours=2),
        mode=SessionMode.IN_PERSON,
        place="北区东街12号调解室",
        attendees="刘洋、王经理、调解员",
        summary="刘洋要求支付9月工资，王经理同意分两期支付。",
    )
    services.contact_record(
        case_id=case.pk,
        actor=mediator,
        at=now - timedelta(hours=3),
        direction=ContactDirection.OUTGOING,
        channel=ContactChannel.PHONE,
        employer_contact_name="老李",
        summary=f"老李说找王经理，电话{EMPLOYER_PHONE}。",
    )
    agreement = sign_both(draft(case, mediator, other_terms="刘洋不再追究王经理个人责任。"), pin, mediator)
    handoff_create(
        case=Case.objects.get(pk=case.pk),
        kind=HandoffKind.JUDICIAL_CONFIRMATION,
        to_org=directory.court,
        actor=mediator,
    )
    late = agreement.instalments.get(sequence=1).due_on + timedelta(days=2)
    reopen = services.reopen_request_create(
        case_id=case.pk, reason="王经理没有付第一期，刘洋很着急。", today=late
    )
    services.reopen_request_handle(
        request_id=reopen.pk, actor=mediator, note=f"已电话{EMPLOYER_PHONE}催告王经理。"
    )
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(agreement, mediator, "4000")
    Payment.objects.filter(pk=payment.pk).update(note="王经理本人转账")
    services.satisfaction_record(case_id=case.pk, score=4, comment="刘洋：调解员很耐心。")
    case_transition(case_id=case.pk, name="close", actor=mediator)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - timedelta(days=400))
    return (
        Case.objects.get(pk=case.pk),
        Agreement.objects.get(pk=agreement.pk),
        Payment.objects.get(pk=payment.pk),
    )


def row_text(table: str, where: str, value) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(json_agg(t)::text, '') FROM {table} t WHERE {where} = %s", [value])
        return cursor.fetchone()[0]


def test_the_peoples_data_goes(closed, django_capture_on_commit_callbacks):
    case, agreement, payment = closed
    storage = Payment._meta.get_field("proof").storage
    assert storage.exists(payment.proof.name)
    packet = json.loads(Handoff.objects.get(case=case).packet_json)
    assert packet["agreement"]["employer_contact"]["phone"] == EMPLOYER_PHONE

    with django_capture_on_commit_callbacks(execute=True):
        assert cases_anonymise_expired().anonymised == 1

    assert not storage.exists(payment.proof.name)
    session = MediationSession.objects.get(case=case)
    assert (session.place, session.attendees, session.summary) == ("", "", "")
    contact = ContactLog.objects.get(case=case)
    assert (contact.employer_contact_name, contact.summary) == ("", "")
    fresh = Agreement.objects.get(pk=agreement.pk)
    assert fresh.employer_contact_phone == "" and fresh.employer_signatory == "" and fresh.other_terms == ""
    fresh_payment = Payment.objects.get(pk=payment.pk)
    assert not fresh_payment.proof and fresh_payment.note == "" and fresh_payment.proof_name == ""
    assert SatisfactionSurvey.objects.get(case=case).comment == ""
    reopen = ReopenRequest.objects.get(case=case)
    assert (reopen.reason, reopen.handling_note) == ("", "")
    # Nothing of it is left in the stored rows (the encrypted phone column is empty, not just unreadable).
    stored = "".join(
        [
            row_text("mediation_mediationsession", "case_id", case.pk),
            row_text("mediation_contactlog", "case_id", case.pk),
            row_text("mediation_agreement", "case_id", case.pk),
            row_text("mediation_payment", "agreement_id", agreement.pk),
            row_text("mediation_satisfactionsurvey", "case_id", case.pk),
            row_text("mediation_reopenrequest", "case_id", case.pk),
        ]
    )
    for value in PERSONAL:
        assert value not in stored, value
    assert '"employer_contact_phone" : ""' in stored or '"employer_contact_phone":""' in stored
    section = json.loads(Handoff.objects.get(case=case).packet_json)["agreement"]
    assert section["employer_contact"] == {"name": "", "phone": ""}
    assert section["employer_signatory"] == "" and section["other_terms"] == ""
    for value in PERSONAL:
        assert value not in json.dumps(section, ensure_ascii=False), value


def test_amounts_dates_statuses_and_figures_stay(closed, directory, django_capture_on_commit_callbacks):
    case, agreement, payment = closed
    before = figures(directory)
    assert before[1], "no figures to compare"
    keep = (
        agreement.number,
        agreement.status,
        agreement.total,
        agreement.employer_name,
        agreement.worker_signed_at,
        agreement.employer_signed_at,
        agreement.effective_at,
    )
    instalments = list(
        agreement.instalments.values_list("sequence", "due_on", "amount", "paid_amount", "status")
    )
    section = json.loads(Handoff.objects.get(case=case).packet_json)["agreement"]

    with django_capture_on_commit_callbacks(execute=True):
        case_anonymise(case_id=case.pk)

    assert figures(directory) == before
    fresh = Agreement.objects.get(pk=agreement.pk)
    assert (
        fresh.number,
        fresh.status,
        fresh.total,
        fresh.employer_name,
        fresh.worker_signed_at,
        fresh.employer_signed_at,
        fresh.effective_at,
    ) == keep
    assert (
        list(fresh.instalments.values_list("sequence", "due_on", "amount", "paid_amount", "status"))
        == instalments
    )
    fresh_payment = Payment.objects.get(pk=payment.pk)
    assert (fresh_payment.amount, fresh_payment.paid_on, fresh_payment.proof_sha256) == (
        Decimal("4000.00"),
        payment.paid_on,
        payment.proof_sha256,
    )
    assert SatisfactionSurvey.objects.get(case=case).score == 4
    assert MediationSession.objects.get(case=case).mode == SessionMode.IN_PERSON
    after = json.loads(Handoff.objects.get(case=case).packet_json)["agreement"]
    for key in ("number", "total", "items", "instalments", "payments", "effective_at", "employer_name"):
        assert after[key] == section[key], key


def test_all_or_nothing_and_a_second_run_is_a_no_op(closed, django_capture_on_commit_callbacks):
    case, agreement, payment = closed
    storage = Payment._meta.get_field("proof").storage
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        mediation_anonymise(case_id=case.pk, at=timezone.now())
        raise RuntimeError("rolled back")
    assert storage.exists(payment.proof.name)
    assert Agreement.objects.get(pk=agreement.pk).employer_contact_phone == EMPLOYER_PHONE

    with django_capture_on_commit_callbacks(execute=True):
        case_anonymise(case_id=case.pk)
    snapshot = row_text("mediation_agreement", "case_id", case.pk)
    mediation_anonymise(case_id=case.pk, at=timezone.now())  # run again by hand: nothing more to change
    assert row_text("mediation_agreement", "case_id", case.pk) == snapshot
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert case_anonymise(case_id=case.pk).anonymised == 0
    assert callbacks == []
