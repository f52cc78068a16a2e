"""A flood from one chat is slowed kindly; an emergency inside it is never held back."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from models import OutboundMessage
from simulator import events as ev
from tests.conftest import HOTLINE_GROUP


def _flood(webhook, line, user: str, count: int) -> None:
    at = int(time.time() * 1000)
    for n in range(count):
        event = ev.text(user, f"ทดสอบข้อความที่ {n} สวัสดีค่ะ", line.issue_reply_token(user), timestamp=at + n)
        assert webhook.send([event]) == 200


def test_a_flood_gets_one_kind_note_instead_of_a_turn_each(webhook, line, worker, db, settings):
    user = ev.random_user_id()
    limit = settings.rate_limit_per_minute
    _flood(webhook, line, user, limit + 10)
    worker.run_until_idle()
    notes = db.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.to == user, OutboundMessage.purpose == "rate_limited"))
    assert notes == 1
    assert any("ขอเวลาเจ้าหน้าที่อ่าน" in t for t in line.texts_to(user))


def test_an_emergency_past_the_limit_still_takes_the_emergency_path(webhook, line, worker, settings):
    user = ev.random_user_id()
    _flood(webhook, line, user, settings.rate_limit_per_minute + 5)
    worker.run_until_idle()
    assert webhook.send_text(user, "ช่วยด้วย พ่อเมากำลังตีแม่อยู่ตอนนี้ แม่เลือดออก") == 200
    worker.run_until_idle()
    assert any("OSS-" in t for t in line.texts_to(HOTLINE_GROUP))


def test_a_batch_counts_its_chats_once_and_an_old_count_is_not_trusted(webhook, line, runtime, settings):
    """The worker's batch counts every chat's recent messages in one statement; over_limit
    uses that count only close to when it was taken, else it asks the database again."""
    from datetime import timedelta

    from sqlalchemy import event as sa_event

    from handlers import ratelimit
    from jobs.events import take_inbox
    from models import utcnow

    flooding, quiet = ev.random_user_id(), ev.random_user_id()
    limit = settings.rate_limit_per_minute
    _flood(webhook, line, flooding, limit + 2)
    take_inbox(runtime)  # as the worker does before its batches (SQLite's inbox)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    now = utcnow()
    with runtime.transaction() as s:
        ratelimit.count_recent(s, [flooding, quiet], now)
        sa_event.listen(runtime.engine, "before_cursor_execute", listener)
        try:
            assert ratelimit.over_limit(s, flooding, now + timedelta(seconds=1), limit)
            assert not ratelimit.over_limit(s, quiet, now, limit)
            assert statements == []
            assert ratelimit.over_limit(s, flooding, now + timedelta(seconds=30), limit)
            assert len(statements) == 1  # too old to trust: counted again
        finally:
            sa_event.remove(runtime.engine, "before_cursor_execute", listener)
