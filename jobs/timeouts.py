"""The timeout job: unanswered danger questions become emergencies; idle conversations expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import String, cast, or_, select

from handlers import conversation as flow
from handlers.outbox import queue_push
from handlers.turn import Turn
from models import Conversation, LineUser, utcnow
from runtime import Runtime

PER_ROUND = 50


def run_timeouts(runtime: Runtime) -> int:
    """Apply every conversation timeout that is due; returns how many conversations moved."""
    now = utcnow()
    with runtime.transaction() as s:
        # Skip chats a worker is handling right now, and rows another sweep holds.
        stale = s.scalars(select(Conversation).where(
            Conversation.state != flow.IDLE,
            or_(Conversation.locked_until.is_(None), Conversation.locked_until < now),
            flow.timed_out(now, runtime.settings))
            .limit(PER_ROUND).with_for_update(skip_locked=True)).all()
        for conv in stale:
            _expire_one(s, runtime.settings, conv, now)
    return len(stale) + _drop_cancelled(runtime, now)


def _drop_cancelled(runtime: Runtime, now: Any) -> int:
    """PDPA: what a cancel kept so the citizen could pick it up again is deleted once it can
    no longer be (start.RESUME_MINUTES), also when the citizen never writes again."""
    from handlers.conversation.start import RESUME_MINUTES

    with runtime.transaction() as s:
        kept = s.scalars(select(Conversation).where(
            Conversation.state == flow.IDLE,
            Conversation.updated_at < now - timedelta(minutes=RESUME_MINUTES),
            cast(Conversation.data, String).like('%"cancelled"%'),
            or_(Conversation.locked_until.is_(None), Conversation.locked_until < now))
            .limit(PER_ROUND).with_for_update(skip_locked=True)).all()
        dropped = 0
        for conv in kept:
            if "cancelled" in (conv.data or {}):
                Turn(s, runtime.settings, conv, conv.chat_id, now).forget()
                dropped += 1
    return dropped


def _expire_one(s: Any, settings: Any, conv: Conversation, now: Any) -> None:
    turn = Turn(s, settings, conv, conv.chat_id, now)
    flow.on_timeout(turn, now)  # the conversation's table decides (danger question, idle expiry)
    user = s.get(LineUser, conv.chat_id)
    if turn.replies and (user is None or user.following):
        queue_push(s, conv.chat_id, turn.replies, "conversation", conv.case_id)
