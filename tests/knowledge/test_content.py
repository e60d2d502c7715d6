"""The shipped content: loaded by the migration, the right size, every item sourced, laws quoted only when checked,
policies labelled as 要点, categories from the dispute taxonomy."""

import pytest

from disputes.states import Category
from knowledge.content import read_yaml
from knowledge.models import Article, Lesson, Source
from knowledge.states import ArticleKind, SourceCheck

pytestmark = pytest.mark.django_db


def test_the_migration_loaded_the_content():
    shipped = read_yaml("articles.yaml")
    assert Article.objects.count() == len(shipped)
    assert 40 <= len(shipped) + len(read_yaml("lessons.yaml")) <= 90
    assert Lesson.objects.count() == len(read_yaml("lessons.yaml"))
    assert set(Article.objects.values_list("kind", flat=True)) == {"law", "policy", "guide"}


def test_slugs_are_unique_and_url_safe():
    slugs = [item["slug"] for item in read_yaml("articles.yaml")]
    assert len(slugs) == len(set(slugs))
    for article in Article.objects.all():
        assert article.get_absolute_url() == f"/knowledge/a/{article.slug}/"


def test_every_law_article_is_checked_sourced_and_numbered():
    for article in Article.objects.filter(kind=ArticleKind.LAW).select_related("source"):
        assert article.source_check == SourceCheck.VERIFIED, article.slug
        assert article.number.startswith("第") and article.number.endswith("条"), article.slug
        assert article.source.verified_against, article.slug
        assert article.source.issuer and article.source.effective_on, article.slug
        assert article.summary, article.slug  # the plain-language reading beside the quotation


def test_policies_are_labelled_as_summaries_not_quotations():
    for article in Article.objects.filter(kind=ArticleKind.POLICY):
        assert article.body.startswith("【要点，非原文】"), article.slug
        assert article.source_check == SourceCheck.SECONDARY


def test_statute_texts_match_the_checked_wording():
    """Spot checks against the text the sources name (LawRefBook/Laws, see knowledge/content/sources.yaml)."""
    ldmal_27 = Article.objects.get(slug="ldmal-27").body
    assert ldmal_27.startswith(
        "劳动争议申请仲裁的时效期间为一年。仲裁时效期间从当事人知道或者应当知道其权利被侵害之日起计算。"
    )
    assert (
        "劳动关系存续期间因拖欠劳动报酬发生争议的，劳动者申请仲裁不受本条第一款规定的仲裁时效期间的限制"
        in ldmal_27
    )
    assert Article.objects.get(slug="lcl-87").body == (
        "用人单位违反本法规定解除或者终止劳动合同的，应当依照本法第四十七条规定的经济补偿标准的二倍向劳动者支付赔偿金。"
    )
    assert (
        Article.objects.get(slug="ldmal-53").body
        == "劳动争议仲裁不收费。劳动争议仲裁委员会的经费由财政予以保障。"
    )
    assert "由双方当事人自调解协议生效之日起三十日内" in Article.objects.get(slug="cpl-205").body


def test_categories_come_from_the_dispute_taxonomy():
    for article in Article.objects.all():
        assert article.categories, article.slug
        assert set(article.categories) <= set(Category.values), article.slug


def test_classes_link_to_existing_articles():
    for item in read_yaml("lessons.yaml"):
        lesson = Lesson.objects.get(slug=item["slug"])
        assert sorted(lesson.related.values_list("slug", flat=True)) == sorted(item["related"])


def test_reloading_keeps_officials_edits_unless_overwritten():
    from knowledge.content import load_content

    Article.objects.filter(slug="ldmal-53").update(summary="官员修改过的解读")
    load_content(Source=Source, Article=Article, Lesson=Lesson)
    assert Article.objects.get(slug="ldmal-53").summary == "官员修改过的解读"
    load_content(Source=Source, Article=Article, Lesson=Lesson, overwrite=True)
    assert Article.objects.get(slug="ldmal-53").summary == "申请劳动仲裁不用交钱。"
