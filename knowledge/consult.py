"""The consultation assistant: a worker's question in their own words → the articles to cite, the likely dispute
category, the deadlines for the dates they gave (from the deadline engine), and the two ways on (a claim with the
category filled in, or a person). Pure reads; :func:`knowledge.services.consultation_ask` logs and returns it.

Guarantees:

- Every answer cites only retrieved, published articles, each with its stable URL; a provider's text is used only
  when grounded in them (knowledge.providers), else the answer is composed from the articles themselves.
- Deadlines are computed by ``disputes.deadlines.compute_case_deadlines`` with the officials' ``DeadlineRule``
  rows whose start is a date the worker gives (knowledge date, end of employment), counted by the working
  calendar, so the assistant and a filed case state the same date.
- Every answer says plainly it is not legal advice.
"""

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from disputes.deadlines import CASE_DATE_TRIGGERS, compute_case_deadlines, deadline_state
from disputes.models import DeadlineRule
from disputes.states import CaseStatus, Category, Service
from disputes.workdays import WorkingCalendar

from .dates import find_dates, still_employed
from .models import Article
from .providers import Passage, ProviderError, configured_provider
from .search import dictionary_terms
from .selectors import article_search

MAX_CITATIONS = 4
RELATIVE_CUTOFF = 0.3  # a citation must score at least this share of the best one
MIN_SCORE = 2.0  # below this the best match is noise: nothing is cited
EXCERPT_CHARS = 120
# Dictionary terms (content/synonyms.yaml) that point to a dispute category, strongest first within a category.
TERM_CATEGORY = {
    "拖欠工资": Category.WAGES,
    "劳动报酬": Category.WAGES,
    "克扣": Category.WAGES,
    "加班费": Category.OVERTIME,
    "违法解除": Category.DISMISSAL,
    "解除劳动合同": Category.DISMISSAL,
    "辞职": Category.DISMISSAL,
    "离职证明": Category.DISMISSAL,
    "孕期": Category.DISMISSAL,
    "经济补偿": Category.COMPENSATION,
    "赔偿金": Category.COMPENSATION,
    "社会保险": Category.SOCIAL_INSURANCE,
    "工伤": Category.WORK_INJURY,
    "工伤认定": Category.WORK_INJURY,
    "停工留薪期": Category.WORK_INJURY,
    "劳动能力鉴定": Category.WORK_INJURY,
    "医疗费": Category.WORK_INJURY,
    "确认劳动关系": Category.LABOR_RELATIONSHIP,
    "没签合同": Category.LABOR_RELATIONSHIP,
    "二倍工资": Category.LABOR_RELATIONSHIP,
    "劳务派遣": Category.LABOR_RELATIONSHIP,
}
TERM_WEIGHT = 2.0
BROAD_ARTICLE = 4  # an article tagged with this many categories or more says nothing about which one


@dataclass
class Citation:
    slug: str
    title: str
    url: str
    excerpt: str
    kind: str


@dataclass
class DeadlineHint:
    code: str
    name: str
    starts_on: date
    due_on: date
    provisional: bool
    state: str
    state_label: str
    text: str
    source: str


@dataclass
class Consultation:
    question: str
    answer: str
    citations: list[Citation]
    category: str
    category_label: str
    deadlines: list[DeadlineHint]
    dates_found: bool
    still_employed: bool | None
    provider: str = "retrieval"
    provider_failed: bool = False
    lead: str = ""  # the language model's text, when one answered

    @property
    def deadline_items(self) -> list[tuple[DeadlineHint, str]]:
        """Each deadline with the sentence that explains it (the page lists them; ``answer`` runs them on)."""
        return [(hint, deadline_sentence(hint)) for hint in self.deadlines]

    @property
    def notes(self) -> list[str]:
        """What the dates given (or not given) mean beyond the deadlines themselves."""
        return deadline_notes(
            deadlines=self.deadlines,
            dates_found=self.dates_found,
            employed=self.still_employed,
            category=self.category,
        )

    @property
    def start_claim_url(self) -> str:
        return claim_url(category=self.category)

    @property
    def ask_person_url(self) -> str:
        return claim_url(category=self.category, service=Service.LEGAL_AID)


def claim_url(*, category: str, service: str = "") -> str:
    """The claim form with the category (and a service, e.g. legal aid) chosen: ``/intake/?category=wages``."""
    params = {"category": category} if category and category != Category.OTHER else {}
    if service:
        params["service"] = service
    url = reverse("disputes:intake")
    return f"{url}?{urlencode(params)}" if params else url


