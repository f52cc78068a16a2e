"""When to show LINE's loading animation ("the bot is typing") before handling an event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers import replies
from handlers.conversation import menu_choice
from models import OutboundMessage

# A few words ("ใช่", "081-234-5678", a menu word) are answered at once; a story is classified,
# routed and may become a case, which with a busy worker takes longer than a moment.
MIN_STORY_CHARS = 8
LOADING_SECONDS = 10  # LINE: 5-60 in steps of 5; the animation ends when our reply arrives


def loading_seconds(event: dict[str, Any], queued_for_chat: int) -> int | None:
    """Seconds of animation for this event, or None: one-to-one text stories only, nothing queued yet."""
    if not isinstance(event, dict):
        return None  # a row no handler can read fails in its turn; the animation is only a nicety
    source = event.get("source") if isinstance(event.get("source"), dict) else {}
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    if event.get("type") != "message" or message.get("type") != "text" or event.get("mode") == "standby":
        return None
    if source.get("type") != "user" or not str(source.get("userId", "")).startswith("U"):
        return None  # LINE shows the animation in one-to-one chats only
    if queued_for_chat:
        return None  # an answer is already on its way; it would cut the animation short anyway
    text = message.get("text") or ""
    if len(replies.clean(text)) < MIN_STORY_CHARS or menu_choice(text):
        return None
    return LOADING_SECONDS


def queued_messages(session: Any, chat_ids: list[str]) -> dict[str, int]:
    """How many outbox rows to each of these chats are still waiting to be sent (chats with
    none are left out)."""
    return dict(session.execute(
        select(OutboundMessage.to, func.count(OutboundMessage.id))
        .where(OutboundMessage.to.in_(chat_ids), OutboundMessage.status.in_(("pending", "sending")))
        .group_by(OutboundMessage.to)).all())
