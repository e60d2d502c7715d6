"""Knowledge articles (statute articles quoted exactly, policy 要点, guides written here), legal-education classes,
and the log of consultations (questions with personal data removed, for officials to review)."""

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .states import ArticleKind, ConsultChannel, SourceCheck


class Source(models.Model):
    """A statute, regulation, policy document, or this platform's own guides: where an article's text comes from."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.CharField(_("制定/发布机关"), max_length=300)
    adopted_on = models.DateField(_("通过/发布日期"), null=True, blank=True)
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    version_note = models.CharField(_("版本说明"), max_length=300, blank=True)
    verified_against = models.CharField(
        _("核对依据"),
        max_length=300,
        blank=True,
        help_text=_("逐字核对所依据的文本（仓库、文件、版本），或说明未逐字核对。"),
    )

    class Meta:
        verbose_name = _("法规/文件来源")
        verbose_name_plural = _("法规/文件来源")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title


class Article(models.Model):
    """One article: a statute article (``body`` is the exact text), a policy 要点, or a guide. Its URL
    (``/knowledge/a/<slug>/``) is stable: the slug never changes once published."""

    slug = models.SlugField(
        _("网址标识"), max_length=80, unique=True, help_text=_("发布后不要修改：文章网址由它决定。")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ArticleKind.choices)
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="articles", verbose_name=_("来源")
    )
    number = models.CharField(
        _("条号"), max_length=40, blank=True, help_text=_("如“第二十七条”；指南和要点留空。")
    )
    topic = models.CharField(_("主题"), max_length=40)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), help_text=_("法律条文须与原文逐字一致；段落之间空一行。"))
    summary = models.TextField(_("白话解读"), blank=True)
    quote_note = models.CharField(_("引用说明"), max_length=200, blank=True)
    source_check = models.CharField(_("核对情况"), max_length=16, choices=SourceCheck.choices)
    categories = models.JSONField(_("相关争议类别"), default=list, blank=True)
    keywords = models.CharField(
        _("检索关键词"), max_length=300, blank=True, help_text=_("劳动者常用的说法，用空格分隔。")
    )
    is_published = models.BooleanField(_("发布"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("法律知识条目")
        verbose_name_plural = _("法律知识条目")
        ordering = ["kind", "topic", "slug"]
        indexes = [models.Index(fields=["is_published", "kind"], name="knowledge_article_pub_kind")]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:article", kwargs={"slug": self.slug})

    @property
    def display_title(self) -> str:
        """``《劳动合同法》第三十条 · 及时足额支付劳动报酬`` for a law article, the title alone otherwise."""
        if self.kind == ArticleKind.LAW and self.number:
            return f"《{self.short_source}》{self.number} · {self.title}"
        return self.title

    @property
    def short_source(self) -> str:
        return self.source.title.removeprefix("中华人民共和国")


class Lesson(models.Model):
    """A legal-education class: a short article, or a video by link, grouped by topic. ``view_count`` grows by one
    per view with an ``F()`` update (no read-modify-write, no lost counts under concurrency)."""

    slug = models.SlugField(_("网址标识"), max_length=80, unique=True)
    topic = models.CharField(_("主题"), max_length=40)
    title = models.CharField(_("标题"), max_length=120)
    summary = models.CharField(_("简介"), max_length=300)
    body = models.TextField(_("正文"), blank=True)
    video_url = models.URLField(_("视频链接"), blank=True, help_text=_("只填写官方或本单位发布的视频地址。"))
    related = models.ManyToManyField(Article, blank=True, related_name="lessons", verbose_name=_("相关条文"))
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_published = models.BooleanField(_("发布"), default=True)
    view_count = models.PositiveIntegerField(_("阅读次数"), default=0, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("普法课堂")
        verbose_name_plural = _("普法课堂")
        ordering = ["topic", "order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:lesson", kwargs={"slug": self.slug})


class ConsultationLog(models.Model):
    """One question to the assistant and what it answered. ``question`` has ID numbers, phone numbers, bank card
    numbers, e-mail addresses and self-introduced names replaced (knowledge.privacy.scrub) before it is stored;
    nothing identifies the asker (no address, no session)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=ConsultChannel.choices)
    question = models.TextField(_("问题（已去除个人信息）"))
    category = models.CharField(_("判断的争议类别"), max_length=32, blank=True)
    article_slugs = models.JSONField(_("引用条目"), default=list)
    deadline_codes = models.JSONField(_("提示的期限"), default=list, blank=True)
    provider = models.CharField(_("回答方式"), max_length=32, default="retrieval")
    provider_failed = models.BooleanField(_("模型调用失败已回退"), default=False)
    helpful = models.BooleanField(_("是否有帮助"), null=True, blank=True)
    voted_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("咨询记录")
        verbose_name_plural = _("咨询记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.question[:30]}"
