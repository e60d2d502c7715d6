from .case import Case, Claim
from .deadlines import CaseDeadline, DeadlineRule, HolidayNotice, HolidayNoticeDay
from .events import AppendOnlyError, CaseEvent

__all__ = [
    "AppendOnlyError",
    "Case",
    "CaseDeadline",
    "CaseEvent",
    "Claim",
    "DeadlineRule",
    "HolidayNotice",
    "HolidayNoticeDay",
]
