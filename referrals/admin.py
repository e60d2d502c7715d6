"""Notifications in the workbench: each staff member sees their own (我的通知), read-only; superusers see the
whole outbox to follow delivery."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ScopedAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin):
    not_found_message = _("未找到该通知。")
    list_display = ("created_at", "case_link", "channel", "body_short", "status", "sent_at", "read_at")
    list_filter = ("status", "channel")
    list_select_related = ("case",)
    search_fields = ("case__tracking_code",)
    show_full_result_count = False
    ordering = ("-created_at", "-id")
    fields = (
        "case_link",
        "channel",
        "recipient_user",
        "to_worker",
        "body",
        "status",
        "attempts",
        "sent_at",
        "read_at",
        "last_error",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(recipient_user=request.user)

    # Every staff member may read their own notifications (the queryset holds only theirs); nobody edits them.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not request.user.is_superuser:
            extra_context = {"title": gettext("我的通知"), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description=_("案件"), ordering="case__tracking_code")
    def case_link(self, obj):
        url = reverse("admin:disputes_case_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case.tracking_code)

    @admin.display(description=_("内容"))
    def body_short(self, obj):
        return Truncator(obj.body).chars(60)
