"""Both parties signing at the same moment, and two payments recorded at once: the case row lock makes them queue,
so the agreement takes effect exactly once and no payment is counted twice or beyond the total."""

import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from disputes.models import Case, CaseEvent
from mediation import services
from mediation.models import Agreement, Payment
from mediation.states import PaymentMethod

from .conftest import CLIENT_IP, draft, proof

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # asserted on below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a service hung"
    return results


def test_both_signatures_at_once_make_the_agreement_effective_once(postgres, directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    agreement = draft(case, mediator)
    with mock.patch("config.celery.enqueue"):
        results = race(
            lambda: services.agreement_sign_by_worker(
                agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP
            ),
            lambda: services.agreement_sign_by_employer(
                agreement_id=agreement.pk, actor=mediator, signatory="王经理"
            ),
        )
    assert all(isinstance(r, Agreement) for r in results), results
    agreement.refresh_from_db()
    assert agreement.status == "effective" and agreement.fully_signed
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"
    assert CaseEvent.objects.filter(case=case, transition="record_agreement").count() == 1


def test_two_payments_at_once_never_exceed_the_total(postgres, directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    agreement = draft(case, mediator)
    services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")
    proofs = [proof("a.jpg"), proof("b.jpg")]

    def paying(index):
        return lambda: services.payment_record(
            agreement_id=agreement.pk,
            actor=mediator,
            amount=Decimal("3000"),
            paid_on=timezone.localdate(),
            method=PaymentMethod.CASH,
            proof=proofs[index],
        )

    with mock.patch("config.celery.enqueue"):
        results = race(paying(0), paying(1))
    recorded = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if not isinstance(r, Payment)]
    assert len(recorded) == 1 and len(refused) == 1, results
    assert "超过协议尚未支付的 1,000.00 元" in str(refused[0])
    assert sum(p.amount for p in Payment.objects.all()) == Decimal("3000.00")
    assert sum(i.paid_amount for i in agreement.instalments.all()) == Decimal("3000.00")
