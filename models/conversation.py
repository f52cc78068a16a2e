"""The state of each citizen's conversation, kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Conversation(Base):
    """Where a citizen is in the intake dialogue and what they have told us so far."""

    __tablename__ = "conversations"

    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # LINE user (or group) id
    state: Mapped[str] = mapped_column(String(32), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(8), default="th")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A worker holds the chat while it handles that user's events, so two workers never
    # interleave one citizen's messages.
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None]
