from .agreements import Agreement, AgreementItem, Instalment, Payment
from .records import ContactLog, MediationSession, ReopenRequest, SatisfactionSurvey
from .workbench import MediationCase

__all__ = [
    "Agreement",
    "AgreementItem",
    "ContactLog",
    "Instalment",
    "MediationCase",
    "MediationSession",
    "Payment",
    "ReopenRequest",
    "SatisfactionSurvey",
]
