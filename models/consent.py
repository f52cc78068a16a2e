"""Consent per purpose, and citizens' PDPA requests (erasure), kept as evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

# Stands in for a LINE user id once it is erased (real ids are "U" + 32 hex digits).
ERASED = "erased"
PURPOSES = ("share_with_agencies", "follow_up_contact")


class Consent(Base):
    """One answer for one purpose: granted or not, under which notice version, and when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))  # one of PURPOSES
    granted: Mapped[bool]
    # How the answer was given: the consent question alone, or with a phone number to call.
    evidence: Mapped[str] = mapped_column(String(48))
    notice_version: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="th")
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class PrivacyRequest(Base):
    """A citizen's (or an officer's) erasure request: asked, confirmed, done or still waiting."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Kept only until the last trace of the citizen is gone, then set to ERASED.
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # line | admin
    # awaiting_confirmation → cancelled | abandoned | expired, or confirmed → done → finished
    # (waiting_case_close while an open emergency is kept)
    status: Mapped[str] = mapped_column(String(24), index=True)
    language: Mapped[str] = mapped_column(String(8), default="th")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Counts and the numbers of cases kept open (case numbers carry no personal data).
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
