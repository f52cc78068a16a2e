"""What passes between the service and LINE: users, groups, inbound events, the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class EventStatus(StrEnum):
    """Where a stored webhook event is: waiting, handled, or given up after retries."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class SendStatus(StrEnum):
    """Where an outbox row is: waiting, claimed by a worker, delivered, or refused for good."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class LineUser(Base):
    """A citizen's LINE account as the service knows it (no profile data is kept)."""

    __tablename__ = "line_users"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    following: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(8), default="th")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    unfollowed_at: Mapped[datetime | None]


class LineGroup(Base):
    """A group or room the bot was invited to; only staff groups are kept."""

    __tablename__ = "line_groups"

    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    is_staff: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]


class InboundEvent(Base):
    """A webhook event, stored before the webhook answers, handled later by the worker."""

    __tablename__ = "inbound_events"
    __table_args__ = (Index("ix_inbound_events_status_chat", "status", "chat_id", "id"),
                      Index("ix_inbound_events_chat_received", "chat_id", "received_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    # The raw event is needed until it is handled; it is cleared afterwards (PDPA: keep
    # message text only where a case needs it).
    payload: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class OutboundMessage(Base):
    """One request to LINE (reply or push), stored before it is sent: the outbox."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_status_due", "status", "next_attempt_at"),
                      Index("ix_outbound_messages_to_status", "to", "status", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32), default="reply")
    reply_token: Mapped[str | None] = mapped_column(String(128))
    reply_token_expires_at: Mapped[datetime | None]
    messages: Mapped[list[Any]]
    retry_key: Mapped[str] = mapped_column(String(36))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Ordered rows (what a citizen reads) go out in id order per recipient; alerts to staff
    # and the hotline are not ordered, so nothing unsent ahead of them can hold them up.
    ordered: Mapped[bool] = mapped_column(default=True)
    # An earlier attempt may have reached LINE without us hearing back (timeout, 5xx, a crash
    # mid-send): a reply token found used is then taken as delivered, not pushed again.
    delivery_unknown: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    purged_at: Mapped[datetime | None]
