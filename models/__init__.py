"""SQLAlchemy 2.0 models of the intake service."""

from models.base import Base, make_engine, make_session_factory, utcnow
from models.case import OPEN_STATUSES, STATUSES, Attachment, Case, CaseCounter, CaseEvent, Contact
from models.center import Center
from models.conversation import Conversation
from models.line import InboundEvent, LineGroup, LineUser, OutboundMessage
from models.staff import ROLES, ApiToken, AuditLog, CaseWork, LinkCode, Staff, token_digest

__all__ = [
    "OPEN_STATUSES",
    "ROLES",
    "ApiToken",
    "AuditLog",
    "CaseWork",
    "LinkCode",
    "Staff",
    "token_digest",
    "STATUSES",
    "Attachment",
    "Base",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "Contact",
    "Center",
    "Conversation",
    "InboundEvent",
    "LineGroup",
    "LineUser",
    "OutboundMessage",
    "make_engine",
    "make_session_factory",
    "utcnow",
]
