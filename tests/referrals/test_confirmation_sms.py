"""The filing's confirmation SMS carries the tracking code and PIN; the PIN is kept (encrypted) one day only, in the
receipt and in the SMS's row alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from disputes.intake.services import intake_clean_up, intake_pin_for, intake_submit
from disputes.models import Case, IntakeReceipt
from disputes.permissions import WORKER
from referrals.models import Notification
from referrals.services import notification_pins_clean_up
from referrals.states import NotificationChannel

pytestmark = pytest.mark.django_db

CLAIM = {
    "worker_name": "陈静",
    "worker_id_number": "11010519491231002X",
    "worker_phone": "13700001111",
    "employer_name": "温州市某某家政服务有限公司",
    "industry": "domestic_services",
    "categories": ["wages"],
    "facts": "三个月工资未结清。",
}


def _file(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [filed] = intake_submit(claim=CLAIM, amounts={"wages": Decimal("5000")}, actor=WORKER)
    return filed


def test_the_confirmation_sms_gives_the_code_and_pin(django_capture_on_commit_callbacks):
    filed = _file(django_capture_on_commit_callbacks)
    sms = Notification.objects.get(case_id=filed.case_id, channel=NotificationChannel.SMS)
    assert filed.tracking_code in sms.body and filed.pin in sms.body
    assert sms.carries_pin  # hidden from staff, exempt from quiet hours, emptied after a day
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM referrals_notification WHERE id = %s", [sms.pk])
        assert filed.pin not in cursor.fetchone()[0]  # encrypted at rest


def test_after_a_day_the_pin_exists_nowhere(django_capture_on_commit_callbacks):
    filed = _file(django_capture_on_commit_callbacks)
    case = Case.objects.get(pk=filed.case_id)
    assert intake_pin_for(case=case) == filed.pin
    assert intake_clean_up(now=timezone.now() + timedelta(hours=23)) == (0, 0)
    assert intake_clean_up(now=timezone.now() + timedelta(days=1, minutes=1)) == (1, 0)
    assert IntakeReceipt.objects.get(pk=case.receipt_id).answer == ""
    assert intake_pin_for(case=case) is None
    # ...nor in the confirmation SMS's row (referrals.clean_up_notification_pins, hourly).
    assert notification_pins_clean_up(now=timezone.now() + timedelta(hours=23)) == 0
    assert notification_pins_clean_up(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    sms = Notification.objects.get(case=case, channel=NotificationChannel.SMS)
    assert sms.body == ""
