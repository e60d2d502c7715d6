"""Writes of the knowledge app: asking the assistant (which logs the question without personal data), voting on
an answer, and counting a class's views."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .consult import Consultation, consult
from .models import ConsultationLog, Lesson
from .privacy import scrub
from .states import ConsultChannel


class AlreadyVoted(Exception):
    """The answer was already rated (409)."""


QUESTION_MAX = 500
QUESTION_MIN = 2


def clean_question(question: str) -> str:
    """The question trimmed; ValidationError (400) when empty, too short or longer than ``QUESTION_MAX``."""
    question = (question or "").strip()
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError({"question": [_("问题里有无法识别的字符，请重新输入。")]}) from None
    if "\x00" in question:
        raise ValidationError({"question": [_("问题里有无法识别的字符，请重新输入。")]})
    if len(question) < QUESTION_MIN:
        raise ValidationError({"question": [_("请用一两句话写下您遇到的问题。")]})
    if len(question) > QUESTION_MAX:
        raise ValidationError({"question": [_("问题请不要超过 %(n)d 个字。") % {"n": QUESTION_MAX}]})
    return question


EARLIEST_DATE = date(1990, 1, 1)


def clean_dates(*, event_date: date | None, left_on: date | None) -> None:
    """ValidationError (400) for a date in the future or before 1990 (no limitation question reaches that far)."""
    today = timezone.localdate()
    errors = {}
    for name, value in (("event_date", event_date), ("left_on", left_on)):
        if value is not None and value > today:
            errors[name] = [_("日期不能晚于今天。")]
        elif value is not None and value < EARLIEST_DATE:
            errors[name] = [_("日期太早了，请检查年份。")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def consultation_ask(
    *,
    question: str,
    channel: str = ConsultChannel.PAGE,
    event_date: date | None = None,
    left_on: date | None = None,
    provider=None,
) -> tuple[Consultation, ConsultationLog]:
    """Answer a question and log it. The log holds the question with personal data removed (never the original),
    the cited article slugs, the category and the deadline rules stated; nothing about the asker."""
    question = clean_question(question)
    clean_dates(event_date=event_date, left_on=left_on)
    scrubbed = scrub(question)
    answer = consult(
        question=question,
        scrubbed_question=scrubbed,
        event_date=event_date,
        left_on=left_on,
        provider=provider,
    )
    log = ConsultationLog.objects.create(
        channel=channel,
        question=scrubbed,
        category=answer.category,
        article_slugs=[c.slug for c in answer.citations],
        deadline_codes=[d.code for d in answer.deadlines],
        provider=answer.provider,
        provider_failed=answer.provider_failed,
    )
    return answer, log


@transaction.atomic
def consultation_vote(*, public_id, helpful: bool) -> ConsultationLog:
    """Record whether an answer helped, once: a second vote is a conflict (409); an unknown id is DoesNotExist."""
    log = ConsultationLog.objects.select_for_update().get(public_id=public_id)
    if log.helpful is not None:
        raise AlreadyVoted(_("这条回答已经评价过了，谢谢。"))
    log.helpful = helpful
    log.voted_at = timezone.now()
    log.save(update_fields=["helpful", "voted_at"])
    return log


def lesson_record_view(*, lesson_id: int) -> None:
    """Count one view: a single ``UPDATE … SET view_count = view_count + 1``, no read first."""
    Lesson.objects.filter(pk=lesson_id).update(view_count=F("view_count") + 1)
