"""Search ranking on known queries, the colloquial/typo dictionary, and the index following edits."""

import pytest

from knowledge.models import Article
from knowledge.search import dictionary_terms, query_terms, words
from knowledge.selectors import article_search

pytestmark = pytest.mark.django_db


def top(query: str, n: int = 3) -> list[str]:
    return [a.slug for a, _score in article_search(query=query, limit=n)]


@pytest.mark.parametrize(
    ("query", "expected", "within"),
    [
        ("加班费怎么计算", "labor-law-44", 3),
        ("申请劳动仲裁的时效", "ldmal-27", 1),
        ("工伤认定申请期限", "wii-17", 2),
        ("违法解除劳动合同的赔偿金", "lcl-87", 3),
        ("司法确认", "cpl-205", 2),
        ("未签订书面劳动合同二倍工资", "lcl-82", 1),
        ("劳动仲裁收费吗", "ldmal-53", 1),
    ],
)
def test_known_queries_rank_the_right_article(query, expected, within):
    assert expected in top(query, within)


@pytest.mark.parametrize("query", ["欠薪", "拖欠工资", "工资没发", "老板不给钱", "欠新了好几个月"])
def test_colloquial_and_misspelt_unpaid_wages_find_the_wage_guide(query):
    assert "guide-unpaid-wages" in top(query)


def test_a_typo_still_finds_overtime():
    assert "加班费" in dictionary_terms("加般费怎么算")
    assert {"labor-law-44", "guide-overtime"} & set(top("加般费怎么算"))


def test_query_terms_weigh_own_words_above_dictionary_and_bigrams():
    terms = query_terms("工资没发")
    assert terms["工资"] == 1.0
    assert terms["拖欠"] == pytest.approx(0.9)
    assert 0 < terms["~工资"] < 0.5


def test_stop_words_and_single_characters_are_not_terms():
    assert words("我的工资怎么办呢") == ["工资"]


def test_empty_and_unmatched_queries_return_nothing():
    assert article_search(query="") == []
    assert article_search(query="   ") == []
    assert article_search(query="qwertyuiop") == []


def test_the_index_follows_edits_publication_and_deletion():
    assert "ldmal-53" in top("劳动仲裁收费吗", 1)
    article = Article.objects.get(slug="ldmal-53")
    article.is_published = False
    article.save()
    assert "ldmal-53" not in top("劳动仲裁收费吗", 10)
    article.is_published = True
    article.keywords = "斑马线"
    article.save()
    assert top("斑马线", 1) == ["ldmal-53"]
    article.delete()
    assert "ldmal-53" not in top("劳动仲裁收费吗", 10)
