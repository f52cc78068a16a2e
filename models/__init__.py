"""SQLAlchemy 2.0 models of the intake service."""

from models.base import Base, make_engine, make_session_factory, utcnow
from models.case import OPEN_STATUSES, STATUSES, Attachment, Case, CaseCounter, CaseEvent, Contact
from models.center import Center
from models.consent import ERASED, PURPOSES, Consent, PrivacyRequest
from models.conversation import Conversation
from models.line import InboundEvent, LineGroup, LineUser, OutboundMessage
from models.staff import ROLES, ApiToken, AuditLog, CaseWork, LinkCode, Staff, token_digest
from models.status import CaseStatus, Urgency

__all__ = [
    "ERASED",
    "OPEN_STATUSES",
    "PURPOSES",
    "ROLES",
    "STATUSES",
    "ApiToken",
    "Attachment",
    "AuditLog",
    "Base",
    "CaseStatus",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseWork",
    "Center",
    "Consent",
    "Contact",
    "Conversation",
    "InboundEvent",
    "LineGroup",
    "LineUser",
    "LinkCode",
    "OutboundMessage",
    "PrivacyRequest",
    "Staff",
    "Urgency",
    "make_engine",
    "make_session_factory",
    "token_digest",
    "utcnow",
]
