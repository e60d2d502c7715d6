"""Officials edit the articles, sources and classes, and review the consultation log (questions already stripped
of personal data) to find what the assistant answers badly."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdminMixin, ScopedAdmin
from disputes.states import Category

from .models import Article, ConsultationLog, Lesson, Source


@admin.register(Source)
class SourceAdmin(ScopedAdmin):
    not_found_message = _("未找到该来源。")
    list_display = ("title", "code", "issuer", "effective_on")
    search_fields = ("title", "code", "issuer")

    def has_delete_permission(self, request, obj=None):
        return False  # articles point to their source


@admin.register(Article)
class ArticleAdmin(ScopedAdmin):
    not_found_message = _("未找到该条目。")
    list_display = ("display_title", "kind", "topic", "source_check", "is_published", "updated_at")
    list_filter = ("kind", "topic", "source_check", "is_published", "source")
    search_fields = ("slug", "title", "number", "body", "keywords")
    readonly_fields = ("updated_at",)
    fieldsets = (
        (None, {"fields": ("slug", ("kind", "is_published"), "source", ("number", "topic"), "title")}),
        (_("正文"), {"fields": ("body", "summary", "quote_note", "source_check")}),
        (_("检索"), {"fields": ("categories", "keywords", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The slug is the article's public URL: fixed once the article exists.
        return ("slug", "updated_at") if obj else ("updated_at",)

    def has_delete_permission(self, request, obj=None):
        return False  # unpublish instead: links to an article must keep working or 404 honestly


@admin.register(Lesson)
class LessonAdmin(ScopedAdmin):
    not_found_message = _("未找到该课程。")
    list_display = ("title", "topic", "order", "view_count", "is_published")
    list_filter = ("topic", "is_published")
    search_fields = ("title", "summary", "body")
    readonly_fields = ("view_count", "updated_at")
    filter_horizontal = ("related",)
    ordering = ("topic", "order")


@admin.register(ConsultationLog)
class ConsultationLogAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    not_found_message = _("未找到该咨询记录。")
    list_display = (
        "created_at",
        "question_short",
        "category_label",
        "cited",
        "helpful",
        "provider",
        "channel",
    )
    list_filter = (
        "helpful",
        "category",
        "channel",
        "provider",
        "provider_failed",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("question",)
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "channel",
        "question",
        "category",
        "article_slugs",
        "deadline_codes",
        "provider",
        "provider_failed",
        "helpful",
        "voted_at",
    )

    @admin.display(description=_("问题"))
    def question_short(self, obj):
        return obj.question if len(obj.question) <= 40 else obj.question[:39] + "…"

    @admin.display(description=_("争议类别"), ordering="category")
    def category_label(self, obj):
        return Category(obj.category).label if obj.category in Category.values else obj.category

    @admin.display(description=_("引用"))
    def cited(self, obj):
        return "、".join(obj.article_slugs[:4])
