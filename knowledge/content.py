"""The knowledge content shipped with the code (``knowledge/content/*.yaml``), loaded into the database by the data
migration 0002 and by ``manage.py knowledge_load``. Statute texts are real data and must reach production, so they
are loaded by a migration, not by seed_demo.

:func:`load_content` takes the model classes so a migration can pass its historical models.
"""

from pathlib import Path

import yaml

CONTENT_DIR = Path(__file__).resolve().parent / "content"
# A law article is quoted only from a text checked word for word; policies are 要点; guides are written here.
CHECK_BY_KIND = {"law": "verified", "policy": "secondary", "guide": "written"}


def read_yaml(name: str):
    with open(CONTENT_DIR / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_content(*, Source, Article, Lesson, overwrite: bool = False) -> dict[str, int]:
    """Create the sources, articles and classes the content files hold. Existing rows (matched by code or slug)
    are left as officials edited them unless ``overwrite``. Returns how many rows were created or updated."""
    counts = {"sources": 0, "articles": 0, "lessons": 0}
    sources = {}
    for code, data in read_yaml("sources.yaml").items():
        source, created = Source.objects.get_or_create(code=code, defaults=data)
        if overwrite and not created:
            for field, value in data.items():
                setattr(source, field, value)
            source.save()
        counts["sources"] += int(created or overwrite)
        sources[code] = source
    for item in read_yaml("articles.yaml"):
        data = {
            "kind": item["kind"],
            "source": sources[item["source"]],
            "number": item.get("number") or "",
            "topic": item["topic"],
            "title": item["title"],
            "body": item["body"].strip(),
            "summary": (item.get("summary") or "").strip(),
            "quote_note": item.get("quote_note") or "",
            "source_check": CHECK_BY_KIND[item["kind"]],
            "categories": item.get("categories") or [],
            "keywords": item.get("keywords") or "",
        }
        article, created = Article.objects.get_or_create(slug=item["slug"], defaults=data)
        if overwrite and not created:
            Article.objects.filter(pk=article.pk).update(**data)
        counts["articles"] += int(created or overwrite)
    for item in read_yaml("lessons.yaml"):
        data = {
            "topic": item["topic"],
            "title": item["title"],
            "summary": item["summary"],
            "body": item["body"].strip(),
            "video_url": item.get("video_url") or "",
            "order": item.get("order", 100),
        }
        lesson, created = Lesson.objects.get_or_create(slug=item["slug"], defaults=data)
        if overwrite and not created:
            Lesson.objects.filter(pk=lesson.pk).update(**data)
        if created or overwrite:
            lesson.related.set(Article.objects.filter(slug__in=item.get("related") or []))
        counts["lessons"] += int(created or overwrite)
    return counts
