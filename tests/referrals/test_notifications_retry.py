"""Dead letters: a notification failed after its last attempt is sent again only by the staff who work its case (or
a superuser), back to pending and published after commit; and the PIN of a confirmation SMS is emptied from its row
after a day, like the intake receipt's."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from referrals import services
from referrals.models import Notification
from referrals.states import NotificationChannel, NotificationStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture
def dead(directory):
    case = case_in_state("accepted", station=directory.station, mediator=directory.staff["mediator"])
    return Notification.objects.create(
        case=case,
        channel=NotificationChannel.SMS,
        to_worker=True,
        body="您的申请已受理。",
        idempotency_key="dead-1",
        status=NotificationStatus.FAILED,
        attempts=services.MAX_ATTEMPTS,
        last_error="SmsError: Aliyun SMS to 138****5678: HTTP 200 isv.BUSINESS_LIMIT_CONTROL",
    )


def test_the_last_failed_attempt_makes_a_dead_letter(directory):
    case = case_in_state("accepted", station=directory.station)
    note = Notification.objects.create(
        case=case,
        channel=NotificationChannel.SMS,
        to_worker=True,
        body="x",
        idempotency_key="dying",
        attempts=services.MAX_ATTEMPTS - 1,
    )
    with mock.patch("referrals.sms.ConsoleSmsBackend.send", side_effect=OSError("gateway down")):
        assert services.notification_deliver(notification_id=note.pk) is False
    note.refresh_from_db()
    assert note.status == NotificationStatus.FAILED and "gateway down" in note.last_error


def test_the_cases_staff_send_a_dead_letter_again(dead, directory, django_capture_on_commit_callbacks):
    with (
        mock.patch("referrals.sms.ConsoleSmsBackend.send") as send,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        note = services.notification_retry(notification_id=dead.pk, actor=directory.staff["station_admin"])
        assert note.status == NotificationStatus.PENDING and note.attempts == 0
        send.assert_not_called()  # published only after commit
    assert len(callbacks) == 1
    send.assert_called_once()
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.SENT and dead.attempts == 1 and dead.last_error == ""


def test_a_superuser_may_send_any_dead_letter_again(
    dead, django_user_model, django_capture_on_commit_callbacks
):
    root = django_user_model.objects.create_superuser("root-retry", password="pass-1234")
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_retry(notification_id=dead.pk, actor=root)
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.SENT


def test_who_may_not_send_it_again(dead, directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Http404):  # another station's staff do not see the case at all
            services.notification_retry(notification_id=dead.pk, actor=directory.staff["other_admin"])
        with pytest.raises(PermissionDenied):  # an official sees the case but does not work it
            services.notification_retry(notification_id=dead.pk, actor=directory.staff["official"])
        with pytest.raises(Http404):
            services.notification_retry(notification_id=987654, actor=directory.staff["station_admin"])
    assert callbacks == []
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.FAILED


def test_only_a_dead_letter_is_sent_again(dead, directory):
    Notification.objects.filter(pk=dead.pk).update(status=NotificationStatus.SENT)
    with pytest.raises(ValidationError, match="只有发送失败的通知"):
        services.notification_retry(notification_id=dead.pk, actor=directory.staff["station_admin"])


def test_a_confirmation_sms_loses_its_pin_after_a_day_and_cannot_be_resent_then(directory):
    case = case_in_state("submitted")
    old = timezone.now() - timedelta(days=1, minutes=5)
    sent = Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="查询密码 123456",
        carries_pin=True,
        idempotency_key="pin-sent",
        status=NotificationStatus.SENT,
        created_at=old,
    )
    stuck = Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="查询密码 654321",
        carries_pin=True,
        idempotency_key="pin-stuck",
        status=NotificationStatus.PENDING,
        created_at=old,
    )
    fresh = Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="查询密码 111111",
        carries_pin=True,
        idempotency_key="pin-new",
    )
    ordinary = Notification.objects.create(
        case=case, channel="sms", to_worker=True, body="状态更新", idempotency_key="plain", created_at=old
    )
    assert services.notification_pins_clean_up() == 2
    assert services.notification_pins_clean_up() == 0
    for row in (sent, stuck, fresh, ordinary):
        row.refresh_from_db()
    assert sent.body == "" and sent.status == NotificationStatus.SENT
    assert stuck.body == "" and stuck.status == NotificationStatus.FAILED and "保存期限" in stuck.last_error
    assert fresh.body == "查询密码 111111" and ordinary.body == "状态更新"
    root = type(directory.staff["station_admin"]).objects.create_superuser("root-pin", password="pass-1234")
    with pytest.raises(ValidationError, match="超过保存期限"):
        services.notification_retry(notification_id=stuck.pk, actor=root)
