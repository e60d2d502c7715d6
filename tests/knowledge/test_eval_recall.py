"""The held-out evaluation: recall@3 of the retrieval on colloquial worker questions must stay at or above 0.85.
The same figure goes to bench/report.json as consult_recall_at_3 (bench/knowledge_figures.py)."""

import pytest

from bench.knowledge_figures import load_questions, recall_at_k
from knowledge.models import Article

pytestmark = pytest.mark.django_db
THRESHOLD = 0.85


def test_the_evaluation_set_is_large_enough_and_names_real_articles():
    questions = load_questions()
    assert len(questions) >= 60
    slugs = set(Article.objects.values_list("slug", flat=True))
    for item in questions:
        assert item["q"].strip() and item["cite"], item
        assert set(item["cite"]) <= slugs, item


def test_recall_at_3_meets_the_threshold():
    value, misses = recall_at_k(load_questions(), k=3)
    assert value >= THRESHOLD, f"recall@3 = {value:.3f}; misses: {misses}"


def test_recall_drops_when_the_answer_is_missing():
    """The measure can fail: unpublish the articles the questions need and the figure falls below the bar."""
    Article.objects.filter(kind="guide").update(is_published=False)
    Article.objects.filter(slug__startswith="ldmal").update(is_published=False)
    value, _misses = recall_at_k(load_questions(), k=3)
    assert value < THRESHOLD
