"""A per-citizen rate limit that never holds back an emergency.

Someone (or a script) flooding the chat would otherwise make the bot answer every line and
crowd out everyone else's replies. Past RATE_LIMIT_PER_MINUTE messages in a minute, a chat's
further messages get one kind word per minute instead of a turn of the conversation — unless
the message reads as an emergency, which always takes the full path.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from intents import classify
from models import InboundEvent, OutboundMessage

WINDOW = timedelta(minutes=1)
PURPOSE = "rate_limited"


# Asked for every citizen message: built once (its SQL and cache key are reused), not per call.
_RECENT_MESSAGES = select(func.count(InboundEvent.id)).where(
    InboundEvent.chat_id == bindparam("chat_id", type_=InboundEvent.chat_id.type),
    InboundEvent.event_type == "message",
    InboundEvent.received_at > bindparam("since", type_=InboundEvent.received_at.type))


# The worker counts a batch's chats together (count_recent), in one statement instead of
# one per event; a count is used for events handled within this long of it. The batch's own
# events were stored before it began, so they are in the count; one stored meanwhile (by the
# webhook, on PostgreSQL) is counted for that chat's next message instead of this one.
_COUNTED = "recent_messages"
COUNT_FRESH = timedelta(seconds=2)

_RECENT_BY_CHAT = select(InboundEvent.chat_id, func.count(InboundEvent.id)).where(
    InboundEvent.chat_id.in_(bindparam("chat_ids", expanding=True)),
    InboundEvent.event_type == "message",
    InboundEvent.received_at > bindparam("since", type_=InboundEvent.received_at.type),
).group_by(InboundEvent.chat_id)


def count_recent(session: Session, chat_ids: list[str], now: datetime) -> None:
    """Count each chat's messages of the last minute now, for over_limit in this session."""
    if not chat_ids:
        return
    counts = dict.fromkeys(chat_ids, 0)
    counts.update((chat_id, n) for chat_id, n in
                  session.execute(_RECENT_BY_CHAT, {"chat_ids": chat_ids, "since": now - WINDOW}))
    session.info[_COUNTED] = (now, counts)


def over_limit(session: Session, chat_id: str, now: datetime, limit: int) -> bool:
    """Whether this chat has sent more than `limit` messages in the last minute."""
    if limit <= 0:
        return False
    counted_at, counts = session.info.get(_COUNTED, (None, {}))
    if chat_id in counts and abs(now - counted_at) <= COUNT_FRESH:
        recent = counts[chat_id]
    else:
        recent = session.scalar(_RECENT_MESSAGES, {"chat_id": chat_id, "since": now - WINDOW})
    return (recent or 0) > limit


def held_back(session: Session, chat_id: str, text: str, now: datetime, limit: int) -> bool:
    """True if this message should get the slow-down word rather than a turn (never for danger)."""
    if not over_limit(session, chat_id, now, limit):
        return False
    return classify(text).urgency != "emergency"


def told_recently(session: Session, chat_id: str, now: datetime) -> bool:
    """Whether the slow-down word already went to this chat within the minute."""
    return session.scalar(select(func.count(OutboundMessage.id)).where(
        OutboundMessage.to == chat_id, OutboundMessage.purpose == PURPOSE,
        OutboundMessage.created_at > now - WINDOW)) > 0
