"""Reads of the knowledge app (all public: published rows only)."""

from django.db.models import QuerySet

from .models import Article, Lesson
from .search import search_ids


def article_list_published(*, kind: str | None = None, topic: str | None = None) -> QuerySet[Article]:
    articles = Article.objects.filter(is_published=True).select_related("source")
    if kind:
        articles = articles.filter(kind=kind)
    if topic:
        articles = articles.filter(topic=topic)
    return articles.order_by("kind", "topic", "pk")


def article_get_published(*, slug: str) -> Article | None:
    return Article.objects.filter(is_published=True, slug=slug).select_related("source").first()


def article_search(*, query: str, limit: int = 10) -> list[tuple[Article, float]]:
    """The best matching published articles with their BM25 scores, best first."""
    hits = search_ids(query, limit=limit)
    rows = Article.objects.filter(pk__in=[pk for pk, _ in hits], is_published=True).select_related("source")
    by_id = {a.pk: a for a in rows}
    return [(by_id[pk], score) for pk, score in hits if pk in by_id]


def lesson_list_published() -> QuerySet[Lesson]:
    return Lesson.objects.filter(is_published=True).order_by("topic", "order", "pk")


def lesson_most_read(*, limit: int = 5) -> QuerySet[Lesson]:
    return Lesson.objects.filter(is_published=True, view_count__gt=0).order_by("-view_count", "pk")[:limit]


def lesson_get_published(*, slug: str) -> Lesson | None:
    return Lesson.objects.filter(is_published=True, slug=slug).first()
