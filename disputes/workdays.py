"""The Chinese working-day calendar and the counting of legal periods.

Counting follows the Civil Code Arts. 201–203 and CPL Art. 85: the first day is not counted; a period in months or
years ends on the corresponding day (the month's last day when there is none); a period whose last day is a rest
day (statutory holiday or weekend, 调休 working weekends excepted) ends on the next working day. A period in
working days counts working days only.

Holidays and swapped working days come from the maintained ``holidays`` package (``holidays.China``), unless
officials entered the year's State Council notice (:class:`~disputes.models.HolidayNotice`), which then defines the
whole year. A year is *confirmed* when it has a notice, or when the package lists that year's swapped working
days (every State Council notice has some; a year without any in the package is one whose notice the package
does not know yet). A deadline whose counting touches an unconfirmed year is provisional.
"""

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

from .states import DayType


@lru_cache(maxsize=64)
def _package_year(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


@dataclass
class WorkingCalendar:
    """``notice_years``: years with an official notice; ``notice_days``: the days those notices list."""

    notice_years: frozenset[int] = frozenset()
    notice_days: dict[date, bool] | None = None

    @classmethod
    def from_database(cls) -> "WorkingCalendar":
        from .models import HolidayNotice

        # One query: each notice with its days (a notice without days still gives its year, with NULLs).
        rows = HolidayNotice.objects.order_by().values_list("year", "days__date", "days__is_working_day")
        years: set[int] = set()
        days: dict[date, bool] = {}
        for year, day, is_working_day in rows:
            years.add(year)
            if day is not None:
                days[day] = is_working_day
        return cls(notice_years=frozenset(years), notice_days=days)

    def is_working_day(self, day: date) -> bool:
        listed = (self.notice_days or {}).get(day)
        if listed is not None:
            return listed
        if day.year in self.notice_years:
            return day.weekday() < 5
        return _package_year(day.year).is_working_day(day)

    def is_confirmed(self, year: int) -> bool:
        if year in self.notice_years:
            return True
        return any(d.year == year for d in _package_year(year).weekend_workdays)

    def next_working_day(self, day: date) -> date:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_period(
        self, start: date, *, years: int = 0, months: int = 0, days: int = 0, day_type: str = DayType.CALENDAR
    ) -> tuple[date, bool]:
        """The last day of a period starting on ``start`` (not counted), and whether it is provisional."""
        if day_type == DayType.WORKING:
            due = start
            remaining = days
            while remaining > 0:
                due += timedelta(days=1)
                if self.is_working_day(due):
                    remaining -= 1
            due = _add_months(due, years * 12 + months) if (years or months) else due
        else:
            due = _add_months(start, years * 12 + months) + timedelta(days=days)
        due = self.next_working_day(due)
        provisional = not all(self.is_confirmed(y) for y in range(start.year, due.year + 1))
        return due, provisional


def _add_months(day: date, months: int) -> date:
    if not months:
        return day
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))
