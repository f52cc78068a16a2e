"""SQLAlchemy 2.0 models of the intake service."""

from models.base import Base, make_engine, make_session_factory, utcnow
from models.case import OPEN_STATUSES, STATUSES, Attachment, Case, CaseCounter, CaseEvent, Contact
from models.center import Center
from models.consent import ERASED, PURPOSES, Consent, PrivacyRequest
from models.conversation import Conversation
from models.line import InboundEvent, LineGroup, LineUser, OutboundMessage
from models.status import CaseStatus, Urgency

__all__ = [
    "ERASED",
    "OPEN_STATUSES",
    "PURPOSES",
    "STATUSES",
    "Attachment",
    "Base",
    "CaseStatus",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "Contact",
    "Center",
    "Consent",
    "Conversation",
    "InboundEvent",
    "LineGroup",
    "LineUser",
    "OutboundMessage",
    "PrivacyRequest",
    "Urgency",
    "make_engine",
    "make_session_factory",
    "utcnow",
]
