"""The working-day calendar and the counting of periods, around the 2026 Spring Festival and National Day.

The package data these tests rely on (holidays 0.109, checked before writing them):
Spring Festival 2026: rest 02-15..02-23, swapped working Saturdays 02-14 and 02-28;
National Day 2026: rest 10-01..10-07 (10-04 a Sunday), swapped working days 09-20 (Sun) and 10-10 (Sat);
2027: holidays known, no swapped working days, so 2027 is not confirmed.
"""

from datetime import date, timedelta

import pytest

from disputes.models import HolidayNotice, HolidayNoticeDay
from disputes.states import DayType
from disputes.workdays import WorkingCalendar

W = DayType.WORKING


@pytest.fixture
def cal():
    return WorkingCalendar()


# --- The package data the rest relies on --------------------------------------------------------------------
@pytest.mark.parametrize(
    "day",
    [date(2026, 2, 15) + timedelta(days=n) for n in range(9)]  # Spring Festival 02-15..02-23
    + [date(2026, 10, 1) + timedelta(days=n) for n in range(7)]  # National Day 10-01..10-07
    + [date(2026, 2, 21), date(2026, 3, 1), date(2026, 10, 11)],  # ordinary weekend days
)
def test_rest_days(cal, day):
    assert not cal.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 2, 14),  # swapped working Saturday
        date(2026, 2, 28),  # swapped working Saturday
        date(2026, 9, 20),  # swapped working Sunday
        date(2026, 10, 10),  # swapped working Saturday
        date(2026, 2, 13),
        date(2026, 2, 24),
        date(2026, 10, 8),
        date(2026, 3, 2),
    ],
)
def test_working_days(cal, day):
    assert cal.is_working_day(day)


@pytest.mark.parametrize(("year", "confirmed"), [(2024, True), (2025, True), (2026, True), (2027, False)])
def test_confirmed_years_from_the_package(cal, year, confirmed):
    assert cal.is_confirmed(year) is confirmed


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 13), date(2026, 2, 13)),
        (date(2026, 2, 15), date(2026, 2, 24)),
        (date(2026, 2, 23), date(2026, 2, 24)),
        (date(2026, 10, 1), date(2026, 10, 8)),
        (date(2026, 10, 10), date(2026, 10, 10)),
        (date(2026, 10, 11), date(2026, 10, 12)),
    ],
)
def test_next_working_day(cal, day, expected):
    assert cal.next_working_day(day) == expected


# --- Calendar-day periods -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 3, 2), 1, date(2026, 3, 3)),  # the first day is not counted
        (date(2026, 3, 2), 15, date(2026, 3, 17)),
        (date(2026, 3, 2), 30, date(2026, 4, 1)),
        (date(2026, 3, 31), 1, date(2026, 4, 1)),
    ],
)
def test_the_first_day_is_not_counted(cal, start, days, due):
    assert cal.add_period(start, days=days) == (due, False)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # 02-05 + 15 = 02-20, inside the Spring Festival: the first working day after it is Tue 02-24.
        (date(2026, 2, 5), date(2026, 2, 24)),
        (date(2026, 2, 1), date(2026, 2, 24)),  # 02-16
        (date(2026, 2, 8), date(2026, 2, 24)),  # 02-23, the last day of the holiday
        # 09-20 + 15 = 10-05, inside National Day: rolls to Thu 10-08.
        (date(2026, 9, 20), date(2026, 10, 8)),
        (date(2026, 9, 16), date(2026, 10, 8)),  # 10-01
        (date(2026, 9, 22), date(2026, 10, 8)),  # 10-07
    ],
)
def test_a_period_ending_in_a_holiday_rolls_to_the_first_working_day_after_it(cal, start, due):
    assert cal.add_period(start, days=15) == (due, False)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 2, 13), date(2026, 2, 28)),  # Sat 02-28 is a swapped working day
        (date(2025, 12, 30), date(2026, 2, 14)),  # 45 days: Sat 02-14 is a swapped working day
        (date(2026, 9, 25), date(2026, 10, 10)),  # Sat 10-10 is a swapped working day
    ],
)
def test_a_period_ending_on_a_swapped_working_day_does_not_roll(cal, start, due):
    days = (due - start).days
    assert cal.add_period(start, days=days) == (due, False)


def test_a_period_ending_on_an_ordinary_saturday_rolls_to_monday(cal):
    assert cal.add_period(date(2026, 2, 20), days=15) == (date(2026, 3, 9), False)  # Sat 03-07


# --- Working-day periods ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Thu 02-12: 13 (Fri), 14 (swapped Sat), holiday skipped, 24, 25, 26.
        (date(2026, 2, 12), 5, date(2026, 2, 26)),
        # Wed 02-25: 26, 27, 28 (swapped Sat), 03-02, 03-03.
        (date(2026, 2, 25), 5, date(2026, 3, 3)),
        # Starting inside the holiday: 24, 25, 26, 27, 28 (swapped Sat).
        (date(2026, 2, 17), 5, date(2026, 2, 28)),
        # Mon 09-28: 29, 30, National Day skipped, 10-08, 10-09, 10-10 (swapped Sat).
        (date(2026, 9, 28), 5, date(2026, 10, 10)),
        # Fri 09-18: 20 (swapped Sun), 21, 22, 23, 24.
        (date(2026, 9, 18), 5, date(2026, 9, 24)),
        # An ordinary week: Fri 03-06 -> 09, 10, 11.
        (date(2026, 3, 6), 3, date(2026, 3, 11)),
        (date(2026, 3, 6), 10, date(2026, 3, 20)),
    ],
)
def test_working_days_skip_holidays_and_count_swapped_days(cal, start, days, due):
    assert cal.add_period(start, days=days, day_type=W) == (due, False)


