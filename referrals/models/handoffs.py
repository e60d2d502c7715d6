"""Handoffs between organizations, the outbox rows that deliver them, and the external systems that receive them.

A :class:`Handoff` is written in the same transaction as the case change that causes it, with one
:class:`HandoffDelivery` per way of delivering it (the receiver's inbox in the platform always; its own system by
webhook and e-mail when configured). Each delivery row is claimed with a conditional UPDATE and carries its own
retry schedule and lease, so nothing depends on the broker keeping a message (docs/outbox.md).
"""

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Case, CaseEvent
from disputes.pii import EncryptedCharField
from organizations.models import Organization

from ..states import DeliveryChannel, DeliveryStatus, HandoffKind, HandoffStatus


class AgencyEndpoint(models.Model):
    """How an organization's own system receives handoffs: a webhook signed with a shared secret, and e-mail."""

    organization = models.OneToOneField(
        Organization, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="endpoint"
    )
    webhook_url = models.URLField(
        _("接收地址（Webhook）"),
        blank=True,
        help_text=_("对方系统接收移交的 HTTPS 地址；留空则不推送。"),
    )
    secret = EncryptedCharField(
        _("签名密钥"),
        blank=True,
        help_text=_("双方共享的密钥：推送和回调都用它计算 HMAC-SHA256 签名。"),
    )
    email = models.EmailField(_("接收邮箱"), blank=True)
    timeout_seconds = models.PositiveSmallIntegerField(_("超时（秒）"), default=10)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("机构接收端")
        verbose_name_plural = _("机构接收端")

    def __str__(self) -> str:
        return str(self.organization)


class Handoff(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="handoffs")
    kind = models.CharField(_("移交事项"), max_length=32, choices=HandoffKind.choices)
    from_org = models.ForeignKey(
        Organization,
        verbose_name=_("移交机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs_sent",
    )
    to_org = models.ForeignKey(
        Organization, verbose_name=_("接收机构"), on_delete=models.PROTECT, related_name="handoffs_received"
    )
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    # The machine-readable packet (parties, claims, amounts, agreement, evidence with hashes), as JSON, encrypted:
    # it holds the worker's ID number and phone for the receiving organization, which works the case.
    packet_json = EncryptedCharField(editable=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=HandoffStatus.choices, default=HandoffStatus.PENDING
    )
    reason = models.TextField(_("说明/不予接收的理由"), blank=True)
    reference = models.CharField(_("接收机构案号"), max_length=64, blank=True)
    assignee_name = models.CharField(_("承办人"), max_length=64, blank=True)
    outcome = models.TextField(_("办理结果"), blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("移交时间"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("接收/拒绝时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("移交")
        verbose_name_plural = _("移交")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_org", "status"], name="handoff_to_status"),
            models.Index(fields=["from_org", "status"], name="handoff_from_status"),
            models.Index(fields=["case", "kind"], name="handoff_case_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_org}"

    @property
    def packet(self) -> dict:
        return json.loads(self.packet_json or "{}")


class HandoffDelivery(models.Model):
    """One outgoing message of a handoff through one channel: the outbox row."""

    handoff = models.ForeignKey(
        Handoff, verbose_name=_("移交"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("投递方式"), max_length=16, choices=DeliveryChannel.choices)
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # Leases that ran out: the task holding the row died (killed, out of memory, machine lost) before finishing.
    lapses = models.PositiveSmallIntegerField(_("中断次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    lease_until = models.DateTimeField(_("租约到期"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("移交投递")
        verbose_name_plural = _("移交投递（含死信）")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["status", "lease_until"], name="delivery_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.handoff} · {self.get_channel_display()} · {self.get_status_display()}"


class HandoffCallback(models.Model):
    """A receiver's callback (acknowledge, accept, decline, outcome), kept by its idempotency key: a second call
    with the same key gets the first answer and has no second effect."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="callbacks")
    idempotency_key = models.CharField(max_length=120)
    action = models.CharField(max_length=16)
    answer = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("移交回执")
        verbose_name_plural = _("移交回执")
        constraints = [
            models.UniqueConstraint(fields=["handoff", "idempotency_key"], name="handoff_callback_once")
        ]

    def __str__(self) -> str:
        return f"{self.handoff_id} {self.action}"
