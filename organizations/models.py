"""The directory of organizations (stations, branch outlets, agencies) and who works for which, in what role."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .states import Industry, MediationLegalType, OrgType, Role


class Region(models.Model):
    """An administrative area (city, district, street); officials see the cases of their region and below."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    code = models.SlugField(
        _("代码"), max_length=48, unique=True, help_text=_("公开代码，用于二维码海报和接口，不可更改含义。")
    )
    name = models.CharField(_("名称"), max_length=128)
    type = models.CharField(_("类型"), max_length=32, choices=OrgType.choices)
    industry = models.CharField(_("行业"), max_length=32, choices=Industry.choices, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
    )
    mediation_legal_type = models.CharField(
        _("调解组织法律类型"),
        max_length=32,
        choices=MediationLegalType.choices,
        blank=True,
        help_text=_("决定调解协议可走的确认途径（仲裁审查确认或司法确认）。"),
    )
    accepts_claims = models.BooleanField(_("受理劳动者申请"), default=False)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    auto_assign = models.BooleanField(
        _("自动指派调解员"),
        default=False,
        help_text=_("受理时未指定调解员的，自动指派在岗、在办案件最少的调解员（优先会说劳动者语言的）。"),
    )

    class Meta:
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        ordering = ["region__code", "code"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A staff member's role in one organization; a person may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, verbose_name=_("组织机构"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    is_available = models.BooleanField(
        _("在岗"), default=True, help_text=_("休假或外出时取消，以免被分派新案件。")
    )
    languages = models.JSONField(
        _("工作语言"),
        default=list,
        blank=True,
        help_text=_('语言代码列表，如 ["zh", "yue", "ug"]；留空表示仅普通话（zh）。'),
    )

    class Meta:
        verbose_name = _("人员任职")
        verbose_name_plural = _("人员任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"
