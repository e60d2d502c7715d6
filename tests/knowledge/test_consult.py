"""The assistant: category hints, deadline hints from the deadline engine, dates in the question, the
no-provider default, the disclaimer and the two ways on."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from knowledge.consult import consult
from knowledge.dates import find_dates, still_employed
from knowledge.services import consultation_ask

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def ask(question: str, **kwargs):
    return consult(question=question, scrubbed_question=question, today=TODAY, **kwargs)


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("老板欠我三个月工资没发", "wages"),
        ("天天加班一分加班费都没有", "overtime"),
        ("公司突然把我辞退了", "dismissal"),
        ("经济补偿金怎么算", "compensation"),
        ("公司一直不给交社保", "social_insurance"),
        ("送外卖摔断了腿算工伤吗", "work_injury"),
        ("干了一年都没签合同", "labor_relationship"),
    ],
)
def test_the_likely_category(question, category):
    assert ask(question).category == category


def test_a_dismissal_date_gives_the_one_year_limitation_from_the_engine():
    answer = ask("我2026年3月5日被公司辞退了，一分钱补偿不给")
    assert answer.category in {"dismissal", "compensation"}
    (hint,) = answer.deadlines
    assert hint.code == "limitation.general"
    assert (hint.starts_on, hint.due_on) == (date(2026, 3, 5), date(2027, 3, 5))
    assert hint.state == "open"
    assert "劳动争议调解仲裁法第二十七条" in hint.source
    assert "2027年3月5日" in answer.answer


def test_a_limitation_already_past_is_said_plainly():
    (hint,) = ask("2025年3月2日被开除的，现在还能要补偿吗").deadlines
    assert hint.state == "overdue"
    assert hint.due_on == date(2026, 3, 2)


def test_wages_after_leaving_run_from_the_last_day():
    answer = ask("2026-01-10离职的，公司还欠我两个月工资没结")
    assert answer.category == "wages"
    assert [h.code for h in answer.deadlines] == ["limitation.wages_after_exit"]
    assert answer.deadlines[0].due_on == date(2027, 1, 11)  # 2027-01-10 is a Sunday: the next working day


def test_wage_arrears_while_still_employed_have_no_limitation():
    answer = ask("从3月5号开始老板就拖欠工资，我现在还在上班")
    assert answer.still_employed is True
    assert answer.deadlines == []
    assert "申请仲裁不受一年时效限制" in answer.answer


def test_the_date_fields_win_over_the_text():
    answer = ask("被辞退了要补偿", event_date=date(2026, 6, 1))
    assert [(h.starts_on, h.due_on) for h in answer.deadlines] == [(date(2026, 6, 1), date(2027, 6, 1))]


def test_without_a_date_the_answer_asks_for_one():
    answer = ask("被辞退了要补偿")
    assert answer.deadlines == [] and not answer.dates_found
    assert "如果告诉我们事情发生的日期" in answer.answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年3月5日被辞退", [(date(2026, 3, 5), True)]),
        ("3月5号开始没发工资", [(date(2026, 3, 5), False)]),
        ("12月5号开始没发工资", [(date(2025, 12, 5), False)]),  # not yet this year: last year
        ("2026/03/05离职", [(date(2026, 3, 5), True)]),
        ("2025年6月开始欠薪", [(date(2025, 6, 1), False)]),
        ("2024年3月入职，2026年2月30日离职", []),  # the joining date starts nothing; 2月30日 is no date
        ("2027年1月1日", []),  # the future
    ],
)
def test_dates_in_the_question(text, expected):
    assert [(d.day, d.is_employment_end) for d in find_dates(text, today=TODAY)] == expected


def test_still_employed_reading():
    assert still_employed("我还在职") is True
    assert still_employed("上个月离职了") is False
    assert still_employed("工资没发") is None


def test_the_default_is_no_provider_and_the_answer_still_cites_and_warns():
    answer = ask("老板欠我三个月工资没发")
    assert answer.provider == "retrieval" and not answer.provider_failed
    assert answer.citations and answer.citations[0].url.startswith("/knowledge/a/")
    assert "[1]" in answer.answer
    assert answer.start_claim_url == "/intake/?category=wages"
    assert answer.ask_person_url == "/intake/?category=wages&service=legal_aid"


def test_nothing_relevant_cites_nothing_and_says_so():
    answer = ask("今天天气怎么样")
    assert answer.citations == []
    assert answer.category == "other"
    assert "没有找到和您的问题直接相关的条文" in answer.answer
    assert answer.start_claim_url == "/intake/"


@pytest.mark.parametrize("question", ["", " ", "a", "长" * 501])
def test_bad_questions_are_refused(question):
    with pytest.raises(ValidationError):
        consultation_ask(question=question)
