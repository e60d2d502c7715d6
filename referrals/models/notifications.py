"""Outbox rows, and the data that decides them.

A :class:`Notification` is written in the same transaction as the change that causes it; a task delivers it, and
a beat sweeper re-publishes what the broker never got. Delivery claims a row with a conditional UPDATE, so a task
delivered twice has one effect.

Which event notifies whom, on which channel and in which words is data: :class:`NotificationRule` rows (edited by
officials in the admin) name a :class:`MessageTemplate` key, whose body exists in Simplified Chinese and English.
"""

import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Case, CaseEvent
from disputes.pii import EncryptedCharField

from ..states import NotificationChannel, NotificationStatus


class EventDispatch(models.Model):
    """Marks a case event as fanned out into notifications (its primary key makes fan-out happen once)."""

    event = models.OneToOneField(
        CaseEvent, primary_key=True, on_delete=models.PROTECT, related_name="dispatch"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("事件分发记录")
        verbose_name_plural = _("事件分发记录")

    def __str__(self) -> str:
        return f"event {self.event_id}"


class Notification(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("渠道"), max_length=16, choices=NotificationChannel.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人（工作人员）"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    to_worker = models.BooleanField(_("发给劳动者"), default=False)
    # A recipient who is neither the worker nor a user (an employer's contact person): encrypted like every phone.
    to_phone = EncryptedCharField(_("接收手机号"), blank=True, default="")
    to_email = models.EmailField(_("接收邮箱"), blank=True, default="")
    # Encrypted: the confirmation SMS carries the tracking PIN.
    body = EncryptedCharField(_("内容"))
    # The body holds the worker's tracking PIN: never shown to staff, and sent even in quiet hours (the worker
    # has just filed and is waiting for it).
    carries_pin = models.BooleanField(_("含查询密码"), default=False, editable=False)
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["recipient_user", "read_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.case_id} · {self.get_status_display()}"


class NotificationAudience(models.TextChoices):
    """Who a rule tells. The worker is reached by SMS only; staff in-app or by e-mail."""

    WORKER = "worker", _("劳动者")
    CASE_MEDIATOR = "case_mediator", _("案件调解员")
    STATION_STAFF = "station_staff", _("调解组织工作人员（管理员、调解员）")
    HANDLER_STAFF = "handler_staff", _("承办机构工作人员（仲裁员、法院书记员、法律援助）")
    REGION_OFFICIALS = "region_officials", _("所在地区主管部门工作人员")
    CONSULTATION_MEMBERS = "consultation_members", _("特事急诊联合会商成员")


class MessageLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", _("简体中文")
    EN = "en", _("English")


# Rule events that are not one name: every state change (the filing included), or every recorded event.
ALL_TRANSITIONS = "*transition"
ALL_RECORDED = "*recorded"
EVENT_WILDCARDS = {
    ALL_TRANSITIONS: _("（所有状态变更，含提交申请）"),
    ALL_RECORDED: _("（所有不改变状态的记录事件）"),
}
# What a template may name; rendering leaves any other ``{name}`` as it is, so a typo never loses a message.
PLACEHOLDERS = {
    "code": _("查询码"),
    "status": _("案件当前状态（发给劳动者时为劳动者看到的说明）"),
    "step": _("本次办理事项"),
    "pin": _("查询密码（仅限发给劳动者的提交确认短信）"),
}
STAFF_AUDIENCES = frozenset(NotificationAudience.values) - {NotificationAudience.WORKER}


def template_fields(body: str) -> list[str]:
    """The placeholder names a template body uses, in order. ValueError for a malformed body (a lone brace)."""
    return [field for _text, field, _spec, _conv in string.Formatter().parse(body) if field is not None]


class MessageTemplate(models.Model):
    """The words of one kind of message in one language; rendered with :func:`referrals.services.message_render`."""

    key = models.SlugField(
        _("模板代码"), max_length=64, help_text=_("通知规则用它引用模板，如 worker_status。")
    )
    language = models.CharField(_("语言"), max_length=8, choices=MessageLanguage.choices)
    body = models.TextField(
        _("内容"),
        help_text=_(
            "可用占位符：{code} 查询码，{status} 当前状态，{step} 办理事项，{pin} 查询密码（仅提交确认短信）。"
        ),
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="message_template_key_language"),
        ]

    def __str__(self) -> str:
        return f"{self.key} · {self.get_language_display()}"

    @property
    def uses_pin(self) -> bool:
        try:
            return "pin" in template_fields(self.body)
        except ValueError:
            return False

    def clean(self) -> None:
        try:
            fields = template_fields(self.body)
        except ValueError:
            raise ValidationError(
                {
                    "body": _(
                        "内容中的花括号不成对：占位符应写作 {code} 这样的形式，单独的花括号请写两次（{{ 或 }}）。"
                    )
                }
            ) from None
        unknown = sorted({field for field in fields if field not in PLACEHOLDERS})
        if unknown:
            raise ValidationError(
                {
                    "body": _("不认识的占位符：%(names)s。可用：%(known)s。")
                    % {
                        "names": "、".join(f"{{{name}}}" for name in unknown),
                        "known": "、".join(f"{{{name}}}" for name in PLACEHOLDERS),
                    }
                }
            )


class NotificationRule(models.Model):
    """When ``event`` happens to a case, tell ``audience`` on ``channel`` in the words of ``template_key``.

    For one audience and channel, a rule naming the event itself wins over a wildcard rule (every state change,
    every recorded event); an inactive rule is as if it did not exist. Staff are never told of their own steps.
    """

    event = models.CharField(
        _("事件"),
        max_length=64,
        help_text=_("案件的操作或记录事件；也可选“所有状态变更”或“所有记录事件”。"),
    )
    audience = models.CharField(_("通知对象"), max_length=32, choices=NotificationAudience.choices)
    channel = models.CharField(_("渠道"), max_length=16, choices=NotificationChannel.choices)
    template_key = models.SlugField(_("消息模板"), max_length=64)
    is_active = models.BooleanField(_("启用"), default=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知规则")
        verbose_name_plural = _("通知规则")
        ordering = ["event", "audience", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "audience", "channel"], name="notification_rule_event_audience_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.get_audience_display()} · {self.get_channel_display()}"

    @property
    def is_wildcard(self) -> bool:
        return self.event in EVENT_WILDCARDS

    def clean(self) -> None:
        from disputes.services import transition_labels  # the names live with the state machine

        errors = {}
        if self.event not in EVENT_WILDCARDS and self.event not in transition_labels():
            errors["event"] = _("没有名为“%(name)s”的操作或记录事件。") % {"name": self.event}
        if self.audience == NotificationAudience.WORKER and self.channel != NotificationChannel.SMS:
            errors["channel"] = _("劳动者只能通过短信通知。")
        if self.audience in STAFF_AUDIENCES and self.channel == NotificationChannel.SMS:
            errors["channel"] = _("工作人员通过站内消息或电子邮件通知。")
        templates = list(MessageTemplate.objects.filter(key=self.template_key))
        if not templates:
            errors["template_key"] = _("没有代码为“%(key)s”的消息模板。") % {"key": self.template_key}
        elif not any(t.language == MessageLanguage.ZH_HANS for t in templates):
            errors["template_key"] = _("该消息模板缺少简体中文内容。")
        elif self.audience in STAFF_AUDIENCES and any(t.uses_pin for t in templates):
            errors["template_key"] = _("含查询密码的模板只能用于发给劳动者的短信。")
        if errors:
            raise ValidationError(errors)
