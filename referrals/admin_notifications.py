"""Notifications in the workbench.

- **我的通知** (the Notification changelist): each staff member sees their own messages, unread first; opening one
  marks it read, and "全部标为已读" marks them all. Superusers see the whole outbox, with the dead letters (filter
  死信) and their error, and a "重新发送" action. A body that carries the worker's PIN is never shown.
- **The delivery log of a case**: an inline on the case page, plugged into ``disputes``' case admin from here so
  that ``disputes`` imports nothing of ``referrals``. It shows channel, recipient (phones and addresses masked),
  status, attempts, last error and sent time, never a body; a dead letter links to its "重新发送" page, which
  the staff who work the case may use.
- **Rules and templates**: who hears of which event, in which words; officials and superusers edit them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ScopedAdmin
from disputes.models import Case
from disputes.pii import mask_phone
from disputes.selectors import case_get_visible
from disputes.services import transition_label, transition_labels
from organizations.selectors import scope_for
from organizations.states import Role

from .models import MessageTemplate, Notification, NotificationRule
from .models.notifications import EVENT_WILDCARDS
from .selectors import UNREAD_FIRST, notification_inbox_for, notification_unread_count
from .services import can_retry_notification, notification_mark_read, notification_retry
from .states import NotificationChannel, NotificationStatus


def mask_email(address: str) -> str:
    """``zhang.wei@example.com`` → ``z***@example.com``."""
    local, _at, domain = (address or "").partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"


def recipient_label(note: Notification) -> str:
    """Who a notification is for, with phones and addresses masked."""
    if note.to_worker:
        return gettext("劳动者（%(phone)s）") % {"phone": note.case.worker_phone_masked}
    if note.recipient_user_id:
        user = note.recipient_user
        return user.get_full_name() or user.get_username()
    if note.to_phone:
        return mask_phone(note.to_phone)
    if note.to_email:
        return mask_email(note.to_email)
    return "—"


def body_for_staff(note: Notification) -> str:
    """The body as staff may read it: a message carrying the worker's PIN is replaced by a notice."""
    if note.carries_pin:
        return gettext("（提交确认短信，含查询码和查询密码，不予显示）")
    return note.body


