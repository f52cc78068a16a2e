"""The webhook as LINE uses it: signatures, bodies, redelivery, standby, unknown events."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from models import OutboundMessage
from simulator import events as ev
from simulator.events import post_webhook, sign
from tests.conftest import SECRET


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_empty_events_body_is_accepted(server, db, stored_events):
    body = ev.body([])
    assert post_webhook(f"{server}/callback", body, sign(SECRET, body)) == 200
    assert len(stored_events()) == 0


@pytest.mark.parametrize("signature", [None, "", "bm90LXRoZS1zaWduYXR1cmU=", sign("wrong-secret", b"x")])
def test_bad_or_missing_signature_is_400_and_nothing_is_stored(server, db, stored_events, signature):
    body = ev.body([ev.text(ev.random_user_id(), "ช่วยด้วย")])
    assert post_webhook(f"{server}/callback", body, signature) == 400
    assert len(stored_events()) == 0


def test_signature_is_checked_on_raw_bytes_not_reserialised_json(server, db):
    # Thai sent raw (as LINE does): re-encoding it with \\u escapes would change the HMAC.
    body = ev.body([ev.text(ev.random_user_id(), "ยายอยู่คนเดียว ไม่มีข้าวกิน")])
    assert post_webhook(f"{server}/callback", body, sign(SECRET, body)) == 200
    escaped = json.dumps(json.loads(body)).encode()
    assert post_webhook(f"{server}/callback", escaped, sign(SECRET, body)) == 400


@pytest.mark.parametrize("raw", [b"not json", b"{\"events\": \"nope\"}", b"[]", b"\xff\xfe{}",
                                 b"{\"events\": [], \"x\": NaN}"])
def test_malformed_body_is_400_and_nothing_is_stored(server, db, stored_events, raw):
    assert post_webhook(f"{server}/callback", raw, sign(SECRET, raw)) == 400
    assert len(stored_events()) == 0


def test_redelivered_event_is_not_answered_twice(webhook, line, worker, db, stored_events):
    user = ev.random_user_id()
    event = ev.text(user, "สวัสดีค่ะ", line.issue_reply_token(user))
    assert webhook.send([event]) == 200
    assert webhook.send([ev.redelivered(event)]) == 200
    worker.run_until_idle()
    assert len(stored_events()) == 1
    assert len(line.messages_to(user)) == 1


def test_unknown_event_types_are_ignored(webhook, worker, db, stored_events, line):
    strange = ev.text(ev.random_user_id(), "x")
    strange["type"] = "somethingNew"
    strange.pop("message")
    assert webhook.send([strange]) == 200
    worker.run_until_idle()
    assert len(stored_events()) == 0
    assert line.delivered == []


def test_standby_mode_events_get_no_answer(webhook, worker, line, db):
    user = ev.random_user_id()
    assert webhook.send([ev.text(user, "ช่วยด้วย", mode="standby")]) == 200
    worker.run_until_idle()
    assert line.messages_to(user) == []
    assert _count(db, OutboundMessage) == 0


def test_webhook_itself_never_calls_line(webhook, line):
    user = ev.random_user_id()
    assert webhook.send_text(user, "ยายล้มอยู่ในบ้าน ลุกไม่ได้") == 200
    # Nothing was sent yet: the worker, not the request LINE waits on, talks to LINE.
    assert line.requests == []


def test_several_events_in_one_body_are_all_handled_in_order(webhook, line, worker):
    user = ev.random_user_id()
    first = ev.text(user, "สวัสดี", line.issue_reply_token(user), timestamp=1_700_000_000_000)
    second = ev.text(user, "ขอบคุณค่ะ", line.issue_reply_token(user), timestamp=1_700_000_000_500)
    assert webhook.send([second, first]) == 200
    worker.run_until_idle()
    texts = line.texts_to(user)
    assert len(texts) == 2
    assert "สวัสดี" in texts[0] and "ยินดี" in texts[1]
