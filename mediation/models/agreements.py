"""The mediation agreement (调解协议书), its items and payment schedule, and the payments made under it.

An agreement is drafted by the mediator, put up for signatures, signed by the worker on ``/track/`` (with the
PIN) and by the employer (recorded by the mediator); it takes effect at the last signature. Every change goes
through :mod:`mediation.services`; nothing here has effects.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Case
from disputes.pii import EncryptedCharField, mask_phone
from disputes.scanning import initial_scan_status
from disputes.states import Category, EvidenceScanStatus

from ..states import (
    CURRENT_AGREEMENT_STATES,
    AgreementStatus,
    InstalmentStatus,
    PaymentMethod,
    Remedy,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class Agreement(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="agreements"
    )
    number = models.CharField(_("协议编号"), max_length=32, unique=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=24, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    employer_name = models.CharField(_("用人单位/平台"), max_length=200)
    employer_contact_name = models.CharField(_("用人单位联系人"), max_length=64)
    employer_contact_phone = EncryptedCharField(
        _("联系人手机号"), blank=True, help_text=_("付款提醒短信发往此号码。")
    )
    total = models.DecimalField(_("协议金额（元）"), **MONEY)
    payment_method = models.CharField(_("支付方式"), max_length=24, choices=PaymentMethod.choices)
    payment_only = models.BooleanField(
        _("仅约定给付金钱"),
        default=True,
        help_text=_("协议只约定用人单位支付款项的，可以申请司法确认（人民调解委员会的协议）。"),
    )
    other_terms = models.TextField(_("其他约定"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调解员"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交签署时间"), null=True, blank=True)

    worker_signed_at = models.DateTimeField(_("劳动者签署时间"), null=True, blank=True)
    worker_signed_ip = models.CharField(_("劳动者签署地址（IP）"), max_length=64, blank=True)
    employer_signed_at = models.DateTimeField(_("用人单位签署时间"), null=True, blank=True)
    employer_signatory = models.CharField(_("用人单位签字人"), max_length=64, blank=True)
    employer_signature_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用人单位签署记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)

    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作废人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.TextField(_("作废原因"), blank=True)

    remedy = models.CharField(_("劳动者选择的救济途径"), max_length=32, choices=Remedy.choices, blank=True)
    remedy_chosen_at = models.DateTimeField(_("选择时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status__in=list(CURRENT_AGREEMENT_STATES)),
                name="agreement_one_current_per_case",
            ),
            models.CheckConstraint(condition=models.Q(total__gt=0), name="agreement_total_positive"),
        ]
        indexes = [models.Index(fields=["status", "effective_at"], name="agreement_status_effective")]

    def __str__(self) -> str:
        return self.number

    @property
    def employer_contact_phone_masked(self) -> str:
        return mask_phone(self.employer_contact_phone or "")

    @property
    def is_effective(self) -> bool:
        return self.status == AgreementStatus.EFFECTIVE

    @property
    def fully_signed(self) -> bool:
        return self.worker_signed_at is not None and self.employer_signed_at is not None


class AgreementItem(models.Model):
    """One item the employer agrees to pay: its category, what it is for, and the amount."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    description = models.CharField(_("事项"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), **MONEY)

    class Meta:
        verbose_name = _("协议事项")
        verbose_name_plural = _("协议事项")
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="item_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.description} ¥{self.amount}"


class Instalment(models.Model):
    """One payment of the schedule (a one-off payment is a schedule of one)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("期次"))
    due_on = models.DateField(_("应付日期"))
    amount = models.DecimalField(_("应付金额（元）"), **MONEY)
    paid_amount = models.DecimalField(_("已付金额（元）"), default=Decimal("0"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=16, choices=InstalmentStatus.choices, default=InstalmentStatus.PENDING
    )
    paid_on = models.DateField(_("付清日期"), null=True, blank=True)
    missed_at = models.DateTimeField(_("逾期提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("付款期次")
        verbose_name_plural = _("付款期次")
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "sequence"], name="instalment_sequence_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(paid_amount__gte=0, paid_amount__lte=models.F("amount")),
                name="instalment_paid_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="instalment_status_due")]

    def __str__(self) -> str:
        return f"{self.agreement_id} #{self.sequence} {self.due_on} ¥{self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount

    def is_overdue(self, today) -> bool:
        """Past its due date and not paid in full (a missed payment)."""
        return self.status != InstalmentStatus.PAID and self.due_on < today

    @property
    def paid_late(self) -> bool:
        return self.paid_on is not None and self.paid_on > self.due_on


class Payment(models.Model):
    """Money the employer paid under the agreement, with its proof (a transfer record, a signed receipt).

    A payment counts towards the instalments in their order: it may finish one and start the next. The proof
    file is checked like evidence (content type from the bytes, images re-encoded without metadata), scanned for
    viruses like evidence (:mod:`mediation.scanning`) and served only through an authorization check."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="payments")
    instalment = models.ForeignKey(
        Instalment,
        verbose_name=_("计入期次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        help_text=_("这笔付款首先计入的期次。"),
    )
    paid_on = models.DateField(_("付款日期"))
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    method = models.CharField(_("支付方式"), max_length=24, choices=PaymentMethod.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    proof = models.FileField(_("付款凭证"), upload_to="payments/%Y/%m/")
    proof_content_type = models.CharField(max_length=64)
    proof_size = models.PositiveIntegerField(_("大小（字节）"))
    proof_sha256 = models.CharField(_("SHA-256"), max_length=64)
    proof_name = models.CharField(_("凭证文件名"), max_length=120)
    # The same quarantine as evidence (mediation.scanning): pending proofs are stored but never served.
    proof_scan_status = models.CharField(
        _("病毒检查"), max_length=16, choices=EvidenceScanStatus.choices, default=initial_scan_status
    )
    proof_scanned_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    proof_scan_signature = models.CharField(_("检出内容"), max_length=100, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("付款记录")
        verbose_name_plural = _("付款记录")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.paid_on} ¥{self.amount}"
