"""Dates in a worker's question: 2026年3月5日, 2026-03-05, 2026/3/5, 3月5号 (this year, or last year when that day
is still to come), 2025年3月 (the month's first day: the earliest reading, so a limitation is never overstated).
Each date is read as the day employment ended when a leaving word (离职, 被辞退…) is next to it, otherwise as the
day the worker learned of the problem; a date followed by a joining word (入职…) is skipped."""

import re
from dataclasses import dataclass
from datetime import date

FULL = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|-|/|\.)\s*(?P<d>\d{1,2})\s*[日号]?"
)
MONTH_DAY = re.compile(r"(?<![\d年/.\-])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")
YEAR_MONTH = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)")
LEAVING = re.compile(
    r"离职|辞职|辞退|开除|被开|解除|终止|走人|不干了|不让干|不让上班|最后一天|离开|合同到期|炒了|裁员|被裁|辞掉|开掉|停号|封号"
)
# A date followed closely by a joining word is when the job began: it starts no legal period, so it is skipped.
JOINING = re.compile(
    r"^\s*(?:的时候)?\s*(?:入职|进厂|进公司|开始上班|上岗|来上班|签的合同|签合同|开始干|开始跑|注册)"
)
STILL_EMPLOYED = re.compile(
    r"还在职|在职|还在上班|还在干|还在公司|目前还在|现在还在|还没离职|没有离职|没离职|仍在"
)
WINDOW = 10  # characters on each side of a date in which a leaving word makes it the end of employment

_FULL_WIDTH_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}


@dataclass(frozen=True)
class FoundDate:
    day: date
    is_employment_end: bool
    text: str


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_dates(text: str, *, today: date) -> list[FoundDate]:
    """Dates in ``text`` that are not in the future, in the order they appear."""
    text = (text or "").translate(_FULL_WIDTH_DIGITS)
    found: list[tuple[int, int, date]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in FULL.finditer(text):
        day = _safe_date(int(match["y"]), int(match["m"]), int(match["d"]))
        if day:
            found.append((match.start(), match.end(), day))
            taken.append(match.span())
    for match in YEAR_MONTH.finditer(text):
        if free(*match.span()):
            day = _safe_date(int(match["y"]), int(match["m"]), 1)
            if day:
                found.append((match.start(), match.end(), day))
                taken.append(match.span())
    for match in MONTH_DAY.finditer(text):
        if free(*match.span()):
            day = _safe_date(today.year, int(match["m"]), int(match["d"]))
            if day and day > today:
                day = _safe_date(today.year - 1, int(match["m"]), int(match["d"]))
            if day:
                found.append((match.start(), match.end(), day))
                taken.append(match.span())
    result = []
    for start, end, day in sorted(found):
        if day > today:
            continue
        if JOINING.match(text[end : end + WINDOW]):
            continue
        nearby = text[max(0, start - WINDOW) : end + WINDOW]
        result.append(
            FoundDate(day=day, is_employment_end=bool(LEAVING.search(nearby)), text=text[start:end])
        )
    return result


def still_employed(text: str) -> bool | None:
    """True when the worker says they are still employed, False when they say they left, None when unsaid."""
    if STILL_EMPLOYED.search(text or ""):
        return True
    if LEAVING.search(text or ""):
        return False
    return None