def excerpt(article: Article) -> str:
    text = (article.summary or article.body).replace("\n", " ").strip()
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def guess_category(question: str, ranked: list[tuple[Article, float]]) -> str:
    """The likely dispute category: the dictionary's category terms named in the question count most; the
    categories of the retrieved articles (weighted by score, broad ones ignored) decide the rest."""
    votes: dict[str, float] = {}
    for term in dictionary_terms(question):
        category = TERM_CATEGORY.get(term)
        if category:
            votes[category] = votes.get(category, 0.0) + TERM_WEIGHT
    if ranked:
        best = ranked[0][1]
        for article, score in ranked[:5]:
            if len(article.categories) >= BROAD_ARTICLE:
                continue
            for category in article.categories:
                if category in Category.values and category != Category.OTHER:
                    votes[category] = votes.get(category, 0.0) + score / best
    if not votes:
        return Category.OTHER
    order = list(Category.values)
    return max(votes, key=lambda c: (votes[c], -order.index(c)))


def deadline_hints(
    *, question: str, category: str, event_date: date | None, left_on: date | None, today: date | None = None
) -> tuple[list[DeadlineHint], bool, bool | None]:
    """The deadline engine's limitation periods for the dates given (fields first, then dates in the question).
    Returns (hints, whether any date was found, whether the worker is still employed)."""
    today = today or timezone.localdate()
    employed = still_employed(question)
    found = find_dates(question, today=today)
    knowledge_date = event_date or next((d.day for d in found if not d.is_employment_end), None)
    ended_on = left_on or next((d.day for d in found if d.is_employment_end), None)
    if left_on:
        employed = False
    if ended_on and knowledge_date is None:
        knowledge_date = ended_on  # dismissed that day: that is when the worker learned of it
    if ended_on and employed is None:
        employed = False
    if knowledge_date is None and ended_on is None:
        return [], False, employed
    rules = list(DeadlineRule.objects.filter(is_active=True, trigger__in=CASE_DATE_TRIGGERS).order_by("code"))
    stand_in = SimpleNamespace(
        status=CaseStatus.SUBMITTED,
        still_employed=bool(employed),
        knowledge_date=knowledge_date,
        employment_ended_on=ended_on,
    )
    computed = compute_case_deadlines(
        case=stand_in,
        events=[],
        rules=rules,
        categories={category} if category != Category.OTHER else set(),
        calendar=WorkingCalendar.from_database(),
    )
    by_id = {r.pk: r for r in rules}
    hints = []
    for item in computed:
        rule = by_id[item.rule_id]
        state, label = deadline_state(item, today=today)
        hints.append(
            DeadlineHint(
                code=rule.code,
                name=rule.name,
                starts_on=item.starts_on,
                due_on=item.due_on,
                provisional=item.provisional,
                state=state,
                state_label=label,
                text=rule.worker_text,
                source=rule.source,
            )
        )
    # Two rules from the same date to the same day say one thing: keep the more specific (category-bound) one.
    unique: dict[date, DeadlineHint] = {}
    for hint in hints:
        kept = unique.get(hint.due_on)
        if kept is None or (
            by_code(rules, hint.code).categories and not by_code(rules, kept.code).categories
        ):
            unique[hint.due_on] = hint
    return sorted(unique.values(), key=lambda h: h.due_on), True, employed


def by_code(rules, code: str):
    return next(r for r in rules if r.code == code)


def _day(value: date) -> str:
    return formats.date_format(value, "Y年n月j日")


def compose_answer(
    *,
    category: str,
    category_label: str,
    citations: list[Citation],
    deadlines: list[DeadlineHint],
    dates_found: bool,
    employed: bool | None,
    lead: str | None = None,
) -> str:
    """The retrieval answer in plain words: category, what the cited articles say, deadlines, next steps."""
    parts = []
    if category != Category.OTHER:
        parts.append(_("根据您的描述，这可能属于“%(label)s”方面的劳动争议。") % {"label": category_label})
    if lead:
        parts.append(lead)
    elif citations:
        lines = [_("相关的法律规定和办事指南：")]
        for number, citation in enumerate(citations, start=1):
            lines.append(f"[{number}] {citation.title}：{citation.excerpt}")
        parts.append("\n".join(lines))
    else:
        parts.append(no_citation_text())
    parts.extend(deadline_sentence(hint) for hint in deadlines)
    parts.extend(
        deadline_notes(deadlines=deadlines, dates_found=dates_found, employed=employed, category=category)
    )
    parts.append(next_step_text())
    return "\n\n".join(parts)


