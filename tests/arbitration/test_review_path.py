"""Arbitration review end to end: an agreement filed with the commission is approved (the arbitration mediation
document, numbered, verifiable, the handoff answered) and then paid and closed; or refused (the written refusal)
and back to the worker's options."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO  # noqa: F401

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from arbitration import services
from disputes.documents import document_verify
from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseDeadline, CaseEvent, IssuedDocument
from disputes.models.documents import DocumentKind
from disputes.services import case_transition
from disputes.states import CaseStatus, ConfirmationRoute
from disputes.tracking import worker_view
from mediation import services as mediation
from mediation.states import PaymentMethod
from referrals.models import Handoff
from referrals.states import HandoffKind, HandoffStatus

from .conftest import EMPLOYER, ID_NUMBER, WORKER_NAME, file_for, pdf_text

pytestmark = pytest.mark.django_db
S = CaseStatus


def test_filing_starts_the_commissions_decision_period(directory, agreed):
    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)

    assert CaseEvent.objects.filter(case=case, transition="arbitration_review_filed").exists()
    deadline = CaseDeadline.objects.get(case=case, rule__code="arb_review.decision")
    assert deadline.is_active and deadline.met_at is None
    assert deadline.due_on > timezone.localdate()  # five working days on
    assert not CaseDeadline.objects.filter(case=case, rule__code="jc.decision").exists()
    handoff = Handoff.objects.get(case=case)
    assert (handoff.kind, handoff.to_org) == (HandoffKind.ARBITRATION_REVIEW, directory.commission)


def test_approved_then_paid_and_closed(directory, agreed, django_capture_on_commit_callbacks):
    case, agreement, _pin = agreed
    mediator, arbitrator = directory.staff["mediator"], directory.staff["arbitrator"]
    file_for(case, mediator, ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = services.review_approve(case_id=case.pk, actor=arbitrator)
    assert callbacks  # the history is announced after commit

    case = Case.objects.get(pk=case.pk)
    assert case.status == S.CONFIRMED
    assert document.kind == DocumentKind.ARBITRATION_MEDIATION
    assert document.issuer == directory.commission and document.issued_by == arbitrator
    event = CaseEvent.objects.filter(case=case, transition="confirm").get()
    assert event.payload == {"document_number": document.number} and event.actor == arbitrator
    # The decision period is met, and the sender sees the handoff answered with the document's number.
    assert CaseDeadline.objects.get(case=case, rule__code="arb_review.decision").met_at is not None
    handoff = Handoff.objects.get(case=case, kind=HandoffKind.ARBITRATION_REVIEW)
    assert handoff.status == HandoffStatus.ACCEPTED and handoff.reference == document.number
    assert handoff.completed_at is not None

    text = pdf_text(document)
    for expected in (
        "仲裁调解书",
        document.number,
        document.verification_code,
        case.tracking_code,
        WORKER_NAME,
    ):
        assert expected in text
    assert EMPLOYER in text and "2026年9月、10月工资" in text and "6,000.00" in text
    assert ID_NUMBER not in text and ID_NUMBER[:3] in text  # the ID number masked
    verified = document_verify(code=document.verification_code)
    assert verified.number == document.number and verified.issuer_name == directory.commission.name

    # The worker reads it in plain words, with the number; the employer pays; the station closes the case.
    history = [item.text for item in worker_view(case=case).history]
    assert any(document.number in text for text in history)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from disputes.evidence import evidence_check

    image = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(image, "JPEG")
    proof = evidence_check(SimpleUploadedFile("转账.jpg", image.getvalue(), content_type="image/jpeg"))
    mediation.payment_record(
        agreement_id=agreement.pk,
        actor=mediator,
        amount=Decimal("6000.00"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        proof=proof,
    )
    assert Case.objects.get(pk=case.pk).status == S.FULFILLED
    case_transition(case_id=case.pk, name="close", actor=mediator)
    assert Case.objects.get(pk=case.pk).status == S.CLOSED


def test_refused_with_a_reason_goes_back_to_the_workers_options(directory, agreed):
    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)

    document = services.review_refuse(
        case_id=case.pk, actor=directory.staff["arbitrator"], reason="unclear", detail="付款期限约定不明确。"
    )

    case = Case.objects.get(pk=case.pk)
    assert case.status == S.AGREEMENT_REACHED
    assert case.handling_org is None and case.confirmation_route == ""
    assert document.kind == DocumentKind.REVIEW_REFUSAL
    text = pdf_text(document)
    assert "不予确认决定书" in text and "调解协议内容不明确" in text and "付款期限约定不明确" in text
    assert "申请劳动仲裁" in text
    event = CaseEvent.objects.get(case=case, transition="refuse_confirmation")
    assert event.payload["reason"].startswith("调解协议内容不明确")
    handoff = Handoff.objects.get(case=case, kind=HandoffKind.ARBITRATION_REVIEW)
    assert handoff.status == HandoffStatus.ACCEPTED and "不予确认" in handoff.outcome
    # The worker sees the refusal, the way forward, and the decision among their documents.
    view = worker_view(case=case)
    assert any("没有获得确认" in item.text for item in view.history)
    from arbitration.tracking import worker_arbitration_view

    assert [d.number for d in worker_arbitration_view(case=case).documents] == [document.number]


def test_reason_must_come_from_the_list_and_other_needs_words(directory, agreed):
    from django.core.exceptions import ValidationError

    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)
    arbitrator = directory.staff["arbitrator"]
    with pytest.raises(ValidationError) as exc:
        services.review_refuse(case_id=case.pk, actor=arbitrator, reason="because")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.review_refuse(case_id=case.pk, actor=arbitrator, reason="other", detail="  ")
    assert "detail" in exc.value.message_dict
    assert not IssuedDocument.objects.exists()  # nothing numbered for a decision that did not happen
    assert Case.objects.get(pk=case.pk).status == S.CONFIRMATION_REQUESTED


def test_only_the_commission_decides_and_only_once(directory, agreed):
    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)
    for outsider in (
        directory.staff["mediator"],
        directory.staff["court_clerk"],
        directory.staff["official"],
    ):
        with pytest.raises(PermissionDenied):
            services.review_approve(case_id=case.pk, actor=outsider)
    assert not IssuedDocument.objects.exists()

    services.review_approve(case_id=case.pk, actor=directory.staff["arbitrator"])
    with pytest.raises(TransitionConflict):
        services.review_approve(case_id=case.pk, actor=directory.staff["arbitrator"])
    with pytest.raises(TransitionConflict):
        services.judicial_confirm(case_id=case.pk, actor=directory.staff["court_clerk"])
    assert IssuedDocument.objects.count() == 1


def test_the_commissions_decision_is_timed_and_shown_overdue(directory, agreed):
    from arbitration.selectors import decision_badge, review_queue_for

    case, _agreement, _pin = agreed
    file_for(case, directory.staff["mediator"], ConfirmationRoute.ARBITRATION_REVIEW, directory.commission)
    row = review_queue_for(user=directory.staff["arbitrator"]).get(pk=case.pk)
    due = CaseDeadline.objects.get(case=case, rule__code="arb_review.decision").due_on
    assert row.decision_due_on == due
    assert decision_badge(row, today=due).text == "今天到期"
    late = decision_badge(row, today=due + timedelta(days=2))
    assert (late.state, late.text) == ("overdue", "已超期 2 天")
