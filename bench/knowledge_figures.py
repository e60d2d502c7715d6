"""The consultation assistant's retrieval quality on the held-out questions (tests/knowledge/eval_questions.yaml):
recall@3, the share of the articles a good answer must cite that appear among the first three results, averaged
over the questions. bench/run.py writes it to report.json as ``consult_recall_at_3``."""

import statistics
import time
from pathlib import Path

import yaml

EVAL_FILE = Path(__file__).resolve().parents[1] / "tests" / "knowledge" / "eval_questions.yaml"


def load_questions(path: Path = EVAL_FILE) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def recall_at_k(questions: list[dict], *, k: int = 3) -> tuple[float, list[dict]]:
    """(mean recall@k, the questions that missed something with what was returned). Needs the articles loaded."""
    from knowledge.selectors import article_search

    total = 0.0
    misses = []
    for item in questions:
        returned = [a.slug for a, _score in article_search(query=item["q"], limit=k)]
        must = set(item["cite"])
        found = must.intersection(returned)
        total += len(found) / len(must)
        if found != must:
            misses.append({"q": item["q"], "cite": sorted(must), "returned": returned})
    return (total / len(questions) if questions else 0.0), misses


SCALE_ARTICLES = 3000  # "a few thousand articles must search in milliseconds"


def _latencies(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "samples": len(ordered),
    }


def search_latency(questions: list[dict]) -> dict:
    """Warm ``article_search`` over the loaded articles, and the bare index scoring at ``SCALE_ARTICLES`` articles
    (the loaded articles' tokens repeated under new ids: the same vocabulary, a realistic posting-list length)."""
    from knowledge.models import Article
    from knowledge.search import Index, current_index, query_terms
    from knowledge.selectors import article_search

    article_search(query="工资")  # loads jieba and builds the index: not part of a search's cost
    timings = []
    for item in questions:
        started = time.perf_counter()
        article_search(query=item["q"], limit=10)
        timings.append(time.perf_counter() - started)
    live = current_index()
    documents = []
    for n in range(SCALE_ARTICLES):
        position = n % len(live.ids)
        tokens = [t for t, docs in live.postings.items() for _ in range(docs.get(position, 0))]
        documents.append((n + 1, tokens))
    started = time.perf_counter()
    big = Index.build(("scale",), documents)
    build_seconds = time.perf_counter() - started
    scale = []
    for item in questions:
        terms = query_terms(item["q"])
        started = time.perf_counter()
        big.score(terms, limit=10)
        scale.append(time.perf_counter() - started)
    return {
        "function": "knowledge.selectors.article_search",
        "articles": Article.objects.filter(is_published=True).count(),
        **_latencies(timings),
        "at_scale": {
            "articles": SCALE_ARTICLES,
            "build_seconds": round(build_seconds, 2),
            **_latencies(scale),
        },
    }


def consult_figures() -> dict:
    """``consult_recall_at_3`` (``{"value": ..., "questions": n, "misses": [...]}``) and ``knowledge_search``
    (latencies) for report.json."""
    questions = load_questions()
    value, misses = recall_at_k(questions, k=3)
    return {
        "consult_recall_at_3": {
            "value": round(value, 4),
            "questions": len(questions),
            "threshold": 0.85,
            "misses": misses,
        },
        "knowledge_search": search_latency(questions),
    }
