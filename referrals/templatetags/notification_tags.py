"""The admin header's link to 我的通知, with the number of unread in-app messages."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from ..selectors import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications_link(context) -> str:
    """``我的通知（3） /`` for an active staff member (the number only when there are unread messages); nothing
    for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return ""
    unread = notification_unread_count(user=user)
    url = reverse("admin:referrals_notification_changelist")
    if unread:
        return format_html(
            '<a href="{}?unread=1" id="unread-notifications" data-unread="{}">{}<span class="os-unread">{}</span></a> / ',
            url,
            unread,
            gettext("我的通知"),
            gettext("（%(n)d 条未读）") % {"n": unread},
        )
    return format_html(
        '<a href="{}" id="unread-notifications" data-unread="0">{}</a> / ', url, gettext("我的通知")
    )
