"""Choices of the knowledge app. Codes are public (API): add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    LAW = "law", _("法律法规条文")
    POLICY = "policy", _("政策文件要点")
    GUIDE = "guide", _("办事指南")


class SourceCheck(models.TextChoices):
    """How the text was checked: a law article is quoted only when VERIFIED (docs/knowledge.md)."""

    VERIFIED = "verified", _("已逐字核对原文")
    SECONDARY = "secondary", _("仅核对二手资料（要点）")
    WRITTEN = "written", _("本平台编写")


class ConsultChannel(models.TextChoices):
    PAGE = "page", _("网页")
    API = "api", _("接口")
