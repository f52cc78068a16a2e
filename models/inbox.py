"""The webhook's inbox on SQLite: a file of its own, so that storing an event never waits
for the worker.

SQLite lets one connection write at a time. With the events table in the main file, every
webhook insert queued behind the worker's transactions, and in a surge the webhook's
acknowledgements took ten times the echo bot's. The webhook now writes to `<main>.inbox`
next to the main file; the worker moves what arrived into `inbound_events` at the start of
each round (one transaction, the unique webhookEventId dropping redeliveries), then deletes
it from the inbox. A crash between the two moves it again, harmlessly.

On PostgreSQL a writer does not block another, so the webhook stores into `inbound_events`
directly and there is no inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.base import NAMING, UTCDateTime


class InboxBase(DeclarativeBase):
    """The inbox file's own metadata (it is not part of the main schema or its migrations)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class InboxEvent(InboxBase):
    """A validated webhook event as the webhook stored it, waiting to be moved."""

    __tablename__ = "inbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    is_redelivery: Mapped[bool]
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


MOVED_COLUMNS = ("webhook_event_id", "event_type", "chat_id", "timestamp_ms", "is_redelivery",
                 "payload", "received_at")


def inbox_url(database_url: str) -> str | None:
    """The inbox file beside a SQLite database file; None for PostgreSQL or an in-memory SQLite."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return None
    path = database_url[len(prefix):].split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return f"{prefix}{path}.inbox"
