from .aftercare import (
    AftercareCheckIn,
    CheckInAnswer,
    CounsellingRequest,
    JobOffer,
    JobPlacement,
    JobSeekingRequest,
    LegalAidAssignment,
    LegalAidRequest,
)
from .handoffs import AgencyEndpoint, Handoff, HandoffCallback, HandoffDelivery
from .notifications import (
    EventDispatch,
    MessageTemplate,
    Notification,
    NotificationAudience,
    NotificationRule,
)

__all__ = [
    "AftercareCheckIn",
    "AgencyEndpoint",
    "CheckInAnswer",
    "CounsellingRequest",
    "EventDispatch",
    "Handoff",
    "HandoffCallback",
    "HandoffDelivery",
    "JobOffer",
    "JobPlacement",
    "JobSeekingRequest",
    "LegalAidAssignment",
    "LegalAidRequest",
    "MessageTemplate",
    "Notification",
    "NotificationAudience",
    "NotificationRule",
]
