"""Signed but hostile webhook bodies: no 5xx, bad events dropped, good ones beside them kept."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select

from models import InboundEvent
from simulator import events as ev
from simulator.events import post_webhook, sign
from tests.conftest import SECRET


def _post(server: str, payload: Any) -> int:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return post_webhook(f"{server}/callback", raw, sign(SECRET, raw))


def _text_event(text: Any = "สวัสดีค่ะ") -> dict[str, Any]:
    event = ev.text(ev.random_user_id(), "x")
    event["message"]["text"] = text
    return event


def _broken(path: str, value: Any) -> dict[str, Any]:
    event = _text_event()
    *parents, leaf = path.split(".")
    target = event
    for key in parents:
        target = target[key]
    target[leaf] = value
    return event


BAD_EVENTS = {
    "huge timestamp": _broken("timestamp", 10 ** 30),
    "negative timestamp": _broken("timestamp", -1),
    "list as userId": _broken("source.userId", ["U" + "0" * 32]),
    "long userId": _broken("source.userId", "U" + "0" * 80),
    "long event id": _broken("webhookEventId", "E" * 65),
    "event id as number": _broken("webhookEventId", 12345),
    "text as int": _text_event(42),
    "text as dict": _text_event({"text": "hi"}),
    "source as string": _broken("source", "user"),
    "message as list": _broken("message", ["text"]),
    "bool timestamp": _broken("timestamp", True),
    "reply token as dict": _broken("replyToken", {"a": 1}),
    "latitude out of range": ev.location(ev.random_user_id(), 123.0, 500.0),
}


@pytest.mark.parametrize("name", sorted(BAD_EVENTS))
def test_a_bad_event_is_dropped_and_the_good_one_beside_it_is_stored(server, db, stored_events, name):
    good = _text_event("ยายอยู่คนเดียว ไม่มีข้าวกิน")
    assert _post(server, {"destination": "U" + "1" * 32, "events": [BAD_EVENTS[name], good]}) == 200
    assert [e.webhook_event_id for e in stored_events()] == [good["webhookEventId"]]


@pytest.mark.parametrize("text", ["\ud800 ช่วยด้วย", "ยาย\x00ล้ม", "x" * 100_000, "🙏" * 6000])
def test_odd_text_is_stored_clean_and_answered(server, db, stored_events, worker, line, text):
    event = _text_event(text)
    user = event["source"]["userId"]
    raw = json.dumps({"events": [event]}).encode()  # \ud800 goes over the wire as an escape
    assert post_webhook(f"{server}/callback", raw, sign(SECRET, raw)) == 200
    worker.run_until_idle()
    [row] = stored_events()
    assert row.status == "done"
    assert line.messages_to(user), "the citizen got no answer"


def test_deeply_nested_body_is_400_not_500(server, db, stored_events):
    deep = b'{"events": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert _post(server, deep) == 400
    assert stored_events() == []


def test_deeply_nested_unknown_field_does_not_stop_the_event(server, db, stored_events):
    event = _text_event("สวัสดี")
    nested: Any = "end"
    for _ in range(200):
        nested = {"n": nested}
    event["message"]["extra"] = nested
    assert _post(server, {"events": [event]}) == 200
    [row] = stored_events()
    assert "extra" not in row.payload["message"]


def _raw_post(server: str, length: int, sent: int) -> int:
    """POST `length` bytes by hand and return the status the server answered."""
    host, port = urlsplit(server).hostname, urlsplit(server).port
    with socket.create_connection((host, port), timeout=10) as sock:
        head = (f"POST /callback HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"X-Line-Signature: x\r\nContent-Length: {length}\r\n\r\n").encode()
        sock.sendall(head)
        chunk = b" " * 65536
        try:
            while sent > 0:
                sock.sendall(chunk[:sent])
                sent -= min(sent, len(chunk))
        except OSError:
            pass
        answer = sock.recv(200)
    return int(answer.split()[1])


def test_ten_megabyte_body_gets_413_not_a_reset_connection(server, db, stored_events):
    size = 10 * 1024 * 1024
    assert _raw_post(server, size, size) == 413
    assert stored_events() == []


def test_non_object_bodies_are_400(server, db, stored_events):
    for payload in ([], "events", 5, None, {"events": {"a": 1}}):
        assert _post(server, payload) == 400
    assert stored_events() == []


# ---------------------------------------------------------------- property-based fuzzing

JSON_LEAVES = st.none() | st.booleans() | st.integers(min_value=-(10 ** 40), max_value=10 ** 40) \
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=300)
JSON = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
FIELDS = ["type", "mode", "timestamp", "webhookEventId", "source", "replyToken", "message",
          "postback", "deliveryContext", "follow", "unsend", "source.userId", "source.type",
          "message.type", "message.text", "message.id", "message.latitude", "postback.data"]


def _mutate(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, leaf = path.split(".")
    target = event
    for key in parents:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[leaf] = value
    return event


def _base_event(kind: str) -> dict[str, Any]:
    user = ev.random_user_id()
    return {"text": lambda: ev.text(user, "ตาข้างบ้านเป็นอัมพาต"),
            "location": lambda: ev.location(user, 13.75, 100.5),
            "postback": lambda: ev.postback(user, "a=ack&case=OSS-2569-000001"),
            "follow": lambda: ev.follow(user)}[kind]()


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["text", "location", "postback", "follow"]),
       changes=st.lists(st.tuples(st.sampled_from(FIELDS), JSON), min_size=1, max_size=3))
def test_fuzzed_events_never_get_a_5xx_nor_leave_a_stuck_event(server, db, worker, kind, changes):
    event = _base_event(kind)
    for path, value in changes:
        event = _mutate(event, path, value)
    status = _post(server, {"destination": "U" + "2" * 32, "events": [event, _text_event()]})
    assert status in (200, 400)
    worker.run_until_idle()
    db.expire_all()
    stuck = db.scalar(select(func.count()).select_from(InboundEvent)
                      .where(InboundEvent.status != "done"))
    assert stuck == 0
