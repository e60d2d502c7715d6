"""Reads of notifications, scoped to the user: a staff member's own inbox and its unread count. (A case's delivery
log is read through the case admin, which has already scoped the case: referrals/admin_notifications.py.)"""

from django.db.models import F, QuerySet

from .models import Notification
from .states import NotificationChannel

UNREAD_FIRST = (F("read_at").asc(nulls_first=True), "-created_at", "-id")


def notification_inbox_for(*, user) -> QuerySet[Notification]:
    """The user's own in-app messages (an e-mail is read in the mailbox), unread first, newest first. Nobody
    else's, whoever the user is."""
    if not getattr(user, "pk", None):
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient_user_id=user.pk, channel=NotificationChannel.IN_APP)
        .select_related("case")
        .order_by(*UNREAD_FIRST)
    )


def notification_unread_count(*, user) -> int:
    """How many of the user's in-app messages are unread (what the admin header and 我的通知 show)."""
    if not getattr(user, "pk", None) or not user.is_active or not user.is_staff:
        return 0
    return notification_inbox_for(user=user).filter(read_at__isnull=True).count()