def can_manage_notification_rules(user) -> bool:
    """Superusers and officials edit who is told of what: the rules apply to every case."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    scope = scope_for(user)
    return scope.is_superuser or Role.OFFICIAL in scope.roles


# --- 我的通知, and the outbox for superusers ---------------------------------------------------------------------
class ReadFilter(admin.SimpleListFilter):
    title = _("阅读状态")
    parameter_name = "unread"

    def lookups(self, request, model_admin):
        return [("1", _("未读")), ("0", _("已读"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(read_at__isnull=False)
        return queryset


class DeadLetterFilter(admin.SimpleListFilter):
    title = _("死信")
    parameter_name = "dead"

    def lookups(self, request, model_admin):
        return [("1", _("仅看死信（多次发送失败）"))]

    def queryset(self, request, queryset):
        return queryset.filter(status=NotificationStatus.FAILED) if self.value() == "1" else queryset


class NotificationAdmin(ScopedAdmin):
    not_found_message = _("未找到该通知。")
    change_list_template = "admin/referrals/notification/change_list.html"
    change_form_template = "admin/referrals/notification/change_form.html"
    retry_template = "admin/referrals/notification/retry.html"
    list_display = (
        "created_at",
        "case_link",
        "channel",
        "recipient_col",
        "body_short",
        "status",
        "attempts",
        "sent_at",
        "read_at",
    )
    list_filter = (ReadFilter, DeadLetterFilter, "status", "channel")
    list_select_related = ("case", "recipient_user")
    search_fields = ("case__tracking_code",)
    show_full_result_count = False
    actions = ["mark_read_selected", "retry_selected"]
    fields = (
        "case_link",
        "event_col",
        "channel",
        "recipient_col",
        "body_col",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "read_at",
        "last_error",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        if request.user.is_superuser:
            return super().get_queryset(request).select_related("case", "recipient_user", "event")
        return notification_inbox_for(user=request.user).select_related("recipient_user", "event")

    def get_ordering(self, request):
        return ("-created_at", "-id") if request.user.is_superuser else UNREAD_FIRST

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

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not request.user.is_superuser:
            actions.pop("retry_selected", None)  # a staff member's own messages are in-app: nothing to resend
        return actions

    # --- Columns -------------------------------------------------------------------------------------------------
    @admin.display(description=_("案件"), ordering="case__tracking_code")
    def case_link(self, obj):
        url = reverse("admin:disputes_case_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case.tracking_code)

    @admin.display(description=_("接收人"))
    def recipient_col(self, obj):
        return recipient_label(obj)

    @admin.display(description=_("内容"))
    def body_short(self, obj):
        text = Truncator(body_for_staff(obj)).chars(60)
        if obj.read_at is None and obj.channel == NotificationChannel.IN_APP:
            return format_html("<strong>{}</strong>", text)
        return text

    @admin.display(description=_("内容"))
    def body_col(self, obj):
        return body_for_staff(obj)

    @admin.display(description=_("事件"))
    def event_col(self, obj):
        return transition_label(obj.event.transition) if obj.event_id else gettext("（非案件事件的单独通知）")

    # --- Pages ---------------------------------------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "mark-all-read/", view(self.mark_all_read_view), name="referrals_notification_mark_all_read"
            ),
            path("<int:notification_id>/retry/", view(self.retry_view), name="referrals_notification_retry"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        unread = notification_unread_count(user=request.user)
        context = {"unread_count": unread, **(extra_context or {})}
        if not request.user.is_superuser:
            context.setdefault("title", gettext("我的通知"))
            context.setdefault("subtitle", gettext("%(n)d 条未读") % {"n": unread} if unread else "")
        return super().changelist_view(request, extra_context=context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        note = self.get_object(request, object_id)
        if note.recipient_user_id == request.user.pk and note.read_at is None:
            notification_mark_read(actor=request.user, notification_ids=[note.pk])  # read on open
        retry = note.status == NotificationStatus.FAILED and can_retry_notification(note, request.user)
        context = {
            "retry_url": reverse("admin:referrals_notification_retry", args=[note.pk]) if retry else "",
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def mark_all_read_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        count = notification_mark_read(actor=request.user)
        self.message_user(request, gettext("已将 %(n)d 条通知标为已读。") % {"n": count}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:referrals_notification_changelist"))

    def retry_view(self, request, notification_id):
        """GET: what would be sent again (never the body); POST: send it again. 404 outside the user's cases,
        403 for staff who do not work the case."""
        note = Notification.objects.select_related("case", "recipient_user", "event").filter(
            pk=notification_id
        )
        note = note.first()
        if note is None:
            raise Http404(self.not_found_message)
        note.case = case_get_visible(user=request.user, case_id=note.case_id)
        if not can_retry_notification(note, request.user):
            raise PermissionDenied(gettext("只有办理该案件的工作人员可以重新发送通知。"))
        back = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        back = back or reverse("admin:disputes_case_change", args=[note.case_id])
        if request.method == "POST":
            try:
                notification_retry(notification_id=note.pk, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, gettext("已重新排队发送。"), messages.SUCCESS)
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("重新发送通知"),
            "subtitle": note.case.tracking_code,
            "note": note,
            "recipient": recipient_label(note),
            "event_label": self.event_col(note),
            "back_url": back,
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.retry_template, context)

    # --- Actions -------------------------------------------------------------------------------------------------
    @admin.action(description=_("标为已读"))
    def mark_read_selected(self, request, queryset):
        count = notification_mark_read(
            actor=request.user, notification_ids=list(queryset.values_list("pk", flat=True))
        )
        self.message_user(request, gettext("已将 %(n)d 条通知标为已读。") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("重新发送所选的死信"))
    def retry_selected(self, request, queryset):
        done = 0
        for note in queryset.filter(status=NotificationStatus.FAILED):
            try:
                notification_retry(notification_id=note.pk, actor=request.user)
            except (ValidationError, PermissionDenied, Http404) as exc:
                message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{note.case.tracking_code}：{message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, gettext("已重新排队发送 %(n)d 条。") % {"n": done}, messages.SUCCESS)
        else:
            self.message_user(request, gettext("没有可重新发送的死信。"), messages.WARNING)


admin.site.register(Notification, NotificationAdmin)


# --- The delivery log on the case page -------------------------------------------------------------------------
class NotificationLogInline(admin.TabularInline):
    """Read-only rows of the case's notifications. The case admin has already scoped the case (404 otherwise)."""

    model = Notification
    fk_name = "case"
    template = "admin/referrals/notification/case_log_inline.html"
    verbose_name = _("通知发送记录")
    verbose_name_plural = _("通知发送记录")
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False
    fields = (
        "created_at",
        "event_col",
        "channel",
        "recipient_col",
        "status",
        "attempts",
        "sent_at",
        "error_col",
        "retry_col",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # The bodies are never shown here: not even decrypted.
        return (
            super()
            .get_queryset(request)
            .select_related("case", "recipient_user", "event")
            .defer("body")
            .order_by("-created_at", "-id")
        )

    def get_formset(self, request, obj=None, **kwargs):
        self._user = request.user  # an inline instance serves one request (ModelAdmin.get_inline_instances)
        self._case = obj
        return super().get_formset(request, obj, **kwargs)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("事件"))
    def event_col(self, obj):
        return transition_label(obj.event.transition) if obj.event_id else gettext("单独通知")

    @admin.display(description=_("接收人"))
    def recipient_col(self, obj):
        return recipient_label(obj)

    @admin.display(description=_("最近错误"))
    def error_col(self, obj):
        return Truncator(obj.last_error).chars(80) if obj.last_error else ""

    @admin.display(description=_("操作"))
    def retry_col(self, obj):
        if obj.status != NotificationStatus.FAILED or not can_retry_notification(obj, self._user):
            return ""
        url = reverse("admin:referrals_notification_retry", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, gettext("重新发送"))


