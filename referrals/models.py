"""Outbox rows. A row is written in the same transaction as the change that causes it; a task delivers it, and a
beat sweeper re-publishes what the broker never got. Delivery claims a row with a conditional UPDATE, so a task
delivered twice has one effect."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Case, CaseEvent
from disputes.pii import EncryptedCharField

from .states import NotificationChannel, NotificationStatus


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
    # Encrypted: the confirmation SMS carries the tracking PIN.
    body = EncryptedCharField(_("内容"))
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
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.case_id} · {self.get_status_display()}"
