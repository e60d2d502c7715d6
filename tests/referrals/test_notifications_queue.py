"""notification_queue: a one-off message written in the caller's transaction and published after commit, once per
idempotency key, to the worker, a user, or a phone or address of someone else (kept encrypted)."""

from unittest import mock

import pytest
from django.db import connection, transaction

from referrals import services
from referrals.models import Notification
from referrals.states import NotificationChannel, NotificationStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db

CONTACT_PHONE = "13600002222"


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture
def case(directory):
    return case_in_state("agreement_reached", station=directory.station, mediator=directory.staff["mediator"])


def test_an_sms_to_an_employers_contact_is_queued_encrypted_and_sent_after_commit(
    case, django_capture_on_commit_callbacks
):
    with mock.patch("referrals.sms.ConsoleSmsBackend.send") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            row = services.notification_queue(
                case_id=case.pk,
                channel=NotificationChannel.SMS,
                body="【一站式劳动争议调处】请于3日内按调解协议支付款项。",
                idempotency_key=f"payment:{case.pk}:1",
                phone=CONTACT_PHONE,
            )
        assert len(callbacks) == 1 and row.status == NotificationStatus.PENDING
        send.assert_not_called()  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    send.assert_called_once_with(CONTACT_PHONE, "【一站式劳动争议调处】请于3日内按调解协议支付款项。")
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and row.to_phone == CONTACT_PHONE and not row.to_worker
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_phone FROM referrals_notification WHERE id = %s", [row.pk])
        assert CONTACT_PHONE not in cursor.fetchone()[0]  # encrypted at rest


def test_the_same_key_twice_queues_once(case, django_capture_on_commit_callbacks):
    kwargs = {
        "case_id": case.pk,
        "channel": "sms",
        "body": "提醒",
        "idempotency_key": "same-key",
        "to_worker": True,
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.notification_queue(**kwargs)
        second = services.notification_queue(**{**kwargs, "body": "另一条"})
    assert first is not None and second is None
    assert len(callbacks) == 1
    assert Notification.objects.get(idempotency_key="same-key").body == "提醒"


def test_a_rollback_leaves_no_row_and_publishes_nothing(case, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notification_queue(
            case_id=case.pk,
            channel="in_app",
            body="x",
            idempotency_key="rolled-back",
            recipient_user_id=case.mediator_id,
        )
        raise RuntimeError("the caller's change failed")
    assert callbacks == []
    assert not Notification.objects.filter(idempotency_key="rolled-back").exists()


def test_an_email_goes_to_the_users_address_or_to_the_one_given(
    case, directory, django_capture_on_commit_callbacks, mailoutbox
):
    mediator = directory.staff["mediator"]
    mediator.email = "mediator@station.example"
    mediator.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_queue(
            case_id=case.pk,
            channel="email",
            body="协议履行期限将至。",
            idempotency_key="mail-1",
            recipient_user_id=mediator.pk,
        )
        services.notification_queue(
            case_id=case.pk,
            channel="email",
            body="请按约付款。",
            idempotency_key="mail-2",
            email="hr@employer.example",
        )
    assert sorted(message.to[0] for message in mailoutbox) == [
        "hr@employer.example",
        "mediator@station.example",
    ]
    assert all(case.tracking_code in message.subject for message in mailoutbox)
    assert set(
        Notification.objects.filter(idempotency_key__startswith="mail-").values_list("status", flat=True)
    ) == {NotificationStatus.SENT}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channel": "sms"}, "exactly one"),
        ({"channel": "sms", "to_worker": True, "phone": CONTACT_PHONE}, "exactly one"),
        ({"channel": "in_app", "to_worker": True}, "cannot reach"),
        ({"channel": "sms", "email": "a@b.example"}, "cannot reach"),
        ({"channel": "fax", "to_worker": True}, "cannot reach"),
        ({"channel": "sms", "to_worker": True, "body": "  "}, "empty"),
        ({"channel": "sms", "to_worker": True, "idempotency_key": "k" * 121}, "idempotency_key"),
        ({"channel": "in_app", "recipient_user_id": 987654}, "no user"),
        ({"channel": "email", "recipient_user_id": "mediator"}, "no e-mail"),
    ],
)
def test_a_call_that_cannot_be_delivered_is_refused(case, kwargs, message):
    if kwargs.get("recipient_user_id") == "mediator":
        kwargs = {**kwargs, "recipient_user_id": case.mediator_id}  # a user without an address
    call = {"case_id": case.pk, "body": "x", "idempotency_key": "refused", **kwargs}
    with pytest.raises(ValueError, match=message):
        services.notification_queue(**call)
    assert not Notification.objects.filter(idempotency_key="refused").exists()


def test_an_unknown_case_is_refused():
    with pytest.raises(ValueError, match="no case"):
        services.notification_queue(
            case_id=987654, channel="sms", body="x", idempotency_key="k", to_worker=True
        )
