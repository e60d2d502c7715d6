"""Drafting an agreement (items, schedule, terms, checked), putting it up for signatures, and signing by both
parties: the worker with the PIN (time and address recorded, wrong PINs count towards the lock-out), the employer
recorded by the mediator; the case moves to agreement_reached only when both have signed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from disputes.exceptions import TransitionConflict
from disputes.models import Case, CaseEvent
from disputes.tracking import TRACK_MAX_FAILURES, TrackingLocked, worker_view
from mediation import services
from mediation.models import Agreement
from mediation.states import AgreementStatus, PaymentMethod

from .conftest import CLIENT_IP, EMPLOYER_PHONE, draft, items, schedule

pytestmark = pytest.mark.django_db


def test_a_draft_holds_items_schedule_and_terms(directory, mediating):
    case, _pin = mediating
    mediator = directory.staff["mediator"]
    agreement = draft(case, mediator, submit=False)

    assert (
        agreement.status == AgreementStatus.DRAFT
        and agreement.number == f"TJ-{timezone.localdate().year}-{agreement.pk:06d}"
    )
    assert agreement.total == Decimal("4000.00")
    assert [(i.category, i.amount) for i in agreement.items.all()] == [
        ("wages", Decimal("3000.00")),
        ("compensation", Decimal("1000.00")),
    ]
    assert [(i.sequence, i.amount) for i in agreement.instalments.all()] == [
        (1, Decimal("2000.00")),
        (2, Decimal("2000.00")),
    ]
    assert agreement.employer_contact_phone == EMPLOYER_PHONE
    assert agreement.employer_contact_phone_masked == "137****1111"
    assert agreement.created_by == mediator and agreement.employer_name == case.employer_name
    # A draft is the mediator's work in progress: no history row, nothing for the worker yet.
    assert not CaseEvent.objects.filter(case=case, transition="agreement_drafted").exists()

    services.agreement_submit(agreement_id=agreement.pk, actor=mediator)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES and agreement.submitted_at
    event = CaseEvent.objects.get(case=case, transition="agreement_drafted")
    assert event.payload == {"agreement": agreement.number, "total": "4000.00"}
    assert "调解员拟定了调解协议（协议金额 4,000.00 元），请在本页阅读协议并签署。" in [
        h.text for h in worker_view(case=case).history
    ]


@pytest.mark.parametrize(
    ("item_rows", "schedule_rows", "field", "words"),
    [
        ([("wages", "工资", "3000")], [(5, "1000"), (9, "1000")], "instalments", "不一致"),
        ([("wages", "工资", "3000")], [(-1, "3000")], "instalments", "不能早于今天"),
        ([("wages", "工资", "3000")], [(9, "1000"), (5, "2000")], "instalments", "先后顺序"),
        ([("wages", "工资", "3000")], [(9, "1000"), (9, "2000")], "instalments", "先后顺序"),
        ([("wages", "工资", "0")], [(5, "0")], "items", "必须大于零"),
        ([("wages", "工资", "10.005")], [(5, "10.005")], "items", "两位小数"),
        ([("wages", "", "100")], [(5, "100")], "items", "事项"),
        ([("nonsense", "工资", "100")], [(5, "100")], "items", "类别"),
        ([], [(5, "100")], "items", "至少"),
        ([("wages", "工资", "100")], [], "instalments", "付款日期"),
    ],
)
def test_a_draft_that_does_not_add_up_is_refused_with_a_clear_message(
    directory, mediating, item_rows, schedule_rows, field, words
):
    case, _pin = mediating
    with pytest.raises(ValidationError) as exc:
        services.agreement_draft(
            case_id=case.pk,
            actor=directory.staff["mediator"],
            items=items(*item_rows),
            instalments=schedule(*schedule_rows),
            payment_method=PaymentMethod.CASH,
            employer_contact_name="王经理",
        )
    assert words in " ".join(exc.value.message_dict[field])
    assert not Agreement.objects.exists()


def test_a_draft_checks_the_phone_the_method_and_the_contact(directory, mediating):
    case, _pin = mediating
    with pytest.raises(ValidationError) as exc:
        services.agreement_draft(
            case_id=case.pk,
            actor=directory.staff["mediator"],
            items=items(("wages", "工资", "100")),
            instalments=schedule((5, "100")),
            payment_method="gold",
            employer_contact_name="",
            employer_contact_phone="12345",
        )
    assert set(exc.value.message_dict) == {
        "payment_method",
        "employer_contact_name",
        "employer_contact_phone",
    }


def test_only_the_station_drafts_and_only_in_mediation(directory, mediating):
    case, _pin = mediating
    with pytest.raises(PermissionDenied):
        draft(case, directory.staff["other_mediator"])
    with pytest.raises(PermissionDenied):
        draft(case, directory.staff["court_clerk"])
    Case.objects.filter(pk=case.pk).update(status="accepted")
    with pytest.raises(TransitionConflict):
        draft(case, directory.staff["mediator"])


def test_a_new_draft_supersedes_an_unsigned_one_but_not_a_signed_one(directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    first = draft(case, mediator)
    second = draft(case, mediator, item_rows=[("wages", "工资", "4500")], schedule_rows=[(7, "4500")])
    first.refresh_from_db()
    assert first.status == AgreementStatus.VOID and "替代" in first.void_reason
    assert second.number != first.number and second.total == Decimal("4500.00")

    services.agreement_sign_by_worker(agreement_id=second.pk, pin=pin, client_ip=CLIENT_IP)
    with pytest.raises(TransitionConflict):
        draft(case, mediator)
    services.agreement_void(agreement_id=second.pk, actor=mediator, reason="用人单位拒绝签字")
    third = draft(case, mediator)
    assert third.status == AgreementStatus.AWAITING_SIGNATURES
    assert list(Agreement.objects.filter(case=case).exclude(status="void")) == [third]


def test_worker_then_employer_the_case_moves_only_at_the_second_signature(directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    agreement = draft(case, mediator)

    signed = services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    assert signed.worker_signed_at and signed.worker_signed_ip == CLIENT_IP
    assert signed.status == AgreementStatus.AWAITING_SIGNATURES
    assert Case.objects.get(pk=case.pk).status == "in_mediation"
    event = CaseEvent.objects.get(case=case, transition="agreement_signed_worker")
    assert event.actor_kind == "worker" and CLIENT_IP not in str(event.payload)

    with pytest.raises(TransitionConflict):
        services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)

    signed = services.agreement_sign_by_employer(
        agreement_id=agreement.pk, actor=mediator, signatory="王经理"
    )
    assert signed.status == AgreementStatus.EFFECTIVE
    assert signed.effective_at == signed.employer_signed_at >= signed.worker_signed_at
    assert signed.employer_signature_recorded_by == mediator and signed.employer_signatory == "王经理"
    case = Case.objects.get(pk=case.pk)
    assert case.status == "agreement_reached" and case.amount_agreed == Decimal("4000.00")
    recorded = CaseEvent.objects.get(case=case, transition="record_agreement")
    assert recorded.actor == mediator and recorded.payload == {"amount_agreed": "4000.00"}
    assert "双方当事人均已签署" in recorded.note
    assert "双方达成了调解协议，协议金额 4,000.00 元。" in [h.text for h in worker_view(case=case).history]


def test_employer_then_worker_the_workers_signature_makes_it_effective(directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    agreement = draft(case, mediator)
    services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")
    assert Case.objects.get(pk=case.pk).status == "in_mediation"
    with pytest.raises(TransitionConflict):
        services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")

    signed = services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    assert signed.status == AgreementStatus.EFFECTIVE and signed.effective_at == signed.worker_signed_at
    assert Case.objects.get(pk=case.pk).status == "agreement_reached"
    # The worker's signature ran the case's transition in the name of the mediator who drafted the agreement.
    assert CaseEvent.objects.get(case=case, transition="record_agreement").actor == mediator


def test_a_wrong_pin_signs_nothing_and_counts_towards_the_lock_out(directory, mediating):
    case, pin = mediating
    agreement = draft(case, directory.staff["mediator"])
    for _attempt in range(TRACK_MAX_FAILURES - 1):
        with pytest.raises(ValidationError) as exc:
            services.agreement_sign_by_worker(agreement_id=agreement.pk, pin="000000", client_ip=CLIENT_IP)
        assert "查询密码不正确" in exc.value.message_dict["pin"][0]
    with pytest.raises(TrackingLocked):
        services.agreement_sign_by_worker(agreement_id=agreement.pk, pin="000000", client_ip=CLIENT_IP)
    # Locked: even the right PIN is refused for a while.
    with pytest.raises(TrackingLocked):
        services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    agreement.refresh_from_db()
    assert agreement.worker_signed_at is None
    assert not CaseEvent.objects.filter(case=case, transition="agreement_signed_worker").exists()


def test_nobody_signs_a_draft_a_void_agreement_or_outside_mediation(directory, mediating):
    case, pin = mediating
    mediator = directory.staff["mediator"]
    agreement = draft(case, mediator, submit=False)
    with pytest.raises(TransitionConflict):
        services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    with pytest.raises(TransitionConflict):
        services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="王经理")
    services.agreement_submit(agreement_id=agreement.pk, actor=mediator)
    with pytest.raises(PermissionDenied):
        services.agreement_sign_by_employer(
            agreement_id=agreement.pk, actor=directory.staff["other_mediator"], signatory="王经理"
        )
    with pytest.raises(ValidationError):
        services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=mediator, signatory="  ")
    # The worker went to arbitration meanwhile (mediation is optional): the agreement can no longer be signed.
    Case.objects.filter(pk=case.pk).update(status="referred_to_arbitration")
    with pytest.raises(TransitionConflict):
        services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)


def test_an_effective_agreement_cannot_be_voided(directory, effective):
    _case, agreement, _pin = effective
    with pytest.raises(TransitionConflict):
        services.agreement_void(agreement_id=agreement.pk, actor=directory.staff["mediator"], reason="改主意")


def test_when_the_drafter_left_the_station_another_mediator_of_the_case_carries_the_transition(
    directory, mediating
):
    case, pin = mediating
    admin = directory.staff["station_admin"]
    agreement = draft(case, directory.staff["mediator"])
    services.agreement_sign_by_employer(agreement_id=agreement.pk, actor=admin, signatory="王经理")
    directory.staff["mediator"].memberships.all().delete()
    services.agreement_sign_by_worker(agreement_id=agreement.pk, pin=pin, client_ip=CLIENT_IP)
    assert CaseEvent.objects.get(case=case, transition="record_agreement").actor == admin


def test_dates_may_start_today(directory, mediating):
    case, _pin = mediating
    today = timezone.localdate()
    agreement = services.agreement_draft(
        case_id=case.pk,
        actor=directory.staff["mediator"],
        items=items(("wages", "工资", "100")),
        instalments=[services.InstalmentInput(due_on=today, amount="100")],
        payment_method=PaymentMethod.CASH,
        employer_contact_name="王经理",
    )
    assert agreement.instalments.get().due_on == today
    assert today + timedelta(days=1) > agreement.instalments.get().due_on
