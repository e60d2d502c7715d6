"""The deadline rules and the working-day calendar: read once per filing, fresh outside a filing, and the calendar
in one query with the same days as the notices list."""

from datetime import date
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.deadlines import active_deadline_rules, deadline_inputs_reused, working_calendar
from disputes.intake.forms import ClaimForm
from disputes.intake.services import intake_notices, intake_submit
from disputes.models import CaseDeadline, DeadlineRule, HolidayNotice, HolidayNoticeDay
from disputes.permissions import WORKER
from disputes.workdays import WorkingCalendar

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet_tasks():
    with mock.patch("config.celery.enqueue") as patched:
        yield patched


def _reads(ctx, table: str) -> int:
    return sum(
        1 for q in ctx.captured_queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    )


def test_the_calendar_is_one_query_and_lists_every_notice_and_day():
    notice = HolidayNotice.objects.create(year=2031, title="2031年部分节假日安排的通知")
    HolidayNotice.objects.create(year=2032, title="2032年部分节假日安排的通知")  # no days entered yet
    HolidayNoticeDay.objects.create(notice=notice, date=date(2031, 1, 1), is_working_day=False, name="元旦")
    HolidayNoticeDay.objects.create(notice=notice, date=date(2031, 1, 4), is_working_day=True, name="调休")
    with CaptureQueriesContext(connection) as ctx:
        calendar = WorkingCalendar.from_database()
    assert len(ctx.captured_queries) == 1
    assert calendar.notice_years == frozenset({2031, 2032})
    assert calendar.notice_days == {date(2031, 1, 1): False, date(2031, 1, 4): True}
    assert not calendar.is_working_day(date(2031, 1, 1))
    assert calendar.is_working_day(date(2031, 1, 4))  # a Saturday worked
    assert calendar.is_confirmed(2032)


def test_reads_are_fresh_outside_a_block_and_once_inside():
    with CaptureQueriesContext(connection) as ctx:
        active_deadline_rules(), active_deadline_rules(), working_calendar(), working_calendar()
    assert _reads(ctx, "disputes_deadlinerule") == 2
    assert _reads(ctx, "disputes_holidaynotice") == 2

    with CaptureQueriesContext(connection) as ctx, deadline_inputs_reused():
        first = active_deadline_rules()
        with deadline_inputs_reused():  # a nested block shares the outer reads
            assert active_deadline_rules() == first
        first.clear()  # a caller's list is its own
        assert active_deadline_rules() != []
        assert working_calendar() is working_calendar()
    assert _reads(ctx, "disputes_deadlinerule") == 1
    assert _reads(ctx, "disputes_holidaynotice") == 1

    # After the block: a rule switched off is seen by the next read.
    rule = DeadlineRule.objects.filter(is_active=True).first()
    DeadlineRule.objects.filter(pk=rule.pk).update(is_active=False)
    assert rule.pk not in {r.pk for r in active_deadline_rules()}


def test_a_filing_reads_the_rules_and_the_calendar_once(directory):
    form = ClaimForm(
        data={
            "worker_name": "张伟",
            "worker_id_number": "330302199001011235",
            "worker_phone": "13957712345",
            "employer_name": "温州市顺达速运有限公司",
            "industry": "express_delivery",
            "categories": ["wages"],
            "amount_claimed": "8000",
            "facts": "工资两个月没有发。",
            "station": "station-a",
            "knowledge_date": "2026-01-05",
            "consent": True,
        }
    )
    assert form.is_valid(), form.errors
    claim = form.cleaned_data
    with CaptureQueriesContext(connection) as ctx, deadline_inputs_reused():
        intake_notices(claim=claim)
        filed = intake_submit(claim=claim, amounts={"wages": None}, actor=WORKER)
    assert _reads(ctx, "disputes_deadlinerule") == 1
    assert _reads(ctx, "disputes_holidaynotice") == 1
    # The filing and its triage both computed the deadlines: the rows are there.
    assert CaseDeadline.objects.filter(case_id=filed[0].case_id).exists()
