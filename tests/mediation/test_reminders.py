"""The daily sweep: a reminder before each due date (to the employer's contact by SMS, the mediator in-app), a
missed-payment reminder after it (the worker reads it and gets an SMS), each once per instalment and kind however
often the sweep runs; and the notice that the 15-day mediation period passed without an agreement."""

from datetime import timedelta

import pytest

from disputes.models import Case, CaseEvent
from disputes.tracking import worker_view
from mediation.services import instalment_remind, reminders_run
from mediation.tasks import reminders_task
from referrals.models import Notification

from .conftest import EMPLOYER_PHONE, pay

pytestmark = pytest.mark.django_db


def test_before_the_due_date_the_employer_and_the_mediator_are_reminded_once(directory, effective, settings):
    settings.MEDIATION_PAYMENT_REMINDER_DAYS = 3
    case, agreement, _pin = effective
    first = agreement.instalments.get(sequence=1)
    too_early = first.due_on - timedelta(days=4)
    assert reminders_run(today=too_early) == {"due_soon": 0, "missed": 0, "mediation_limit": 0}

    day = first.due_on - timedelta(days=3)
    assert reminders_run(today=day)["due_soon"] == 1
    assert reminders_run(today=day)["due_soon"] == 0
    assert reminders_run(today=day + timedelta(days=1))["due_soon"] == 0  # once per instalment, not per day

    event = CaseEvent.objects.get(case=case, transition="payment_due_soon")
    assert event.actor_kind == "system" and event.payload["instalment"] == 1
    assert event.payload["outstanding"] == "2000.00"
    sms = Notification.objects.get(idempotency_key=f"mediation:instalment:{first.pk}:due_soon:employer:sms")
    assert sms.channel == "sms" and sms.to_phone == EMPLOYER_PHONE and not sms.to_worker
    assert agreement.number in sms.body and "2,000.00" in sms.body and first.due_on.isoformat() in sms.body
    # Staff only: the worker's page does not show the reminder to the employer.
    assert "payment_due_soon" not in {h.text for h in worker_view(case=case).history}
    assert all("应于" not in h.text for h in worker_view(case=case).history)


def test_the_drafting_mediator_is_told_in_app_when_the_case_has_no_mediator(directory, effective):
    case, agreement, _pin = effective
    Case.objects.filter(pk=case.pk).update(mediator=None)
    first = agreement.instalments.get(sequence=1)
    assert instalment_remind(instalment_id=first.pk, kind="due_soon", today=first.due_on)
    note = Notification.objects.get(idempotency_key=f"mediation:instalment:{first.pk}:due_soon:mediator")
    assert note.channel == "in_app" and note.recipient_user == directory.staff["mediator"]


def test_a_missed_payment_is_recorded_once_and_the_worker_is_told(directory, effective):
    case, agreement, _pin = effective
    mediator = directory.staff["mediator"]
    first = agreement.instalments.get(sequence=1)
    pay(agreement, mediator, "500")
    after = first.due_on + timedelta(days=1)

    assert reminders_run(today=after)["missed"] == 1
    assert reminders_run(today=after + timedelta(days=5))["missed"] == 0
    first.refresh_from_db()
    assert first.missed_at is not None
    event = CaseEvent.objects.get(case=case, transition="payment_missed")
    assert event.payload["outstanding"] == "1500.00"
    texts = [h.text for h in worker_view(case=case).history]
    due = first.due_on
    assert (
        f"用人单位没有在{due.year}年{due.month}月{due.day}日前付清协议约定的款项（尚欠 1,500.00 元）。"
        in " ".join(texts)
    )
    to_worker = Notification.objects.get(idempotency_key=f"mediation:instalment:{first.pk}:missed:worker:sms")
    assert to_worker.to_worker and case.tracking_code in to_worker.body
    employer = Notification.objects.get(
        idempotency_key=f"mediation:instalment:{first.pk}:missed:employer:sms"
    )
    assert "尚欠 1,500.00 元" in employer.body and employer.to_phone == EMPLOYER_PHONE


def test_paid_instalments_and_finished_cases_are_not_reminded(directory, effective):
    case, agreement, _pin = effective
    first = agreement.instalments.get(sequence=1)
    pay(agreement, directory.staff["mediator"], "2000")
    assert reminders_run(today=first.due_on + timedelta(days=1))["missed"] == 0
    Case.objects.filter(pk=case.pk).update(status="withdrawn")
    second = agreement.instalments.get(sequence=2)
    assert reminders_run(today=second.due_on + timedelta(days=1)) == {
        "due_soon": 0,
        "missed": 0,
        "mediation_limit": 0,
    }


def test_without_a_contact_phone_only_the_history_and_the_mediator_hear_of_it(directory, effective):
    _case, agreement, _pin = effective
    type(agreement).objects.filter(pk=agreement.pk).update(employer_contact_phone="")
    first = agreement.instalments.get(sequence=1)
    assert instalment_remind(instalment_id=first.pk, kind="due_soon", today=first.due_on)
    assert not Notification.objects.filter(to_phone__isnull=False).exclude(to_phone="").exists()


def test_the_fifteen_day_mediation_period_passing_tells_the_worker_they_may_go_to_arbitration(
    directory, mediating
):
    case, _pin = mediating
    # The rule the migrations seed (LDMAL Art. 14), started by the acceptance.
    deadline = case.deadlines.get(rule__code="mediation.arb_unlock")
    assert reminders_run(today=deadline.due_on)["mediation_limit"] == 0
    after = deadline.due_on + timedelta(days=1)
    assert reminders_run(today=after)["mediation_limit"] == 1
    assert reminders_run(today=after)["mediation_limit"] == 0
    texts = [h.text for h in worker_view(case=case).history]
    assert "调解期限（十五日）已满，仍未达成调解协议。您可以申请劳动仲裁，也可以继续调解。" in texts
    sms = Notification.objects.get(idempotency_key__startswith=f"mediation:limit:{case.pk}:", to_worker=True)
    assert "申请劳动仲裁" in sms.body


def test_the_beat_task_runs_the_sweep(directory, effective, settings):
    _case, agreement, _pin = effective
    settings.MEDIATION_PAYMENT_REMINDER_DAYS = 60  # today is within reach of both due dates
    assert reminders_task() == {"due_soon": 2, "missed": 0, "mediation_limit": 0}
    assert settings.CELERY_BEAT_SCHEDULE["mediation-reminders"]["task"] == "mediation.reminders"