def test_working_days_differ_from_calendar_days_across_the_holiday(cal):
    working, _ = cal.add_period(date(2026, 2, 12), days=5, day_type=W)
    calendar, _ = cal.add_period(date(2026, 2, 12), days=5)
    assert calendar == date(2026, 2, 24)  # 02-17 is a holiday: rolled
    assert working == date(2026, 2, 26)


# --- Months and years ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "years", "months", "due", "provisional"),
    [
        (date(2024, 2, 29), 1, 0, date(2025, 2, 28), False),  # clamped to Fri 2025-02-28, a working day
        (date(2024, 2, 29), 3, 0, date(2027, 3, 1), True),  # clamped to Sun 2027-02-28, rolled to Monday
        (date(2025, 8, 31), 0, 3, date(2025, 12, 1), False),  # clamped to Sun 2025-11-30, rolled
        (date(2026, 1, 31), 0, 1, date(2026, 2, 28), False),  # clamped to Sat 02-28, a swapped working day
        (date(2025, 10, 31), 0, 4, date(2026, 2, 28), False),
        (date(2025, 2, 17), 1, 0, date(2026, 2, 24), False),  # one year lands on 02-17, in the holiday
        (date(2025, 10, 5), 1, 0, date(2026, 10, 8), False),
        (date(2026, 3, 2), 1, 0, date(2027, 3, 2), True),  # a limitation year into 2027
    ],
)
def test_months_and_years_clamp_to_the_month_end_and_roll(cal, start, years, months, due, provisional):
    assert cal.add_period(start, years=years, months=months) == (due, provisional)


# --- Provisional deadlines ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "days", "day_type", "provisional"),
    [
        (date(2026, 3, 2), 15, DayType.CALENDAR, False),
        (date(2026, 12, 1), 15, DayType.CALENDAR, False),  # 12-16, still 2026
        (date(2026, 12, 20), 15, DayType.CALENDAR, True),  # 2027-01-04
        (date(2026, 12, 28), 5, W, True),  # counts into 2027
        (date(2026, 12, 16), 45, DayType.CALENDAR, True),
        (date(2027, 3, 1), 15, DayType.CALENDAR, True),
    ],
)
def test_a_period_reaching_into_an_unconfirmed_year_is_provisional(cal, start, days, day_type, provisional):
    _due, result = cal.add_period(start, days=days, day_type=day_type)
    assert result is provisional


# --- An official notice overrides the package ---------------------------------------------------------------
def test_a_notice_confirms_its_year_and_overrides_the_package():
    notice_days = {date(2027, 1, 4): False, date(2027, 2, 6): True}
    cal = WorkingCalendar(notice_years=frozenset({2027}), notice_days=notice_days)
    assert cal.is_confirmed(2027)
    # Mon 2027-01-04 is a working day in the package; the notice makes it a holiday.
    assert WorkingCalendar().is_working_day(date(2027, 1, 4))
    assert not cal.is_working_day(date(2027, 1, 4))
    assert cal.add_period(date(2026, 12, 20), days=15) == (date(2027, 1, 5), False)
    # The notice defines the whole year: a package holiday the notice does not list is a working weekday.
    assert not WorkingCalendar().is_working_day(date(2027, 2, 8))
    assert cal.is_working_day(date(2027, 2, 8))
    # A Saturday the notice lists as working is one.
    assert cal.is_working_day(date(2027, 2, 6))
    assert not cal.is_working_day(date(2027, 2, 13))
    # Other years still follow the package.
    assert not cal.is_working_day(date(2026, 2, 17))


@pytest.mark.django_db
def test_a_notice_entered_in_the_admin_is_read_from_the_database():
    notice = HolidayNotice.objects.create(year=2027, title="国务院办公厅关于2027年部分节假日安排的通知")
    HolidayNoticeDay.objects.create(
        notice=notice, date=date(2027, 1, 4), is_working_day=False, name="测试假日"
    )
    HolidayNoticeDay.objects.create(
        notice=notice, date=date(2027, 1, 9), is_working_day=True, name="调休上班"
    )
    cal = WorkingCalendar.from_database()
    assert cal.notice_years == frozenset({2027})
    assert cal.is_confirmed(2027)
    assert not cal.is_working_day(date(2027, 1, 4))
    assert cal.is_working_day(date(2027, 1, 9))
    due, provisional = cal.add_period(date(2026, 12, 20), days=15)
    assert (due, provisional) == (date(2027, 1, 5), False)
    # Working days count the notice's swapped Saturday and skip its holiday: Fri 01-08 -> 09 (Sat), 11, 12.
    assert cal.add_period(date(2027, 1, 8), days=3, day_type=W) == (date(2027, 1, 12), False)
    # Without the notice the same period is provisional and does not roll.
    assert WorkingCalendar().add_period(date(2026, 12, 20), days=15) == (date(2027, 1, 4), True)


@pytest.mark.django_db
def test_an_empty_database_gives_the_package_calendar():
    cal = WorkingCalendar.from_database()
    assert cal.notice_years == frozenset()
    assert cal.add_period(date(2026, 2, 5), days=15) == (date(2026, 2, 24), False)
