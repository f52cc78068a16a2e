"""The worker under faults: LINE failing 30 % of calls, a worker killed mid-stream, bursts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from models import InboundEvent, OutboundMessage
from simulator import events as ev
from tests.conftest import ADMIN_TOKEN, FALLBACK_GROUP, HOTLINE_GROUP, SECRET, TOKEN
from tests.test_outbox_faults import assert_delivered_exactly_once_in_order

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ["ตกงานมาสามเดือน ค่าเทอมลูกยังไม่มีจ่ายเลย", "ไม่ทราบค่ะ", "ต.แม่เหียะ อ.เมือง จ.เชียงใหม่",
          "0812345678", "ขอบคุณค่ะ"]


@pytest.fixture
def settings(settings):
    """A short LINE timeout, so late answers and retries take seconds in these tests."""
    return settings.with_overrides(line_timeout_seconds=2.0)


def _send_stream(webhook, users: list[str], script: list[str], pushes_for: int = 0) -> None:
    """Each user sends the script, one message per webhook call, users interleaved; the first
    `pushes_for` users' events carry no reply token (as if a backlog had let them expire)."""
    base = int(time.time() * 1000)
    for step, words in enumerate(script):
        for n, user in enumerate(users):
            event = ev.text(user, words, webhook.platform.issue_reply_token(user),
                            timestamp=base + step * 1000 + n)
            if n < pushes_for:
                del event["replyToken"]
            assert webhook.send([event]) == 200


def _unsettled(db, runtime=None) -> list[str]:
    """What is still waiting: events in the inbox or pending, and outbox rows not yet sent."""
    from jobs.events import inbox_waiting

    db.expire_all()
    waiting = inbox_waiting(runtime) if runtime is not None else 0
    events = db.scalars(select(InboundEvent).where(InboundEvent.status == "pending")).all()
    rows = db.scalars(select(OutboundMessage)
                      .where(OutboundMessage.status.in_(("pending", "sending")))).all()
    return ([f"{waiting} event(s) in the inbox"] * bool(waiting) + [f"event {e.id} attempts={e.attempts} due={e.next_attempt_at}" for e in events]
            + [f"row {r.id} {r.purpose} {r.status} attempts={r.attempts} due={r.next_attempt_at} "
               f"unknown={r.delivery_unknown} error={(r.last_error or '')[:40]}" for r in rows])


def _settled(db, runtime=None) -> bool:
    return not _unsettled(db, runtime)


def _wait(condition, limit: float, step=None, explain=None) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if step is not None:
            step()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"the work did not finish in time: {explain() if explain else ''}")


def assert_each_event_handled_once_in_order(db, users: list[str]) -> None:
    """Every event done once; within a chat, handled in the order the citizen wrote."""
    db.expire_all()
    per_chat = defaultdict(list)
    for e in db.scalars(select(InboundEvent).order_by(InboundEvent.processed_at)):
        assert e.status == "done" and e.attempts == 0
        per_chat[e.chat_id].append(e.timestamp_ms)
    for user in users:
        assert per_chat[user] == sorted(per_chat[user]) and len(per_chat[user]) == len(SCRIPT)


def test_with_line_failing_30_percent_of_calls_every_message_arrives_exactly_once(webhook, line, worker,
                                                                                  db):
    users = [ev.random_user_id() for _ in range(40)]
    line.set_chaos(fault_rate=0.3, late_rate=0.05, late_seconds=2.5, seed=7)
    _send_stream(webhook, users, SCRIPT, pushes_for=10)
    # A bound on liveness, not a speed test: generous for a CI machine that is busy.
    _wait(lambda: _settled(db), limit=420, step=worker.run_once, explain=lambda: _unsettled(db)[:20])
    line.clear_chaos()
    assert_each_event_handled_once_in_order(db, users)
    for to in users + [HOTLINE_GROUP, FALLBACK_GROUP]:
        assert_delivered_exactly_once_in_order(db, line, to)
    pushes = line.calls("/v2/bot/message/push")
    keys = defaultdict(list)
    for call in pushes:
        keys[call["headers"].get("X-Line-Retry-Key")].append(call["json"])
    assert None not in keys, "a push went out without a retry key"
    assert any(len(bodies) > 1 for bodies in keys.values()), "no push was retried"
    assert all(all(b == bodies[0] for b in bodies) for bodies in keys.values())