def _plug_delivery_log_into_the_case_page() -> None:
    """``disputes`` registers the case admin before ``referrals`` (INSTALLED_APPS order, which autodiscover
    follows); the log is added to it here so that ``disputes`` needs to know nothing of notifications."""
    case_admin = admin.site.get_model_admin(Case)
    if NotificationLogInline not in case_admin.inlines:
        case_admin.inlines = (*case_admin.inlines, NotificationLogInline)


_plug_delivery_log_into_the_case_page()


# --- Rules and templates ---------------------------------------------------------------------------------------
class _RulesPermissionMixin:
    def has_module_permission(self, request):
        return can_manage_notification_rules(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_notification_rules(request.user)

    def has_add_permission(self, request):
        return can_manage_notification_rules(request.user)

    def has_change_permission(self, request, obj=None):
        return can_manage_notification_rules(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # rules retire by unticking 启用; templates are named by rules


def _event_choices():
    labels = transition_labels()
    return [
        *[(name, str(label)) for name, label in EVENT_WILDCARDS.items()],
        *[(name, f"{label}（{name}）") for name, label in sorted(labels.items(), key=lambda item: item[0])],
    ]


class NotificationRuleForm(forms.ModelForm):
    """The event and the template as choices of what exists, so a typo cannot silence a rule."""

    class Meta:
        model = NotificationRule
        fields = ("event", "audience", "channel", "template_key", "is_active", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"] = forms.ChoiceField(
            label=_("事件"),
            choices=_event_choices(),
            help_text=NotificationRule._meta.get_field("event").help_text,
        )
        keys = MessageTemplate.objects.order_by("key").values_list("key", flat=True).distinct()
        self.fields["template_key"] = forms.ChoiceField(
            label=_("消息模板"), choices=[(key, key) for key in keys]
        )


@admin.register(NotificationRule)
class NotificationRuleAdmin(_RulesPermissionMixin, ScopedAdmin):
    not_found_message = _("未找到该通知规则。")
    form = NotificationRuleForm
    list_display = ("event_col", "audience", "channel", "template_key", "is_active", "description")
    list_display_links = ("event_col",)
    list_filter = ("is_active", "audience", "channel")
    search_fields = ("event", "template_key", "description")
    ordering = ("event", "audience", "channel")

    @admin.display(description=_("事件"), ordering="event")
    def event_col(self, obj):
        if obj.event in EVENT_WILDCARDS:
            return str(EVENT_WILDCARDS[obj.event])
        return f"{transition_label(obj.event)}（{obj.event}）"


@admin.register(MessageTemplate)
class MessageTemplateAdmin(_RulesPermissionMixin, ScopedAdmin):
    not_found_message = _("未找到该消息模板。")
    list_display = ("key", "language", "body_short", "description", "updated_at")
    list_filter = ("language",)
    search_fields = ("key", "body", "description")
    ordering = ("key", "language")
    fields = ("key", "language", "body", "description")

    def get_readonly_fields(self, request, obj=None):
        # Rules name a template by its key and language: renaming one would silence its rules.
        return ("key", "language") if obj is not None else ()

    @admin.display(description=_("内容"))
    def body_short(self, obj):
        return Truncator(obj.body).chars(60)
