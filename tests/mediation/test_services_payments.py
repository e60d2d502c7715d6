"""Payments under an effective agreement, followed to the last yuan: each with its proof, counted towards the
instalments in order (partial, across instalments, late), overpayment refused with the amount still owed, and the
case fulfilled in the same transaction as the payment that completes it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.tracking import worker_view
from mediation import services
from mediation.models import Payment
from mediation.states import InstalmentStatus, PaymentMethod

from .conftest import draft, pay, proof

pytestmark = pytest.mark.django_db


def instalments(agreement):
    return [(i.paid_amount, i.status) for i in agreement.instalments.order_by("sequence")]


def test_partial_payments_fill_the_instalments_in_order_and_the_last_yuan_fulfils(
    directory, effective, django_capture_on_commit_callbacks
):
    case, agreement, _pin = effective
    mediator = directory.staff["mediator"]

    first = pay(agreement, mediator, "1500")
    assert first.instalment.sequence == 1 and first.proof_name == "转账记录.jpg"
    assert first.proof.read().startswith(b"\xff\xd8") and len(first.proof_sha256) == 64
    assert instalments(agreement) == [
        (Decimal("1500.00"), InstalmentStatus.PARTIAL),
        (Decimal("0.00"), InstalmentStatus.PENDING),
    ]
    event = CaseEvent.objects.filter(case=case, transition="payment_recorded").get()
    assert event.payload["amount"] == "1500.00" and event.payload["paid"] == "1500.00"
    assert event.payload["late"] is False
    assert "用人单位支付了 1,500.00 元（累计已付 1,500.00 元，协议金额 4,000.00 元）。" in [
        h.text for h in worker_view(case=case).history
    ]

    # One payment finishes the first instalment and starts the second.
    pay(agreement, mediator, "2000")
    assert instalments(agreement) == [
        (Decimal("2000.00"), InstalmentStatus.PAID),
        (Decimal("1500.00"), InstalmentStatus.PARTIAL),
    ]
    assert agreement.instalments.get(sequence=1).paid_on == timezone.localdate()
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pay(agreement, mediator, "500")
    case = Case.objects.get(pk=case.pk)
    assert case.status == "fulfilled" and case.amount_paid == Decimal("4000.00")
    fulfilment = CaseEvent.objects.get(case=case, transition="record_fulfilment")
    assert fulfilment.actor == mediator and fulfilment.payload == {"amount_paid": "4000.00"}
    assert instalments(agreement) == [
        (Decimal("2000.00"), InstalmentStatus.PAID),
        (Decimal("2000.00"), InstalmentStatus.PAID),
    ]
    assert callbacks  # the events are announced after commit
    assert "调解协议已履行，实际支付 4,000.00 元。" in [h.text for h in worker_view(case=case).history]


def test_overpayment_is_refused_with_what_is_still_owed(directory, effective):
    _case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    pay(agreement, mediator, "3999.50")
    with pytest.raises(ValidationError) as exc:
        pay(agreement, mediator, "1")
    message = exc.value.message_dict["amount"][0]
    assert "1.00 元超过协议尚未支付的 0.50 元" in message
    assert Payment.objects.count() == 1
    pay(agreement, mediator, "0.50")
    assert Case.objects.get(pk=agreement.case_id).status == "fulfilled"
    # Nothing more can be recorded on a fulfilled case.
    with pytest.raises(TransitionConflict):
        pay(agreement, mediator, "0.01")


def test_a_late_payment_is_marked_late(directory, effective):
    case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    first_due = agreement.instalments.get(sequence=1).due_on
    later = first_due + timedelta(days=3)
    pay(agreement, mediator, "2000", paid_on=later, today=later)
    instalment = agreement.instalments.get(sequence=1)
    assert instalment.status == InstalmentStatus.PAID and instalment.paid_on == later and instalment.paid_late
    assert CaseEvent.objects.get(case=case, transition="payment_recorded").payload["late"] is True


def test_a_payment_is_checked(directory, effective):
    _case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        services.payment_record(
            agreement_id=agreement.pk,
            actor=mediator,
            amount="-5",
            paid_on=today + timedelta(days=1),
            method="gold",
            proof=None,
        )
    assert set(exc.value.message_dict) == {"amount", "paid_on", "method", "proof"}
    with pytest.raises(ValidationError) as exc:
        pay(agreement, mediator, "10", paid_on=today - timedelta(days=30))
    assert "不能早于协议生效日期" in exc.value.message_dict["paid_on"][0]
    with pytest.raises(PermissionDenied):
        pay(agreement, directory.staff["other_mediator"], "10")
    with pytest.raises(PermissionDenied):
        pay(agreement, directory.staff["official"], "10")
    assert not Payment.objects.exists()


def test_no_payment_on_an_agreement_that_has_not_taken_effect(directory, mediating):
    case, _pin = mediating
    agreement = draft(case, directory.staff["mediator"])
    with pytest.raises(TransitionConflict):
        services.payment_record(
            agreement_id=agreement.pk,
            actor=directory.staff["mediator"],
            amount="10",
            paid_on=timezone.localdate(),
            method=PaymentMethod.CASH,
            proof=proof(),
        )


def test_while_a_confirmation_is_pending_the_last_payment_is_recorded_and_the_case_waits(
    directory, effective
):
    case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    Case.objects.filter(pk=case.pk).update(status="confirmation_requested", handling_org=directory.court)
    pay(agreement, mediator, "4000")
    assert Case.objects.get(pk=case.pk).status == "confirmation_requested"
    assert not CaseEvent.objects.filter(case=case, transition="record_fulfilment").exists()
    assert CaseEvent.objects.get(case=case, transition="payment_recorded").payload["paid"] == "4000.00"


def test_the_court_enforcing_or_confirming_may_record_payments(directory, effective):
    case, agreement, _pin = effective
    Case.objects.filter(pk=case.pk).update(status="confirmed", handling_org=directory.court)
    payment = pay(agreement, directory.staff["court_clerk"], "4000")
    assert payment.recorded_by == directory.staff["court_clerk"]
    assert Case.objects.get(pk=case.pk).status == "fulfilled"


def test_a_failing_fulfilment_rolls_the_payment_back(directory, effective, monkeypatch):
    case, agreement, _pin = effective

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "case_transition", broken)
    with pytest.raises(RuntimeError):
        pay(agreement, directory.staff["mediator"], "4000")
    assert not Payment.objects.exists()
    assert agreement.instalments.filter(status=InstalmentStatus.PENDING).count() == 2
    assert not CaseEvent.objects.filter(case=case, transition="payment_recorded").exists()
