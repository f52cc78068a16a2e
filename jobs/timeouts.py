"""The timeout job: unanswered danger questions become emergencies; idle conversations expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select

from handlers import conversation as flow
from handlers.outbox import queue_push
from handlers.turn import Turn
from models import Conversation, LineUser, utcnow
from runtime import Runtime

DANGER_QUESTION_WAIT = timedelta(minutes=3)
PER_ROUND = 50


def run_timeouts(runtime: Runtime) -> int:
    """Apply every conversation timeout that is due; returns how many conversations moved."""
    now = utcnow()
    idle = timedelta(minutes=runtime.settings.conversation_idle_minutes)
    with runtime.transaction() as s:
        # Skip chats a worker is handling right now, and rows another sweep holds.
        stale = s.scalars(select(Conversation).where(
            Conversation.state != flow.IDLE,
            or_(Conversation.locked_until.is_(None), Conversation.locked_until < now),
            or_(Conversation.updated_at < now - idle,
                (Conversation.state == flow.CHECK_DANGER)
                & (Conversation.updated_at < now - DANGER_QUESTION_WAIT)))
            .limit(PER_ROUND).with_for_update(skip_locked=True)).all()
        for conv in stale:
            _expire_one(s, runtime.settings, conv, now)
    return len(stale)


def _expire_one(s: Any, settings: Any, conv: Conversation, now: Any) -> None:
    turn = Turn(s, settings, conv, conv.chat_id, now)
    if conv.state == flow.CHECK_DANGER:
        # Nobody answered whether they are in danger: treat it as an emergency.
        d = turn.data
        conv.state = flow.start_emergency(turn, d.get("description", ""), d.get("topic", "none"), None)
    else:
        flow.expire(turn)
        turn.replies = [flow.expire_now_message(turn.lang)]
    conv.updated_at = now
    user = s.get(LineUser, conv.chat_id)
    if turn.replies and (user is None or user.following):
        queue_push(s, conv.chat_id, turn.replies, "conversation", conv.case_id)
