"""What the commission and the court record about a case beyond its state: hearings, the award and its items,
the enforcement and the money it recovered, and the local minimum wage that decides whether an award is final.

Every row is written by :mod:`arbitration.services` in the transaction of the case change it belongs to; nothing
here has effects. The four proxies of the case are the queues of the admin (one per body and task).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Case, IssuedDocument
from disputes.states import Category
from organizations.models import Organization, Region

from .states import Applicant, EnforcementBasis, EnforcementEnd, HearingKind

MONEY = {"max_digits": 14, "decimal_places": 2}


class MinimumWage(models.Model):
    """A region's monthly minimum wage from a date (published by the provincial government; entered by officials).
    A case uses the row of its region, or of the nearest region above it, in force on the day of the award."""

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="minimum_wages"
    )
    monthly_amount = models.DecimalField(_("月最低工资标准（元）"), **MONEY)
    effective_from = models.DateField(_("执行日期"))
    source = models.CharField(
        _("依据"), max_length=300, help_text=_("发布文件的名称和文号；演示数据请写明“演示数据”。")
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("月最低工资标准")
        verbose_name_plural = _("月最低工资标准")
        ordering = ["region__code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "effective_from"], name="minimum_wage_once_per_day"),
            models.CheckConstraint(condition=models.Q(monthly_amount__gt=0), name="minimum_wage_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.effective_from} ¥{self.monthly_amount}"


class Hearing(models.Model):
    """A hearing (or pre-hearing mediation, evidence exchange) the commission scheduled for an accepted case."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="hearings")
    kind = models.CharField(
        _("类型"), max_length=16, choices=HearingKind.choices, default=HearingKind.HEARING
    )
    at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    notes = models.TextField(_("说明"), blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("安排人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("安排时间"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("开庭安排")
        verbose_name_plural = _("开庭安排")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="hearing_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.get_kind_display()} · {self.at:%Y-%m-%d %H:%M}"


class Award(models.Model):
    """The arbitral award of a case (仲裁裁决书), its items, and whether it is final (LDMAL Art. 47).

    ``effective_on``: the day the award binds (a final award on the day it is made; a non-final one once the
    15 days to sue have passed without a suit, LDMAL Art. 50): from then its enforcement may be applied for
    (read by :func:`disputes.models.case.award_enforceable`)."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="award")
    amount_awarded = models.DecimalField(_("裁决金额合计（元）"), **MONEY)
    is_final = models.BooleanField(_("终局裁决"))
    final_reason = models.TextField(_("是否终局的依据"))
    minimum_wage = models.ForeignKey(
        MinimumWage,
        verbose_name=_("适用的月最低工资标准"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    awarded_on = models.DateField(_("裁决日期"))
    effective_on = models.DateField(_("生效日期"))
    document = models.OneToOneField(
        IssuedDocument, verbose_name=_("裁决书"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("仲裁裁决")
        verbose_name_plural = _("仲裁裁决")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_awarded__gte=0), name="award_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_on__gte=models.F("awarded_on")),
                name="award_effective_after_award",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ¥{self.amount_awarded}{' 终局' if self.is_final else ''}"


class AwardItem(models.Model):
    """One item of the award: what it is for and the amount (zero for an item dismissed or not in money)."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    description = models.CharField(_("裁决事项"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = _("裁决事项")
        verbose_name_plural = _("裁决事项")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="award_item_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.description} ¥{self.amount}"


class EnforcementCase(models.Model):
    """An application to the court for enforcement of a confirmed agreement or an award, and how it went."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="enforcement_cases"
    )
    court = models.ForeignKey(
        Organization, verbose_name=_("执行法院"), on_delete=models.PROTECT, related_name="enforcement_cases"
    )
    basis = models.CharField(_("执行依据"), max_length=32, choices=EnforcementBasis.choices)
    number = models.CharField(_("执行案号"), max_length=64, blank=True)
    amount_sought = models.DecimalField(_("申请执行金额（元）"), **MONEY)
    applied_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    applied_by = models.CharField(_("申请人"), max_length=16, choices=Applicant.choices)
    applied_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代为申请的工作人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lawyer_name = models.CharField(_("代理律师"), max_length=64, blank=True)
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("执行结束时间"), null=True, blank=True)
    end = models.CharField(_("结案方式"), max_length=32, choices=EnforcementEnd.choices, blank=True)

    class Meta:
        verbose_name = _("强制执行")
        verbose_name_plural = _("强制执行")
        ordering = ["-applied_at", "-id"]
        constraints = [
            # One enforcement running per case at a time.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(ended_at__isnull=True),
                name="enforcement_one_open_per_case",
            ),
        ]
        indexes = [models.Index(fields=["court", "ended_at"], name="enforcement_court_open")]

    def __str__(self) -> str:
        return self.number or f"{self.case_id} · {self.court}"


class Recovery(models.Model):
    """Money the court recovered for the worker in an enforcement (执行到位)."""

    enforcement = models.ForeignKey(EnforcementCase, on_delete=models.PROTECT, related_name="recoveries")
    amount = models.DecimalField(_("执行到位金额（元）"), **MONEY)
    at = models.DateField(_("到位日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("执行到位记录")
        verbose_name_plural = _("执行到位记录")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="recovery_positive")]

    def __str__(self) -> str:
        return f"{self.enforcement_id} {self.at} ¥{self.amount}"


# --- The queues (proxies of the case; the admin lists each body's own) ------------------------------------------
class ReviewCase(Case):
    class Meta:
        proxy = True
        verbose_name = _("仲裁审查确认")
        verbose_name_plural = _("仲裁审查确认（本委）")


class ArbitrationCase(Case):
    class Meta:
        proxy = True
        verbose_name = _("仲裁案件")
        verbose_name_plural = _("仲裁案件（本委）")


class JudicialConfirmationCase(Case):
    class Meta:
        proxy = True
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认（本院）")


class EnforcementQueueCase(Case):
    class Meta:
        proxy = True
        verbose_name = _("强制执行")
        verbose_name_plural = _("强制执行（本院）")
