"""Chinese search over the published articles: jieba words plus character bigrams, ranked by BM25, with a
colloquial/typo dictionary (content/synonyms.yaml) that adds the articles' own terms to a worker's words.

Guarantees:

- **One index per process, rebuilt when articles change.** The index is built from the published articles and
  tagged with their count and latest ``updated_at``; every search checks that tag with one aggregate query and
  rebuilds on a difference (an edit, a publication, a deletion), so an official's change is searchable at once.
- **jieba is loaded once, lazily**, with the labour-law user dictionary, on the first search of a process.
- **Typos and colloquial words**: a query word listed as a variant of a term (工资没发 → 拖欠工资, 加般费 → 加班费)
  adds that term; character bigrams match the parts of a misspelt word that are right.
- **Fast**: scoring walks only the postings of the query's terms (a few thousand articles: milliseconds).
"""

import heapq
import math
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count, Max

from .content import CONTENT_DIR, read_yaml

K1 = 1.5
B = 0.75
BIGRAM_WEIGHT = 0.35  # character bigrams only help: a whole-word match must outrank a partial one
EXPANSION_WEIGHT = 0.9  # a term the dictionary added weighs a little less than the worker's own word
TITLE_REPEAT = 2  # title and keywords count twice: they say what the article is about
MIN_FACTOR = 0.05  # a term whose weight × idf is below this is skipped when scoring
_STOPWORD_TEXT = """的 了 吗 呢 吧 啊 呀 么 嘛 哦 哈 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 这样 那样 什么 怎么 怎么办 怎样 如何
    为什么 请问 一下 可以 应该 能 会 要 想 就 都 也 还 又 再 和 与 或者 及 以及 被 把 给 让 在 是 有 没 不 个 一 些 里 上 下
    到 从 对 吗 啥 咋 咋办 该 找 问 帮 帮忙 现在 已经 然后 但是 可是 因为 所以 如果 公司 老板 单位 本 条 法 规定"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff0-9a-z]")

_jieba_lock = threading.Lock()
_jieba = None


def _tokenizer():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.load_userdict(str(CONTENT_DIR / "userdict.txt"))
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def normalize(text: str) -> str:
    """Lower case, full-width letters and digits to ASCII."""
    out = []
    for ch in text or "":
        code = ord(ch)
        out.append(chr(code - 0xFEE0) if 0xFF01 <= code <= 0xFF5E else ch)
    return "".join(out).lower()


def words(text: str) -> list[str]:
    """jieba's search-mode words of ``text``, without stop words, punctuation and single Chinese characters."""
    result = []
    for word in _tokenizer().cut_for_search(normalize(text)):
        word = word.strip()
        if not word or word in STOPWORDS or not _MEANINGFUL.search(word):
            continue
        if len(word) == 1 and _CJK.match(word):
            continue
        result.append(word)
    return result


def bigrams(text: str) -> list[str]:
    """Character bigrams of each run of Chinese characters (marked with ``~`` so they never equal a word)."""
    grams = []
    for run in _CJK_RUN.findall(normalize(text)):
        grams.extend("~" + run[i : i + 2] for i in range(len(run) - 1))
    return grams


@lru_cache(maxsize=1)
def synonym_table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(term, variants) pairs from content/synonyms.yaml, longest variants first within each term."""
    table = read_yaml("synonyms.yaml") or {}
    return tuple(
        (
            normalize(str(term)),
            tuple(sorted({normalize(str(v)) for v in variants or []}, key=len, reverse=True)),
        )
        for term, variants in table.items()
    )


def dictionary_terms(query: str) -> list[str]:
    """The dictionary terms a query names, by a variant or by the term itself (substring match, so a phrase
    jieba would split, such as 工资没发, is still recognised)."""
    text = normalize(query)
    return [term for term, variants in synonym_table() if term in text or any(v in text for v in variants)]


def query_terms(query: str) -> dict[str, float]:
    """Weighted terms for ``query``: its own words (1.0), the dictionary's terms (0.9), its bigrams (0.35)."""
    terms: dict[str, float] = {}
    for word in words(query):
        terms[word] = 1.0
    for term in dictionary_terms(query):
        for word in words(term) or [term]:
            terms.setdefault(word, EXPANSION_WEIGHT)
        for gram in bigrams(term):
            terms.setdefault(gram, BIGRAM_WEIGHT * EXPANSION_WEIGHT)
    for gram in bigrams(query):
        terms.setdefault(gram, BIGRAM_WEIGHT)
    return terms


