"""Quiet hours: an ordinary SMS due in them waits for their end (deferred, never dropped, no attempt counted); the
filing's confirmation with the PIN goes out at once; in-app messages and e-mail are not held."""

from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from disputes.intake.services import intake_submit
from disputes.models import CaseEvent
from disputes.permissions import SYSTEM, WORKER
from disputes.services import case_transition
from referrals import services
from referrals.models import Notification
from referrals.sms import sms_quiet_until
from referrals.states import NotificationChannel, NotificationStatus

from ..factories import case_in_state

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def _window_around_now(settings) -> datetime:
    """Quiet hours from an hour ago to an hour from now (Shanghai time); returns their end."""
    now = timezone.now().astimezone(SHANGHAI)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    settings.SMS_QUIET_HOURS = f"{start:%H:%M}-{end:%H:%M}"
    return end.replace(second=0, microsecond=0)


@pytest.mark.parametrize(
    ("window", "now", "until"),
    [
        ("21:00-08:00", _at(21, 0), _at(8, 0, day=11)),  # the start is quiet
        ("21:00-08:00", _at(23, 59), _at(8, 0, day=11)),
        ("21:00-08:00", _at(0, 5), _at(8, 0)),  # after midnight: ends the same morning
        ("21:00-08:00", _at(7, 59), _at(8, 0)),
        ("21:00-08:00", _at(8, 0), None),  # the end is not
        ("21:00-08:00", _at(12, 0), None),
        ("21:00-08:00", _at(20, 59), None),
        ("12:00-14:00", _at(13, 0), _at(14, 0)),  # a window within one day
        ("12:00-14:00", _at(14, 30), None),
        ("", _at(23, 0), None),  # none configured
        ("08:00-08:00", _at(8, 0), None),
    ],
)
def test_the_quiet_period_and_its_end(settings, window, now, until):
    settings.SMS_QUIET_HOURS = window
    assert sms_quiet_until(now) == until
    assert sms_quiet_until(now.astimezone(ZoneInfo("UTC"))) == until  # whatever zone "now" is given in


def test_the_default_is_nine_in_the_evening_to_eight_in_the_morning_in_shanghai(settings):
    assert settings.SMS_QUIET_HOURS == "21:00-08:00" and settings.SMS_QUIET_HOURS_TIME_ZONE == "Asia/Shanghai"
    assert sms_quiet_until(datetime(2026, 11, 10, 14, 30, tzinfo=ZoneInfo("UTC"))) == _at(
        8, 0, day=11
    )  # 22:30


@pytest.mark.parametrize("window", ["9pm-8am", "25:00-08:00", "21:00"])
def test_a_malformed_setting_is_refused_loudly(settings, window):
    settings.SMS_QUIET_HOURS = window
    with pytest.raises(ImproperlyConfigured):
        sms_quiet_until(_at(12))


@pytest.mark.django_db
def test_an_sms_in_quiet_hours_waits_for_their_end_and_is_swept_then(
    directory, settings, django_capture_on_commit_callbacks
):
    end = _window_around_now(settings)
    case = case_in_state("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        case_transition(case_id=case.pk, name="triage", actor=SYSTEM, payload={"station": directory.station})
    event = CaseEvent.objects.get(case=case, transition="triage")
    sms = Notification.objects.get(event=event, channel=NotificationChannel.SMS)
    assert sms.status == NotificationStatus.PENDING and sms.attempts == 0
    assert sms.next_attempt_at == end
    in_app = Notification.objects.filter(event=event, channel=NotificationChannel.IN_APP)
    assert in_app.exists() and set(in_app.values_list("status", flat=True)) == {NotificationStatus.SENT}

    with mock.patch.object(services, "enqueue_on_commit") as enqueue:
        services.notifications_sweep()
    assert mock.call(services.DELIVER_TASK, notification_id=sms.pk) not in enqueue.call_args_list

    settings.SMS_QUIET_HOURS = ""  # the night is over
    Notification.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with mock.patch.object(services, "enqueue_on_commit") as enqueue:
        services.notifications_sweep()
    enqueue.assert_any_call(services.DELIVER_TASK, notification_id=sms.pk)
    assert services.notification_deliver(notification_id=sms.pk) is True


@pytest.mark.django_db
def test_a_retry_falling_in_quiet_hours_is_deferred_without_counting_an_attempt(directory, settings):
    end = _window_around_now(settings)
    case = case_in_state("accepted", station=directory.station)
    note = Notification.objects.create(
        case=case,
        channel=NotificationChannel.SMS,
        to_worker=True,
        body="x",
        idempotency_key="quiet-1",
        attempts=2,
        next_attempt_at=timezone.now() - timedelta(minutes=1),
    )
    with mock.patch("referrals.sms.ConsoleSmsBackend.send") as send:
        assert services.notification_deliver(notification_id=note.pk) is False
        assert services.notification_deliver(notification_id=note.pk) is False
    send.assert_not_called()
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING and note.attempts == 2 and note.next_attempt_at == end


@pytest.mark.django_db
def test_the_confirmation_with_the_pin_goes_out_even_in_quiet_hours(
    settings, django_capture_on_commit_callbacks
):
    _window_around_now(settings)
    claim = {
        "worker_name": "陈静",
        "worker_id_number": "11010519491231002X",
        "worker_phone": "13700001111",
        "employer_name": "温州市某某家政服务有限公司",
        "industry": "domestic_services",
        "categories": ["wages"],
        "facts": "三个月工资未结清。",
    }
    with django_capture_on_commit_callbacks(execute=True):
        [filed] = intake_submit(claim=claim, amounts={"wages": Decimal("5000")}, actor=WORKER)
    sms = Notification.objects.get(case_id=filed.case_id, channel=NotificationChannel.SMS)
    assert sms.carries_pin and filed.pin in sms.body
    assert sms.status == NotificationStatus.SENT and sms.attempts == 1


@pytest.mark.django_db
def test_a_queued_sms_waits_too_but_an_in_app_message_does_not(
    directory, settings, django_capture_on_commit_callbacks
):
    end = _window_around_now(settings)
    case = case_in_state("accepted", station=directory.station)
    with django_capture_on_commit_callbacks(execute=True):
        sms = services.notification_queue(
            case_id=case.pk, channel="sms", body="请按约付款", idempotency_key="q-sms", phone="13600002222"
        )
        in_app = services.notification_queue(
            case_id=case.pk,
            channel="in_app",
            body="付款提醒已发出",
            idempotency_key="q-in-app",
            recipient_user_id=directory.staff["mediator"].pk,
        )
    sms.refresh_from_db()
    in_app.refresh_from_db()
    assert sms.status == NotificationStatus.PENDING and sms.next_attempt_at == end
    assert in_app.status == NotificationStatus.SENT
