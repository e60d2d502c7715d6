"""The public /knowledge/ pages: laws and guides, search, the consultation assistant, and the classes. No login;
every page works on a phone. Logic lives in selectors, services and knowledge.consult."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from disputes.states import Category

from .consult import claim_url, disclaimer, next_step_text, no_citation_text
from .forms import ConsultForm
from .models import ConsultationLog
from .selectors import (
    article_get_published,
    article_list_published,
    article_search,
    lesson_get_published,
    lesson_list_published,
    lesson_most_read,
)
from .services import AlreadyVoted, consultation_ask, consultation_vote, lesson_record_view
from .states import ArticleKind, ConsultChannel

SEARCH_MAX = 100


def _grouped_articles():
    groups: dict[str, dict[str, list]] = {}
    for article in article_list_published():
        groups.setdefault(article.kind, {}).setdefault(article.topic, []).append(article)
    return [
        {"kind": kind, "label": ArticleKind(kind).label, "topics": groups[kind]}
        for kind in (ArticleKind.GUIDE, ArticleKind.LAW, ArticleKind.POLICY)
        if kind in groups
    ]


def _home(request, *, form, answer=None, log=None, status=200, error=None):
    query = (request.GET.get("q") or "").strip()[:SEARCH_MAX]
    results = [a for a, _score in article_search(query=query, limit=10)] if query else None
    return render(
        request,
        "knowledge/home.html",
        {
            "form": form,
            "answer": answer,
            "log": log,
            "error": error,
            "disclaimer": disclaimer(),
            "no_citation_text": no_citation_text(),
            "next_step_text": next_step_text(),
            "query": query,
            "results": results,
            "groups": _grouped_articles() if not answer and not query else [],
            "most_read": lesson_most_read(limit=3),
            "claim_url": claim_url(category=Category.OTHER),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def home(request):
    """Ask a question, search, or browse the guides, laws and policies by topic."""
    return _home(request, form=ConsultForm())


@require_POST
def ask(request):
    """The assistant's answer to the posted question (rate-limited per address; a 429 page when exceeded)."""
    form = ConsultForm(request.POST)
    if is_ratelimited(
        request,
        group="knowledge-ask",
        key="ip",
        rate=settings.CONSULT_PAGE_RATE,
        method="POST",
        increment=True,
    ):
        return _home(
            request,
            form=form,
            status=429,
            error=_("提问太频繁了，请稍后再试。着急的话，可以拨打 12348 或 12351 咨询。"),
        )
    if not form.is_valid():
        return _home(request, form=form, status=400)
    try:
        answer, log = consultation_ask(
            question=form.cleaned_data["question"],
            channel=ConsultChannel.PAGE,
            event_date=form.cleaned_data.get("event_date"),
            left_on=form.cleaned_data.get("left_on"),
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else "question", message)
        return _home(request, form=form, status=400)
    return _home(request, form=form, answer=answer, log=log)


@require_POST
def vote(request):
    """Record whether an answer helped (once); answers with a short thank-you page."""
    try:
        public_id = uuid.UUID(request.POST.get("log", ""))
        helpful = {"yes": True, "no": False}[request.POST.get("helpful", "")]
    except (ValueError, KeyError):
        return render(
            request, "knowledge/voted.html", {"message": _("评价没有提交成功，请返回重试。")}, status=400
        )
    try:
        consultation_vote(public_id=public_id, helpful=helpful)
    except ConsultationLog.DoesNotExist:
        return render(request, "knowledge/voted.html", {"message": _("没有找到这条回答。")}, status=404)
    except AlreadyVoted as exc:
        return render(request, "knowledge/voted.html", {"message": str(exc)}, status=409)
    message = (
        _("谢谢您的评价，我们会据此改进回答。")
        if helpful
        else _("谢谢反馈。您可以换个说法再问，或者直接申请调解找人帮忙。")
    )
    return render(request, "knowledge/voted.html", {"message": message, "helpful": helpful})


@require_http_methods(["GET", "HEAD"])
def article(request, slug: str):
    item = article_get_published(slug=slug)
    if item is None:
        raise Http404
    categories = [c for c in item.categories if c in Category.values and c != Category.OTHER]
    return render(
        request,
        "knowledge/article.html",
        {
            "article": item,
            "paragraphs": [p for p in item.body.split("\n\n") if p.strip()],
            "claim_url": claim_url(category=categories[0] if len(categories) == 1 else Category.OTHER),
            "lessons": item.lessons.filter(is_published=True),
        },
    )


@require_http_methods(["GET", "HEAD"])
def lessons(request):
    groups: dict[str, list] = {}
    for lesson in lesson_list_published():
        groups.setdefault(lesson.topic, []).append(lesson)
    return render(
        request, "knowledge/lessons.html", {"groups": groups, "most_read": lesson_most_read(limit=5)}
    )


@require_http_methods(["GET", "HEAD"])
def lesson(request, slug: str):
    item = lesson_get_published(slug=slug)
    if item is None:
        raise Http404
    if request.method == "GET":
        lesson_record_view(lesson_id=item.pk)
    return render(
        request,
        "knowledge/lesson.html",
        {
            "lesson": item,
            "paragraphs": [p for p in item.body.split("\n\n") if p.strip()],
            "related": item.related.filter(is_published=True).select_related("source"),
        },
    )
