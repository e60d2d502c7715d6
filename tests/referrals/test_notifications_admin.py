"""Notifications in the admin: 我的通知 (own messages only, unread first, read on open, all marked read at once, the
unread count in the header), the case page's delivery log (masked recipients, no bodies, a PIN never shown), dead
letters sent again, and rules and templates edited by officials only."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import MessageTemplate, Notification, NotificationRule
from referrals.states import NotificationChannel, NotificationStatus

from ..factories import case_in_state

pytestmark = pytest.mark.django_db

INBOX = "admin:referrals_notification_changelist"


@pytest.fixture(autouse=True)
def no_quiet_hours(settings):
    settings.SMS_QUIET_HOURS = ""


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root-notify", password="pass-1234")


@pytest.fixture
def case(directory):
    return case_in_state("accepted", station=directory.station, mediator=directory.staff["mediator"])


def _in_app(case, user, body, **extra):
    return Notification.objects.create(
        case=case,
        channel=NotificationChannel.IN_APP,
        recipient_user=user,
        body=body,
        idempotency_key=body,
        **extra,
    )


def _row_order(content: str, *bodies: str) -> list[str]:
    return sorted(bodies, key=content.index)


def test_my_notifications_are_mine_only_unread_first_and_read_on_open(client, directory, case):
    mediator = directory.staff["mediator"]
    read = _in_app(case, mediator, "旧消息：已读", read_at=timezone.now())
    unread = _in_app(case, mediator, "新消息：未读")
    Notification.objects.filter(pk=unread.pk).update(created_at=timezone.now() - timedelta(days=1))
    theirs = _in_app(case, directory.staff["station_admin"], "别人的消息")
    client.force_login(mediator)

    content = client.get(reverse(INBOX)).content.decode()
    assert "我的通知" in content and "1 条未读" in content
    assert theirs.body not in content
    assert _row_order(content, read.body, unread.body) == [
        unread.body,
        read.body,
    ]  # unread first, though older
    assert client.get(reverse(INBOX) + "?unread=1").content.decode().count("新消息") >= 1

    assert client.get(reverse("admin:referrals_notification_change", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("admin:referrals_notification_change", args=[unread.pk])).status_code == 200
    unread.refresh_from_db()
    assert unread.read_at is not None


def test_the_header_shows_the_unread_count_and_mark_all_read_clears_it(client, directory, case):
    mediator = directory.staff["mediator"]
    for n in range(3):
        _in_app(case, mediator, f"消息 {n}")
    other = _in_app(case, directory.staff["station_admin"], "管理员的消息")
    client.force_login(mediator)
    page = client.get(reverse("admin:index")).content.decode()
    assert re.search(r'id="unread-notifications" data-unread="3"', page)
    assert "我的通知" in page and "（3 条未读）" in page

    assert client.get(reverse("admin:referrals_notification_mark_all_read")).status_code == 405
    response = client.post(reverse("admin:referrals_notification_mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient_user=mediator, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None  # nobody else's messages
    assert 'data-unread="0"' in client.get(reverse("admin:index")).content.decode()


def test_the_mark_read_action_touches_only_the_users_own_rows(client, directory, case, root):
    mine = _in_app(case, root, "给超级管理员")
    theirs = _in_app(case, directory.staff["mediator"], "给调解员")
    client.force_login(root)  # a superuser sees every row, but marks only their own read
    response = client.post(
        reverse(INBOX), {"action": "mark_read_selected", "_selected_action": [mine.pk, theirs.pk]}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_the_confirmation_body_with_the_pin_is_never_shown_to_staff(client, directory, root):
    case = case_in_state("submitted")
    sms = Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="查询码 T1，查询密码 246810",
        carries_pin=True,
        idempotency_key="p",
    )
    client.force_login(root)
    for url in (reverse(INBOX), reverse("admin:referrals_notification_change", args=[sms.pk])):
        content = client.get(url).content.decode()
        assert "246810" not in content and "不予显示" in content
        assert "13812345678" not in content and "138****5678" in content


def test_the_case_page_shows_its_delivery_log_masked_and_without_bodies(client, directory, case, root):
    mediator = directory.staff["mediator"]
    Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="含密码 246810",
        carries_pin=True,
        idempotency_key="a",
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
        attempts=1,
    )
    Notification.objects.create(
        case=case,
        channel="sms",
        to_phone="13600002222",
        body="请按约付款",
        idempotency_key="b",
        status=NotificationStatus.FAILED,
        attempts=5,
        last_error="SmsError: HTTP 500 InternalError",
    )
    Notification.objects.create(
        case=case, channel="email", to_email="hr@employer.example", body="邮件正文", idempotency_key="c"
    )
    _in_app(case, directory.staff["station_admin"], "站内正文")
    other_case = case_in_state("accepted", station=directory.station)
    _in_app(other_case, mediator, "别的案件")

    client.force_login(mediator)
    response = client.get(reverse("admin:disputes_case_change", args=[case.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    log = content[content.index('id="case-notifications"') :]
    assert log.count("data-notification=") == 4  # this case's rows only
    for body in ("246810", "请按约付款", "邮件正文", "站内正文", "别的案件"):
        assert body not in log
    assert "13600002222" not in content and "136****2222" in log
    assert "hr@employer.example" not in content and "h***@employer.example" in log
    assert "138****5678" in log and "admin_a" in log
    assert "HTTP 500 InternalError" in log
    failed = Notification.objects.get(idempotency_key="b")
    assert (
        reverse("admin:referrals_notification_retry", args=[failed.pk]) in log
    )  # the mediator works the case
    assert "在通知列表中查看" not in log  # the full outbox is for superusers

    client.force_login(directory.staff["official"])  # sees the case, does not work it: no retry link
    content = client.get(reverse("admin:disputes_case_change", args=[case.pk])).content.decode()
    assert 'id="case-notifications"' in content
    assert reverse("admin:referrals_notification_retry", args=[failed.pk]) not in content

    client.force_login(root)
    content = client.get(reverse("admin:disputes_case_change", args=[case.pk])).content.decode()
    link = f"{reverse(INBOX)}?case__id__exact={case.pk}"
    assert link in content
    listed = client.get(link).content.decode()
    assert "请按约付款" in listed and "别的案件" not in listed


def test_a_dead_letter_is_sent_again_from_its_page(
    client, directory, case, django_capture_on_commit_callbacks
):
    dead = Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="您的申请已受理。",
        idempotency_key="dead",
        status=NotificationStatus.FAILED,
        attempts=5,
        last_error="OSError: gateway down",
    )
    url = reverse("admin:referrals_notification_retry", args=[dead.pk])
    client.force_login(directory.staff["other_admin"])
    assert client.get(url).status_code == 404
    client.force_login(directory.staff["official"])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403

    client.force_login(directory.staff["station_admin"])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "gateway down" in content and "138****5678" in content and "您的申请已受理" not in content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:disputes_case_change", args=[case.pk])
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.SENT

    response = client.post(url, follow=True)  # no longer a dead letter
    assert "只有发送失败的通知可以重新发送" in response.content.decode()


def test_superusers_filter_the_dead_letters_and_resend_them_in_bulk(
    client, directory, case, root, django_capture_on_commit_callbacks
):
    dead = Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="死信正文",
        idempotency_key="d1",
        status=NotificationStatus.FAILED,
        attempts=5,
        last_error="OSError: down",
    )
    Notification.objects.create(
        case=case,
        channel="sms",
        to_worker=True,
        body="已发正文",
        idempotency_key="d2",
        status=NotificationStatus.SENT,
    )
    client.force_login(root)
    content = client.get(reverse(INBOX) + "?dead=1").content.decode()
    assert "死信正文" in content and "已发正文" not in content
    page = client.get(reverse("admin:referrals_notification_change", args=[dead.pk])).content.decode()
    assert 'data-testid="retry-notification"' in page and "OSError: down" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(INBOX), {"action": "retry_selected", "_selected_action": [dead.pk]})
    dead.refresh_from_db()
    assert dead.status == NotificationStatus.SENT


def test_staff_cannot_resend_in_bulk_or_edit_notifications(client, directory, case):
    client.force_login(directory.staff["mediator"])
    content = client.get(reverse(INBOX)).content.decode()
    assert "retry_selected" not in content and "delete_selected" not in content
    assert client.get(reverse("admin:referrals_notification_add")).status_code == 403


def test_officials_edit_the_rules_and_templates_and_other_staff_may_not(client, directory):
    rules = reverse("admin:referrals_notificationrule_changelist")
    templates = reverse("admin:referrals_messagetemplate_changelist")
    client.force_login(directory.staff["mediator"])
    assert client.get(rules).status_code == 403
    assert client.get(templates).status_code == 403

    client.force_login(directory.staff["official"])
    assert "所有状态变更" in client.get(rules).content.decode()
    response = client.post(
        reverse("admin:referrals_notificationrule_add"),
        {
            "event": "accept",
            "audience": "station_staff",
            "channel": "email",
            "template_key": "staff_transition",
            "is_active": "on",
            "description": "受理时邮件告知",
        },
    )
    assert response.status_code == 302
    assert NotificationRule.objects.filter(event="accept", channel="email", audience="station_staff").exists()

    response = client.post(
        reverse("admin:referrals_notificationrule_add"),
        {"event": "accept", "audience": "worker", "channel": "in_app", "template_key": "worker_status"},
    )
    assert response.status_code == 200 and "劳动者只能通过短信通知" in response.content.decode()

    template = MessageTemplate.objects.get(key="worker_status", language="en")
    response = client.post(
        reverse("admin:referrals_messagetemplate_change", args=[template.pk]),
        {"body": "Case {code}: {amount}", "description": ""},
    )
    assert response.status_code == 200 and "{amount}" in response.content.decode()
    response = client.post(
        reverse("admin:referrals_messagetemplate_change", args=[template.pk]),
        {"body": "OneStop: case {code} is now {status}.", "description": "shorter"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "OneStop: case {code} is now {status}." and template.key == "worker_status"
    assert client.post(reverse("admin:referrals_notificationrule_delete", args=[1])).status_code == 403
