"""Handoffs in the admin: the receiving organization's inbox (签收, 接收, 不予接收, 反馈结果), what the sender
sees of its handoffs, and the dead letters with their error and a retry button. Every page starts from
:func:`referrals.handoffs.handoff_list_visible_to`; a handoff outside it is a 404."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdminMixin, ScopedAdmin
from disputes.exceptions import TransitionConflict
from disputes.pii import mask_id_number, mask_phone
from organizations.selectors import scope_for

from .handoffs import (
    ANSWER_NAMES,
    handoff_answer,
    handoff_delivery_retry,
    handoff_is_receiver,
    handoff_list_visible_to,
    handoff_may_operate,
)
from .models import AgencyEndpoint, Handoff, HandoffDelivery
from .states import HANDOFF_DECIDED, DeliveryStatus, HandoffStatus

_ANSWER_LABELS = {
    "acknowledge": _("签收"),
    "accept": _("接收办理"),
    "decline": _("不予接收"),
    "complete": _("反馈办理结果"),
}


class HandoffAnswerForm(forms.Form):
    reason = forms.CharField(
        label=_("不予接收的理由"), required=False, max_length=2000, widget=forms.Textarea
    )
    reference = forms.CharField(label=_("本机构案号"), required=False, max_length=64)
    assignee_name = forms.CharField(label=_("承办人"), required=False, max_length=64)
    outcome = forms.CharField(label=_("办理结果"), required=False, max_length=4000, widget=forms.Textarea)


class DirectionFilter(admin.SimpleListFilter):
    title = _("方向")
    parameter_name = "direction"

    def lookups(self, request, model_admin):
        return [("received", _("收到的（收件箱）")), ("sent", _("发出的"))]

    def queryset(self, request, queryset):
        scope = scope_for(request.user)
        if self.value() == "received" and not scope.is_superuser:
            return queryset.filter(to_org_id__in=scope.org_ids)
        if self.value() == "sent" and not scope.is_superuser:
            return queryset.filter(from_org_id__in=scope.org_ids)
        return queryset


class HandoffDeliveryInline(admin.TabularInline):
    model = HandoffDelivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "lapses", "next_attempt_at", "delivered_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    not_found_message = _("未找到该移交。")
    list_display = ("created_at", "case_link", "kind", "from_org", "to_org", "status", "reference")
    list_filter = (DirectionFilter, "status", "kind")
    search_fields = ("case__tracking_code", "reference")
    list_select_related = ("case", "from_org", "to_org")
    show_full_result_count = False
    ordering = ("-created_at", "-id")
    inlines = [HandoffDeliveryInline]
    fields = (
        "case_link",
        "kind",
        "from_org",
        "to_org",
        "status",
        "reference",
        "assignee_name",
        "reason",
        "outcome",
        "created_at",
        "delivered_at",
        "acknowledged_at",
        "decided_at",
        "completed_at",
    )
    readonly_fields = fields
    change_form_template = "admin/referrals/handoff/change_form.html"

    def get_queryset(self, request):
        return handoff_list_visible_to(user=request.user)

    # Staff of a sending or receiving organization read handoffs; changes go through the answer views only.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    @admin.display(description=_("案件"), ordering="case__tracking_code")
    def case_link(self, obj):
        url = reverse("admin:disputes_case_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case.tracking_code)

    def get_urls(self):
        custom = [
            path(
                "<int:handoff_id>/answer/<str:action>/",
                self.admin_site.admin_view(self.answer_view),
                name="referrals_handoff_answer",
            )
        ]
        return custom + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        handoff = self.get_object(request, object_id)
        receiver = handoff_is_receiver(handoff=handoff, user=request.user)
        packet = handoff.packet
        if not receiver:  # the sender follows the status; the parties' numbers are for the receiver's staff
            worker = packet.get("worker", {})
            worker["id_number"] = mask_id_number(worker.get("id_number", ""))
            worker["phone"] = mask_phone(worker.get("phone", ""))
        answers = []
        if receiver:
            status = handoff.status
            if handoff.acknowledged_at is None and status not in HANDOFF_DECIDED:
                answers.append("acknowledge")
            if status not in HANDOFF_DECIDED:
                answers += ["accept", "decline"]
            if status == HandoffStatus.ACCEPTED and handoff.completed_at is None:
                answers.append("complete")
        extra_context = {
            **(extra_context or {}),
            "handoff": handoff,
            "packet": packet,
            "answers": [
                (
                    name,
                    _ANSWER_LABELS[name],
                    reverse("admin:referrals_handoff_answer", args=[handoff.pk, name]),
                )
                for name in answers
            ],
            "answer_form": HandoffAnswerForm(),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def answer_view(self, request, handoff_id, action):
        # The scope first, whatever the method: another organization's handoff is a 404, not a redirect to it.
        if not self.get_queryset(request).filter(pk=handoff_id).exists():
            raise Http404(self.not_found_message)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:referrals_handoff_change", args=[handoff_id]))
        if action not in ANSWER_NAMES:
            raise Http404(gettext("没有这个操作。"))
        back = HttpResponseRedirect(reverse("admin:referrals_handoff_change", args=[handoff_id]))
        form = HandoffAnswerForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return back
        try:
            handoff_answer(handoff_id=handoff_id, action=action, actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except TransitionConflict as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return back
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return back
        self.message_user(
            request, gettext("已%(action)s。") % {"action": _ANSWER_LABELS[action]}, messages.SUCCESS
        )
        return back


class DeadLetterFilter(admin.SimpleListFilter):
    title = _("死信")
    parameter_name = "dead"

    def lookups(self, request, model_admin):
        return [("1", _("仅看死信"))]

    def queryset(self, request, queryset):
        return queryset.filter(status=DeliveryStatus.DEAD) if self.value() == "1" else queryset


@admin.register(HandoffDelivery)
class HandoffDeliveryAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    """The outbox as operators see it; dead letters (filter 死信) carry their error and a retry button."""

    not_found_message = _("未找到该投递记录。")
    list_display = (
        "created_at",
        "handoff_link",
        "channel",
        "status",
        "attempts",
        "lapses",
        "next_attempt_at",
        "error_short",
    )
    list_filter = (DeadLetterFilter, "status", "channel")
    search_fields = ("handoff__case__tracking_code", "idempotency_key")
    list_select_related = ("handoff__case", "handoff__to_org")
    show_full_result_count = False
    ordering = ("-created_at", "-id")
    actions = ["retry_selected"]
    fields = (
        "handoff_link",
        "channel",
        "idempotency_key",
        "status",
        "attempts",
        "lapses",
        "next_attempt_at",
        "lease_until",
        "delivered_at",
        "last_error",
        "created_at",
    )
    readonly_fields = fields
    change_form_template = "admin/referrals/handoffdelivery/change_form.html"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = scope_for(request.user)
        if scope.is_superuser:
            return qs
        return qs.filter(Q(handoff__to_org_id__in=scope.org_ids) | Q(handoff__from_org_id__in=scope.org_ids))

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def get_actions(self, request):
        return {
            name: action for name, action in super().get_actions(request).items() if name != "delete_selected"
        }

    def get_urls(self):
        custom = [
            path(
                "<int:delivery_id>/retry/",
                self.admin_site.admin_view(self.retry_view),
                name="referrals_handoffdelivery_retry",
            )
        ]
        return custom + super().get_urls()

    @admin.display(description=_("移交"))
    def handoff_link(self, obj):
        url = reverse("admin:referrals_handoff_change", args=[obj.handoff_id])
        return format_html('<a href="{}">{} · {}</a>', url, obj.handoff.case.tracking_code, obj.handoff)

    @admin.display(description=_("最近错误"))
    def error_short(self, obj):
        return (obj.last_error or "")[:80]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        delivery = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "retry_url": (
                reverse("admin:referrals_handoffdelivery_retry", args=[delivery.pk])
                if delivery.status == DeliveryStatus.DEAD
                and handoff_may_operate(handoff=delivery.handoff, user=request.user)
                else ""
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def retry_view(self, request, delivery_id):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:referrals_handoffdelivery_changelist"))
        delivery = self.get_queryset(request).filter(pk=delivery_id).first()
        if delivery is None:
            raise Http404(self.not_found_message)
        self._retry(request, [delivery])
        return HttpResponseRedirect(reverse("admin:referrals_handoffdelivery_change", args=[delivery_id]))

    @admin.action(description=_("重新投递所选的死信"))
    def retry_selected(self, request, queryset):
        self._retry(request, list(queryset.filter(status=DeliveryStatus.DEAD)))

    def _retry(self, request, deliveries) -> None:
        done = 0
        for delivery in deliveries:
            if not handoff_may_operate(handoff=delivery.handoff, user=request.user):
                continue
            try:
                handoff_delivery_retry(delivery_id=delivery.pk, actor=request.user)
                done += 1
            except TransitionConflict as exc:
                self.message_user(request, str(exc), messages.WARNING)
        if done:
            self.message_user(request, gettext("已重新排队投递 %(n)d 条。") % {"n": done}, messages.SUCCESS)
        elif not deliveries:
            self.message_user(request, gettext("所选记录中没有死信。"), messages.WARNING)


@admin.register(AgencyEndpoint)
class AgencyEndpointAdmin(admin.ModelAdmin):
    """Which external systems receive handoffs. Superusers only: the secret is shown to nobody after saving."""

    list_display = ("organization", "webhook_url", "email", "is_active")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["secret"].widget = forms.PasswordInput(render_value=False)
        form.base_fields["secret"].required = obj is None or not obj.secret
        form.base_fields["secret"].help_text = _("保存后不再显示；留空表示不修改。")
        return form

    def save_model(self, request, obj, form, change):
        if change and not form.cleaned_data.get("secret"):
            obj.secret = type(obj).objects.get(pk=obj.pk).secret  # left empty: keep the old one
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
