"""Legal deadlines as data: the rules (editable by officials), the holiday notices that override the package
calendar, and each case's computed deadlines (kept in a table so lists can sort and the daily scan can find what
is near or overdue without recomputing every case)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..states import DayType, SourceStatus
from .case import Case


class DeadlineRule(models.Model):
    code = models.CharField(_("规则代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    worker_text = models.CharField(_("对劳动者的说明"), max_length=200)
    source = models.CharField(_("法律依据"), max_length=200)
    source_status = models.CharField(
        _("核对情况"), max_length=16, choices=SourceStatus.choices, default=SourceStatus.VERIFIED
    )
    trigger = models.CharField(
        _("起算事件"),
        max_length=48,
        help_text=_(
            "案件操作名（如 accept、record_agreement），或案件日期字段（knowledge_date、employment_ended_on）。"
        ),
    )
    period_years = models.PositiveSmallIntegerField(_("年"), default=0)
    period_months = models.PositiveSmallIntegerField(_("月"), default=0)
    period_days = models.PositiveSmallIntegerField(_("日"), default=0)
    day_type = models.CharField(
        _("计日方式"), max_length=16, choices=DayType.choices, default=DayType.CALENDAR
    )
    active_states = models.JSONField(
        _("适用状态"),
        default=list,
        blank=True,
        help_text=_("案件处于这些状态时期限才计入；留空表示所有未结状态。"),
    )
    categories = models.JSONField(
        _("适用争议类别"),
        default=list,
        blank=True,
        help_text=_("案件请求含这些类别之一时适用；留空表示全部。"),
    )
    wage_arrears_exempt = models.BooleanField(
        _("在职欠薪不适用"),
        default=False,
        help_text=_("仅主张劳动报酬且仍在职时不适用（劳动争议调解仲裁法第二十七条第四款）。"),
    )
    met_by = models.JSONField(
        _("完成事件"), default=list, blank=True, help_text=_("发生这些操作即视为期限已遵守。")
    )
    remind_days_before = models.JSONField(_("提前提醒天数"), default=list, blank=True)
    consequence = models.TextField(_("期满后果"), blank=True)
    max_extension_days = models.PositiveSmallIntegerField(
        _("最多可延长天数"),
        default=0,
        db_default=0,
        help_text=_("法律允许延长时，届满前可延长一次，最多的天数；0 表示不能延长。"),
    )
    extension_basis = models.CharField(
        _("延长条件"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("延长须满足的条件及依据，如“经仲裁委员会主任批准（劳动争议调解仲裁法第四十三条）”。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("法定期限规则")
        verbose_name_plural = _("法定期限规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.source}）"


class HolidayNotice(models.Model):
    """A year's State Council holiday notice, entered by officials. It fully defines that year's calendar: the
    listed days are holidays or working days as marked, other days follow the weekend rule; the package's own
    data for that year is then ignored."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    title = models.CharField(_("文件名称"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=64, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("节假日安排通知")
        verbose_name_plural = _("节假日安排通知")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class HolidayNoticeDay(models.Model):
    notice = models.ForeignKey(HolidayNotice, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("上班"), help_text=_("勾选表示调休上班日；不勾选表示放假。"))
    name = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '放假'}"


class CaseDeadline(models.Model):
    """One legal deadline of a case. The database keeps ``Case.next_due_on`` equal to the nearest ``due_on`` of
    the case's active, unmet rows: a trigger on this table (migration 0013) recomputes it on every insert, update
    and delete, whoever writes the rows."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    rule = models.ForeignKey(DeadlineRule, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("起算日"))
    due_on = models.DateField(_("届满日"), db_index=True)
    provisional = models.BooleanField(
        _("暂定"), default=False, help_text=_("期间跨越尚无确认节假日安排的年度，届满日可能变化。")
    )
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    is_active = models.BooleanField(_("计入中"), default=True, help_text=_("案件已离开适用状态时不再计入。"))
    extended_days = models.PositiveSmallIntegerField(
        _("已延长天数"), default=0, db_default=0, help_text=_("依法延长的天数，已计入届满日。")
    )

    class Meta:
        verbose_name = _("案件期限")
        verbose_name_plural = _("案件期限")
        ordering = ["due_on"]
        constraints = [models.UniqueConstraint(fields=["case", "rule"], name="casedeadline_one_per_rule")]
        indexes = [models.Index(fields=["is_active", "met_at", "due_on"], name="casedeadline_open_due")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule.code} {self.due_on}"