def no_citation_text() -> str:
    return _(
        "没有找到和您的问题直接相关的条文。可以换个说法再问，比如写清楚是工资、辞退、社保还是工伤的问题；也可以直接申请调解，由调解员帮您分析。"
    )


def next_step_text() -> str:
    return _(
        "下一步：可以点“申请调解”，问题类型已经为您选好；也可以请法律援助或调解员帮忙。调解和劳动仲裁都不收费。"
    )


def deadline_sentence(hint: DeadlineHint) -> str:
    """One deadline in a sentence: from which date, when it ends, what it means and the article behind it."""
    text = _(
        "按您提到的日期（%(start)s）计算，%(name)s约在 %(due)s 届满（%(state)s）。%(text)s。依据：%(source)s。"
    ) % {
        "start": _day(hint.starts_on),
        "name": hint.name,
        "due": _day(hint.due_on),
        "state": hint.state_label,
        "text": hint.text,
        "source": hint.source,
    }
    if hint.provisional:
        text += _("（该年度节假日安排尚未确认，届满日可能顺延。）")
    if hint.state == "overdue":
        text += _(
            "时效届满不影响申请，但对方可能以超过时效抗辩；如果期间向单位讨要过或申请过调解，时效会重新计算。"
        )
    return text


def deadline_notes(
    *, deadlines: list[DeadlineHint], dates_found: bool, employed: bool | None, category: str
) -> list[str]:
    sentences = []
    if dates_found and not deadlines and employed and category == Category.WAGES:
        sentences.append(
            _(
                "您还在职：在职期间被拖欠工资，申请仲裁不受一年时效限制；离职后要在一年内提出（劳动争议调解仲裁法第二十七条第四款）。"
            )
        )
    if not dates_found:
        sentences.append(
            _(
                "如果告诉我们事情发生的日期或离职日期（例如“2026年3月5日被辞退”），可以帮您估算申请仲裁的时效。"
            )
        )
    return sentences


def disclaimer() -> str:
    """The sentence every answer carries: what the answer is not, and where to ask a person."""
    return _(
        "以上内容由系统根据法律条文和本平台编写的指南自动整理，仅供参考，不构成法律意见，也不代表调解组织或仲裁委员会的决定。"
        "具体情况请咨询调解员、律师，或拨打 12348（法律服务）、12351（职工维权）、12333（人社服务）。"
    )


def consult(
    *,
    question: str,
    scrubbed_question: str,
    event_date: date | None = None,
    left_on: date | None = None,
    today: date | None = None,
    provider=None,
) -> Consultation:
    """Answer ``question``. ``scrubbed_question`` (personal data removed) is the only text a provider sees."""
    ranked = article_search(query=question, limit=10)
    cited = []
    if ranked and ranked[0][1] >= MIN_SCORE:
        best = ranked[0][1]
        cited = [(a, s) for a, s in ranked if s >= best * RELATIVE_CUTOFF][:MAX_CITATIONS]
    citations = [
        Citation(
            slug=a.slug, title=a.display_title, url=a.get_absolute_url(), excerpt=excerpt(a), kind=a.kind
        )
        for a, _score in cited
    ]
    category = guess_category(question, ranked) if cited or dictionary_terms(question) else Category.OTHER
    category_label = str(Category(category).label)
    deadlines, dates_found, employed = deadline_hints(
        question=question, category=category, event_date=event_date, left_on=left_on, today=today
    )
    result = Consultation(
        question=question,
        answer="",
        citations=citations,
        category=category,
        category_label=category_label,
        deadlines=deadlines,
        dates_found=dates_found,
        still_employed=employed,
    )
    provider = provider if provider is not None else configured_provider()
    lead = None
    if provider is not None and cited:
        passages = [
            Passage(number=n, title=a.display_title, text=f"{a.body}\n{a.summary}".strip())
            for n, (a, _score) in enumerate(cited, start=1)
        ]
        try:
            lead = provider.compose(question=scrubbed_question, passages=passages)
            result.provider = provider.name
            result.lead = lead
        except ProviderError:
            result.provider_failed = True
    result.answer = compose_answer(
        category=category,
        category_label=category_label,
        citations=citations,
        deadlines=deadlines,
        dates_found=dates_found,
        employed=employed,
        lead=lead,
    )
    if lead:
        # The model's text cites by number: the list it refers to follows it, so the numbers stay meaningful.
        listed = "\n".join(f"[{n}] {c.title} {c.url}" for n, c in enumerate(citations, start=1))
        result.answer = result.answer.replace(lead, f"{lead}\n\n{listed}", 1)
    return result
