"""Cases seen together: probable duplicates (the same worker against the same employer twice), group-dispute early
warnings (several workers against one employer in a short time), their thresholds per region, and the prevention
work recorded per employer before any dispute (legal check-ups 法治体检, outreach visits).

Rows change only through :mod:`disputes.related` and :mod:`disputes.warnings`; the admin shows them read-only except
the thresholds and visits, which officials enter themselves.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .case import Case
from .handling import HandledByOfficials
from .risk import RiskReport


# --- Probable duplicates -------------------------------------------------------------------------------------
class RelatedLinkStatus(models.TextChoices):
    OPEN = "open", _("待核实")
    MERGED = "merged", _("已合并")
    DISMISSED = "dismissed", _("非重复")


class RelatedLinkReason(models.TextChoices):
    """How the worker was matched (the employer always matches too: see ``employer_match``)."""

    ID_NUMBER = "id_number", _("同一身份证号")
    PHONE = "phone", _("同一手机号")


class EmployerMatch(models.TextChoices):
    NAME = "name", _("单位名称（规范化后）相同")
    CREDIT_CODE = "credit_code", _("统一社会信用代码相同")


class RelatedCaseLink(models.Model):
    """Two cases that are probably one dispute filed twice. Stored once per pair, the later case first
    (``case_id > other_case_id``), so detection run twice or from either side finds the same row."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="related_links"
    )
    other_case = models.ForeignKey(
        Case,
        verbose_name=_("疑似重复的案件"),
        on_delete=models.PROTECT,
        related_name="related_links_as_other",
    )
    reason = models.CharField(_("同一劳动者依据"), max_length=16, choices=RelatedLinkReason.choices)
    employer_match = models.CharField(_("同一单位依据"), max_length=16, choices=EmployerMatch.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=RelatedLinkStatus.choices, default=RelatedLinkStatus.OPEN
    )
    kept_case = models.ForeignKey(
        Case,
        verbose_name=_("合并后保留的案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("处理说明"), blank=True)
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now)

    class Meta:
        verbose_name = _("疑似重复案件")
        verbose_name_plural = _("疑似重复案件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "other_case"], name="relatedlink_one_per_pair"),
            models.CheckConstraint(
                condition=models.Q(case__gt=models.F("other_case")), name="relatedlink_later_case_first"
            ),
        ]
        indexes = [models.Index(fields=["other_case"], name="relatedlink_other_case")]

    def __str__(self) -> str:
        return f"{self.case_id} ~ {self.other_case_id} ({self.get_status_display()})"

    def other_than(self, case_id: int) -> Case:
        return self.other_case if self.case_id == case_id else self.case


# --- Group-dispute early warning -----------------------------------------------------------------------------
class GroupWarningStatus(models.TextChoices):
    OPEN = "open", _("待签收")
    ACKNOWLEDGED = "acknowledged", _("处置中")
    CLOSED = "closed", _("已办结")


class GroupWarningTrigger(models.TextChoices):
    THRESHOLD = "threshold", _("同一单位短期内多件申请")
    COLLECTIVE = "collective", _("集体申请人数较多")


class GroupWarningSetting(models.Model):
    """The thresholds of one region, set by its officials; a region without a row uses its nearest ancestor's,
    and with none at all the defaults (5 cases in 30 days, a collective filing of 10)."""

    region = models.OneToOneField(
        "organizations.Region",
        verbose_name=_("区域"),
        on_delete=models.PROTECT,
        related_name="group_warning_setting",
    )
    min_cases = models.PositiveSmallIntegerField(
        _("案件数（N）"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(1000)],
        help_text=_("同一用人单位在期间内达到该数量的劳动者申请即预警。"),
    )
    window_days = models.PositiveSmallIntegerField(
        _("期间（天，D）"), default=30, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    collective_min_workers = models.PositiveSmallIntegerField(
        _("集体申请人数"),
        default=10,
        validators=[MinValueValidator(2), MaxValueValidator(10000)],
        help_text=_("一次集体申请的劳动者达到该人数即预警。"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)

    class Meta:
        verbose_name = _("群体性争议预警阈值")
        verbose_name_plural = _("群体性争议预警阈值")
        ordering = ["region__code"]

    def __str__(self) -> str:
        return f"{self.region} · {self.min_cases}/{self.window_days}"


class GroupWarning(HandledByOfficials):
    """A brewing group dispute at one employer in one region. At most one not closed per employer and region
    (the partial unique constraint; :func:`disputes.warnings.group_warning_check` also serializes on an advisory
    lock), so new cases join the open warning instead of raising a second one."""

    region = models.ForeignKey(
        "organizations.Region",
        verbose_name=_("区域"),
        on_delete=models.PROTECT,
        related_name="group_warnings",
    )
    employer_name = models.CharField(_("用人单位/平台"), max_length=200)
    employer_key = models.CharField(max_length=200, db_index=True, editable=False)
    employer_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    trigger = models.CharField(_("触发原因"), max_length=16, choices=GroupWarningTrigger.choices)
    min_cases = models.PositiveSmallIntegerField(_("触发时阈值（件）"), null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(_("触发时期间（天）"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=GroupWarningStatus.choices, default=GroupWarningStatus.OPEN
    )
    cases = models.ManyToManyField(
        Case, verbose_name=_("涉及案件"), related_name="group_warnings", blank=True
    )
    risk_reports = models.ManyToManyField(
        RiskReport, verbose_name=_("风险信息报告"), related_name="group_warnings", blank=True
    )
    opened_at = models.DateTimeField(_("预警时间"), default=timezone.now, db_index=True)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("协调人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coordinated_group_warnings",
    )
    coordinator_assigned_at = models.DateTimeField(_("指定协调人时间"), null=True, blank=True)
    note = models.TextField(_("处置记录"), blank=True)

    class Meta:
        verbose_name = _("群体性争议预警")
        verbose_name_plural = _("群体性争议预警")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "employer_key"],
                condition=~models.Q(status="closed"),
                name="groupwarning_one_open_per_employer",
            )
        ]
        indexes = [models.Index(fields=["region", "status", "opened_at"], name="groupwarning_region_status")]

    def __str__(self) -> str:
        return f"{self.employer_name} · {self.region}"


# --- Prevention work -----------------------------------------------------------------------------------------
class EmployerVisitKind(models.TextChoices):
    LEGAL_CHECKUP = "legal_checkup", _("法治体检")
    OUTREACH_VISIT = "outreach_visit", _("走访")


class EmployerVisit(models.Model):
    """A legal check-up of an employer or platform, or a monthly outreach visit, with what was found."""

    employer_name = models.CharField(_("用人单位/平台"), max_length=200)
    employer_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    employer_credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    region = models.ForeignKey(
        "organizations.Region",
        verbose_name=_("区域"),
        on_delete=models.PROTECT,
        related_name="employer_visits",
    )
    visited_on = models.DateField(_("日期"), default=timezone.localdate)
    kind = models.CharField(_("类型"), max_length=16, choices=EmployerVisitKind.choices)
    team = models.CharField(_("工作组/人员"), max_length=200)
    findings = models.TextField(_("发现的情况"))
    risks = models.TextField(_("风险点"), blank=True)
    follow_up = models.TextField(_("后续跟进"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("法治体检与走访")
        verbose_name_plural = _("法治体检与走访")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["region", "visited_on"], name="employervisit_region_date")]

    def __str__(self) -> str:
        return f"{self.employer_name} · {self.get_kind_display()} · {self.visited_on}"