def test_ten_messages_from_one_user_in_the_same_second_are_answered_in_order(webhook, line, worker, db):
    user = ev.random_user_id()
    at = int(time.time() * 1000)
    events = [ev.text(user, f"ข้อความที่ {n} ค่ะ", line.issue_reply_token(user), timestamp=at + n)
              for n in range(10)]
    for event in reversed(events):  # LINE may deliver them out of order
        assert webhook.send([event]) == 200
    worker.run_until_idle()
    db.expire_all()
    handled = [e.timestamp_ms for e in db.scalars(select(InboundEvent).order_by(InboundEvent.processed_at))]
    assert handled == sorted(handled) and len(handled) == 10
    assert_delivered_exactly_once_in_order(db, line, user)


def _worker_process(runtime, line, extra: dict[str, str] | None = None) -> subprocess.Popen:
    env = dict(os.environ, **(extra or {}), DATABASE_URL=runtime.settings.database_url, LINE_CHANNEL_SECRET=SECRET,
               LINE_CHANNEL_ACCESS_TOKEN=TOKEN, LINE_API_BASE_URL=line.url,
               HOTLINE_LINE_TO=HOTLINE_GROUP, STAFF_FALLBACK_LINE_TO=FALLBACK_GROUP,
               ADMIN_API_TOKEN=ADMIN_TOKEN, ENVIRONMENT="test", LINE_TIMEOUT_SECONDS="2",
               WORKER_POLL_SECONDS="0.1", LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_mid_stream_loses_nothing_and_sends_nothing_twice(webhook, runtime, line, db):
    users = [ev.random_user_id() for _ in range(12)]
    line.set_chaos(fault_rate=0.0, late_rate=0.3, late_seconds=0.5, seed=3)  # sends in flight
    first = _worker_process(runtime, line)
    try:
        _send_stream(webhook, users, SCRIPT)
        _wait(lambda: len(line.delivered) >= 15, limit=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    second = _worker_process(runtime, line)
    try:
        _wait(lambda: _settled(db, runtime), limit=120, explain=lambda: _unsettled(db, runtime)[:20])
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert_each_event_handled_once_in_order(db, users)
    for to in users + [HOTLINE_GROUP, FALLBACK_GROUP]:
        assert_delivered_exactly_once_in_order(db, line, to)


def test_an_event_that_cannot_be_handled_is_retried_alone_and_its_batch_is_answered(webhook, line, worker,
                                                                                   runtime, db):
    """A batch is one transaction: when one of its events fails, the batch is done again one
    event at a time, so the others are answered once and the failing one is retried alone,
    then given the emergency numbers and an apology when it fails for good."""
    from sqlalchemy import update

    from jobs.events import MAX_EVENT_ATTEMPTS, take_inbox

    users = [ev.random_user_id() for _ in range(5)]
    _send_stream(webhook, users, SCRIPT[:1])
    take_inbox(runtime)
    broken = users[2]
    with runtime.transaction() as s:  # a row no handler can read (as a bug of ours would leave one)
        s.execute(update(InboundEvent).where(InboundEvent.chat_id == broken).values(payload=["not", "an", "event"]))
    worker.run_until_idle()
    db.expire_all()
    rows = {e.chat_id: e for e in db.scalars(select(InboundEvent))}
    assert [u for u in users if rows[u].status == "done"] == [u for u in users if u != broken]
    assert rows[broken].status == "pending" and rows[broken].attempts == 1
    for user in users:
        if user != broken:
            assert_delivered_exactly_once_in_order(db, line, user)
    assert line.texts_to(broken) == []
    for _ in range(MAX_EVENT_ATTEMPTS - 1):
        with runtime.transaction() as s:  # its backoff has passed
            s.execute(update(InboundEvent).where(InboundEvent.chat_id == broken).values(next_attempt_at=None))
        worker.run_until_idle()
    db.expire_all()
    row = db.scalars(select(InboundEvent).where(InboundEvent.chat_id == broken)).one()
    assert row.status == "failed" and row.payload is None
    assert any("1300" in text for text in line.texts_to(broken))


def test_a_worker_process_lowers_its_cpu_priority_as_configured(runtime, line):
    """WORKER_NICE: the web answers LINE first on a machine it shares with the workers."""
    env_nice = {"WORKER_NICE": "7"}
    child = _worker_process(runtime, line, env_nice)
    try:
        def niceness() -> int | None:
            try:  # /proc/<pid>/stat: field 19 is the nice value (after the command in parens)
                fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return None
            return int(fields[16])
        _wait(lambda: niceness() == os.nice(0) + 7, limit=30, explain=lambda: niceness())
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=20)
