from .case import Case, Claim
from .deadlines import CaseDeadline, DeadlineRule, HolidayNotice, HolidayNoticeDay
from .documents import DocumentCounter, DocumentKind, IssuedDocument  # noqa: F401
from .events import AppendOnlyError, CaseEvent
from .intake import CollectiveFiling, Evidence, IntakeReceipt, PendingUpload, Respondent
from .related import EmployerVisit, GroupWarning, GroupWarningSetting, RelatedCaseLink  # noqa: F401
from .reminders import Reminder
from .risk import RiskReport, RiskReportStatus  # noqa: F401
from .routing import RoutingRule, YesNoAny  # noqa: F401
from .urgent import UrgentConsultation, UrgentConsultationMember  # noqa: F401

__all__ = [
    "AppendOnlyError",
    "Case",
    "CaseDeadline",
    "CaseEvent",
    "Claim",
    "CollectiveFiling",
    "Evidence",
    "IntakeReceipt",
    "PendingUpload",
    "Reminder",
    "Respondent",
    "DeadlineRule",
    "HolidayNotice",
    "HolidayNoticeDay",
]
