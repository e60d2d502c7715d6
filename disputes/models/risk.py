"""Risk reports from monitoring informants (劳动关系风险信息员): a union chair, a grid worker or a station reports a
risk of wage arrears at an employer before anyone has filed a claim. Their own channel, not a case: nobody is a
party yet, and officials decide what to do with it (a visit, a talk with the employer, a labor inspection)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..pii import EncryptedCharField, mask_phone
from .handling import HandledByOfficials


class RiskReportStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACKNOWLEDGED = "acknowledged", _("已签收")
    CLOSED = "closed", _("已办结")


class RiskReport(HandledByOfficials):
    reporter_name = models.CharField(_("报告人姓名"), max_length=64)
    reporter_phone = EncryptedCharField(_("报告人电话"))
    reporter_org = models.CharField(_("报告人所在单位"), max_length=200, blank=True)
    employer_name = models.CharField(_("用人单位名称"), max_length=200)
    employer_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    employer_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name=_("所在区域"),
        on_delete=models.PROTECT,
        related_name="risk_reports",
    )
    workers_affected = models.PositiveIntegerField(_("涉及人数"), validators=[MinValueValidator(1)])
    amount_in_arrears = models.DecimalField(
        _("涉及拖欠金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("情况说明"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=RiskReportStatus.choices,
        default=RiskReportStatus.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField(_("报告时间"), default=timezone.now, db_index=True)
    note = models.TextField(_("处理说明"), blank=True)

    class Meta:
        verbose_name = _("风险信息报告")
        verbose_name_plural = _("风险信息报告")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "status", "created_at"], name="riskreport_region_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(workers_affected__gte=1), name="riskreport_workers_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employer_name} · {self.workers_affected}"

    @property
    def reporter_phone_masked(self) -> str:
        return mask_phone(self.reporter_phone or "")