def document_tokens(
    *, title: str, keywords: str, summary: str, body: str, source: str, number: str
) -> list[str]:
    head = " ".join([title, keywords] * TITLE_REPEAT)
    text = " ".join([head, summary, body, source, number])
    return words(text) + bigrams(text)


@dataclass
class Index:
    signature: tuple
    ids: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    postings: dict[str, dict[int, int]] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)
    norms: list[float] = field(default_factory=list)
    average_length: float = 1.0

    @classmethod
    def build(cls, signature: tuple, documents: list[tuple[int, list[str]]]) -> "Index":
        index = cls(signature=signature)
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        for position, (article_id, tokens) in enumerate(documents):
            index.ids.append(article_id)
            index.lengths.append(len(tokens))
            for token, count in Counter(tokens).items():
                postings[token][position] = count
        index.postings = dict(postings)
        total = len(documents)
        index.average_length = (sum(index.lengths) / total) if total else 1.0
        # BM25's idf, floored at a small positive value so a term in most articles never subtracts.
        index.idf = {
            token: max(math.log((total - len(docs) + 0.5) / (len(docs) + 0.5) + 1.0), 0.01)
            for token, docs in index.postings.items()
        }
        index.norms = [K1 * (1 - B + B * length / index.average_length) for length in index.lengths]
        return index

    def score(self, terms: dict[str, float], limit: int | None = None) -> list[tuple[int, float]]:
        """(article id, score) of the ``limit`` best articles matching a term (all when None), best first; ties
        go to the older article (lower id), so the order is stable."""
        scores: dict[int, float] = defaultdict(float)
        norms = self.norms
        for term, weight in terms.items():
            docs = self.postings.get(term)
            if not docs:
                continue
            factor = weight * self.idf[term] * (K1 + 1)
            if factor < MIN_FACTOR:
                continue  # a term in nearly every article cannot change the order, only cost time
            for position, tf in docs.items():
                scores[position] += factor * tf / (tf + norms[position])
        key = lambda item: (-item[1], self.ids[item[0]])  # noqa: E731
        ranked = (
            sorted(scores.items(), key=key)
            if limit is None
            else heapq.nsmallest(limit, scores.items(), key=key)
        )
        return [(self.ids[position], score) for position, score in ranked]


_index_lock = threading.Lock()
_index: Index | None = None


def _signature() -> tuple:
    from .models import Article

    figures = Article.objects.filter(is_published=True).aggregate(n=Count("id"), last=Max("updated_at"))
    return (figures["n"], figures["last"])


def current_index() -> Index:
    """The index of the published articles as they are now (rebuilt if they changed since it was built)."""
    global _index
    signature = _signature()
    if _index is not None and _index.signature == signature:
        return _index
    with _index_lock:
        if _index is None or _index.signature != signature:
            from .models import Article

            rows = Article.objects.filter(is_published=True).select_related("source").order_by("pk")
            documents = [
                (
                    a.pk,
                    document_tokens(
                        title=a.title,
                        keywords=a.keywords,
                        summary=a.summary,
                        body=a.body,
                        source=a.source.title,
                        number=a.number,
                    ),
                )
                for a in rows
            ]
            _index = Index.build(signature, documents)
        return _index


def search_ids(query: str, *, limit: int = 10) -> list[tuple[int, float]]:
    """The ids of the best matching published articles and their scores, best first; empty for an empty query."""
    terms = query_terms(query or "")
    if not terms:
        return []
    return current_index().score(terms, limit=limit)
