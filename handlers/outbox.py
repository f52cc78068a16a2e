"""Queue outbound messages in the database; the worker's sender delivers them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models import OutboundMessage, utcnow

MAX_PER_REQUEST = 5
# LINE keeps a reply token about a minute; leave margin for the worker's own latency.
REPLY_TOKEN_LIFETIME = timedelta(seconds=50)
# Messages to staff and the hotline are alerts: each goes out on its own, never queued
# behind another message to the same group (issue: an unsent update held an emergency).
ALERT_PREFIXES = ("hotline", "staff", "escalation")


def is_alert(purpose: str) -> bool:
    """Whether a message of this purpose is an alert to staff or the hotline (not ordered)."""
    return purpose.startswith(ALERT_PREFIXES)


def _chunks(messages: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [messages[i : i + MAX_PER_REQUEST] for i in range(0, len(messages), MAX_PER_REQUEST)]


def queue_reply(session: Session, to: str, reply_token: str | None, received_at: datetime | None,
                messages: list[dict[str, Any]], case_id: int | None = None) -> None:
    """Queue an answer to a citizen: the first five by reply token, the rest by push."""
    expires = (received_at or utcnow()) + REPLY_TOKEN_LIFETIME
    for i, chunk in enumerate(_chunks(messages)):
        session.add(OutboundMessage(
            to=to, purpose="reply", messages=chunk, retry_key=str(uuid.uuid4()),
            reply_token=reply_token if i == 0 else None,
            reply_token_expires_at=expires if i == 0 and reply_token else None,
            case_id=case_id, ordered=True, next_attempt_at=utcnow(),
        ))


def queue_push(session: Session, to: str, messages: list[dict[str, Any]], purpose: str,
               case_id: int | None = None) -> None:
    """Queue a push (notification, alert, status update) with its own retry key."""
    for chunk in _chunks(messages):
        session.add(OutboundMessage(to=to, purpose=purpose, messages=chunk,
                                    retry_key=str(uuid.uuid4()), case_id=case_id,
                                    ordered=not is_alert(purpose), next_attempt_at=utcnow()))
