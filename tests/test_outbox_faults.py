"""The outbox under faults: nothing waits behind another's failure, nothing is sent twice."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from handlers.outbox import queue_push
from models import OutboundMessage, utcnow
from simulator import events as ev
from tests.conftest import ADMIN_TOKEN, HOTLINE_GROUP
from tests.test_conversation import answer_questions, latest_case

EMERGENCY = "ช่วยด้วย พ่อเมากำลังตีแม่อยู่ตอนนี้ แม่เลือดออก หนูกลัวมาก"


@pytest.fixture
def settings(settings):
    """A short LINE timeout, so late answers and retries take seconds in these tests."""
    return settings.with_overrides(line_timeout_seconds=1.0)


def _rows(db, to: str) -> list[OutboundMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboundMessage).where(OutboundMessage.to == to)
                           .order_by(OutboundMessage.id)))


def _fingerprint(messages: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(m.get("type"), m.get("text") or m.get("altText")) for m in messages]


def assert_delivered_exactly_once_in_order(db, line, to: str) -> None:
    """What LINE delivered to `to` is every outbox row's messages, once each, in row order."""
    expected = [f for r in _rows(db, to) for f in _fingerprint(r.messages)]
    assert _fingerprint(line.messages_to(to)) == expected
    assert all(r.status == "sent" for r in _rows(db, to))


def _stall(runtime, row_filter: Any, **values: Any) -> None:
    with runtime.transaction() as s:
        s.execute(update(OutboundMessage).where(row_filter).values(**values))


@pytest.mark.parametrize("stall", ["waiting out a backoff", "claimed by a worker that died"])
def test_hotline_alert_goes_out_in_one_round_behind_a_stalled_update(webhook, runtime, line, worker, stall):
    with runtime.transaction() as s:
        queue_push(s, HOTLINE_GROUP, [{"type": "text", "text": "อัปเดตเรื่องเดิม"}], "staff_update")
    later = utcnow() + timedelta(minutes=10)
    status = "pending" if stall.startswith("waiting") else "sending"
    _stall(runtime, OutboundMessage.to == HOTLINE_GROUP, status=status, attempts=1, next_attempt_at=later)
    assert webhook.send_text(ev.random_user_id(), EMERGENCY) == 200
    worker.run_once()
    assert any("OSS-" in t for t in line.texts_to(HOTLINE_GROUP)), "the hotline alert is stuck"


def test_a_citizen_hears_both_a_status_update_and_the_reply_to_their_message(citizen, client, line, worker, db):
    citizen.say("ตกงานมาสามเดือน ค่าเทอมลูกยังไม่มีจ่ายเลย")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case is not None
    before = len(line.messages_to(citizen.user_id))
    answer = client.post(f"/api/v1/cases/{case.case_no}/status", json={"status": "in_progress"},
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert answer.status_code == 200
    assert citizen.webhook.send_text(citizen.user_id, "สวัสดีค่ะ") == 200
    worker.run_once()
    assert len(line.messages_to(citizen.user_id)) >= before + 2, "a message to the citizen is stuck"
    assert_delivered_exactly_once_in_order(db, line, citizen.user_id)


def test_a_reply_answered_late_is_not_pushed_again(webhook, line, worker, db):
    user = ev.random_user_id()
    line.delay_next("/v2/bot/message/reply", seconds=1.6)  # LINE does the work, answers late
    assert webhook.send_text(user, "สวัสดีค่ะ") == 200
    worker.run_once()
    assert _rows(db, user)[0].status == "pending"  # timed out: outcome unknown
    _wait_until_due(db, user)
    worker.run_until_idle()
    assert len(line.messages_to(user)) == 1
    assert_delivered_exactly_once_in_order(db, line, user)


def test_a_reply_refused_with_5xx_is_sent_once_when_line_recovers(webhook, line, worker, db):
    user = ev.random_user_id()
    line.fail_next("/v2/bot/message/reply", 500)
    assert webhook.send_text(user, "สวัสดีค่ะ") == 200
    worker.run_once()
    _wait_until_due(db, user)
    worker.run_until_idle()
    assert_delivered_exactly_once_in_order(db, line, user)
    assert [c["path"] for c in line.calls("/v2/bot/message/")] == ["/v2/bot/message/reply"] * 2


def test_a_send_interrupted_by_a_crash_is_recovered_in_seconds_without_a_duplicate(webhook, runtime, line,
                                                                                    worker, db):
    user = ev.random_user_id()
    token = line.issue_reply_token(user)
    assert webhook.send([ev.text(user, "สวัสดีค่ะ", token)]) == 200
    worker.process_events()
    [row] = _rows(db, user)
    # A worker claimed the row, LINE delivered it, and the worker died before writing it down.
    assert line.use_reply_token(token) == user
    line.deliver([user], row.messages, "reply", "req-before-crash")
    _stall(runtime, OutboundMessage.id == row.id, status="sending", attempts=1,
           next_attempt_at=utcnow() + worker.outbox.lease)
    assert worker.outbox.lease <= timedelta(seconds=30)
    _stall(runtime, OutboundMessage.id == row.id, next_attempt_at=utcnow() - timedelta(seconds=1))
    worker.run_until_idle()
    assert len(line.messages_to(user)) == 1
    assert _rows(db, user)[0].status == "sent"


def test_an_ordered_message_that_keeps_failing_stops_holding_the_chat(runtime, line, worker, db):
    user = ev.random_user_id()
    with runtime.transaction() as s:
        queue_push(s, user, [{"type": "text", "text": "ข้อความแรก"}], "conversation")
        queue_push(s, user, [{"type": "text", "text": "ข้อความที่สอง"}], "conversation")
    first = _rows(db, user)[0]
    _stall(runtime, OutboundMessage.id == first.id, attempts=5,
           next_attempt_at=utcnow() + timedelta(minutes=10))
    worker.send_outbox()
    assert line.texts_to(user) == ["ข้อความที่สอง"]


def _wait_until_due(db, to: str, limit: float = 10.0) -> None:
    """Sleep until every pending row to `to` is due again (its backoff has passed)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        rows = [r for r in _rows(db, to) if r.status in ("pending", "sending")]
        if all(r.next_attempt_at <= utcnow() for r in rows):
            return
        time.sleep(0.2)
    raise AssertionError("rows never became due")
