"""Routing rules as data: officials edit them in the admin; :mod:`disputes.triage` applies them.

A rule is a set of conditions (each empty condition matches anything) and a target organization. Ordinary rules
are tried by ``priority`` (lower first, then id); fallback rules only after no ordinary rule matched, in the same
order. The first rule that matches wins.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization, Region
from organizations.states import OrgType


class YesNoAny(models.TextChoices):
    ANY = "any", _("不限")
    YES = "yes", _("是")
    NO = "no", _("否")


class RoutingRule(models.Model):
    name = models.CharField(_("规则名称"), max_length=100)
    priority = models.PositiveIntegerField(
        _("优先级"), default=100, help_text=_("数字越小越先匹配；同一优先级按创建顺序。")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_fallback = models.BooleanField(
        _("兜底规则"),
        default=False,
        help_text=_("其他规则都不匹配时才使用；兜底规则也按优先级和条件匹配，条件全部留空即匹配一切。"),
    )

    # Conditions: an empty one matches every case.
    industries = models.JSONField(_("行业"), default=list, blank=True, help_text=_("不选表示不限。"))
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("区域"),
        blank=True,
        related_name="+",
        help_text=_("案件的劳动合同履行地属于这些区域或其下级区域；不选表示不限。"),
    )
    categories = models.JSONField(
        _("争议类别"), default=list, blank=True, help_text=_("案件请求含其中任一类别即匹配；不选表示不限。")
    )
    amount_min = models.DecimalField(
        _("请求金额下限（元，含）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_max = models.DecimalField(
        _("请求金额上限（元，含）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    services = models.JSONField(
        _("申请的服务"), default=list, blank=True, help_text=_("劳动者申请其中任一服务即匹配；不选表示不限。")
    )
    chosen_station = models.ForeignKey(
        Organization,
        verbose_name=_("劳动者选择的调解组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("仅当劳动者选择了该调解组织（而其不能受理）时匹配；不选表示不限。"),
    )
    collective = models.CharField(_("集体申请"), max_length=8, choices=YesNoAny.choices, default=YesNoAny.ANY)
    confidential = models.CharField(
        _("保密申请"), max_length=8, choices=YesNoAny.choices, default=YesNoAny.ANY
    )

    target = models.ForeignKey(
        Organization,
        verbose_name=_("分派至"),
        on_delete=models.PROTECT,
        related_name="routing_rules",
        limit_choices_to={"type__in": sorted(OrgType.mediation_types()), "accepts_claims": True},
    )
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("分流规则")
        verbose_name_plural = _("分流规则")
        ordering = ["is_fallback", "priority", "id"]
        indexes = [models.Index(fields=["is_active", "is_fallback", "priority"], name="routingrule_order")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_min__isnull=True)
                | models.Q(amount_max__isnull=True)
                | models.Q(amount_min__lte=models.F("amount_max")),
                name="routingrule_amount_range",
            )
        ]

    def __str__(self) -> str:
        return self.name
