"""Sending through the outbox: reply tokens, pushes, retries, outages; nothing is dropped."""

from __future__ import annotations

from sqlalchemy import select, update

from models import OutboundMessage, utcnow
from simulator import events as ev


def _rows(db, to: str) -> list[OutboundMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboundMessage).where(OutboundMessage.to == to)
                           .order_by(OutboundMessage.id)))


def _make_due(runtime) -> None:
    with runtime.transaction() as s:
        s.execute(update(OutboundMessage).where(OutboundMessage.status == "pending")
                  .values(next_attempt_at=utcnow()))


def test_fresh_reply_token_is_used_once(citizen, line):
    citizen.say("สวัสดีค่ะ")
    replies = line.calls("/v2/bot/message/reply")
    assert len(replies) == 1 and line.calls("/v2/bot/message/push") == []


def test_expired_reply_token_falls_back_to_a_push_with_retry_key(webhook, line, worker, db):
    user = ev.random_user_id()
    token = line.issue_reply_token(user)
    line.expire_reply_token(token)
    assert webhook.send([ev.text(user, "สวัสดีค่ะ", token)]) == 200
    worker.run_until_idle()
    pushes = line.calls("/v2/bot/message/push")
    assert len(pushes) == 1
    key = {k.lower(): v for k, v in pushes[0]["headers"].items()}.get("x-line-retry-key")
    assert key and key == _rows(db, user)[0].retry_key
    assert line.texts_to(user)


def test_line_500_delays_the_message_and_it_is_sent_later(webhook, line, worker, db, runtime):
    user = ev.random_user_id()
    line.fail_next("/v2/bot/message/reply", 500)
    assert webhook.send([ev.text(user, "สวัสดีค่ะ", line.issue_reply_token(user))]) == 200
    worker.run_until_idle()
    row = _rows(db, user)[0]
    assert row.status == "pending" and "500" in row.last_error and line.texts_to(user) == []
    _make_due(runtime)
    worker.run_until_idle()
    assert _rows(db, user)[0].status == "sent" and line.texts_to(user)


def test_line_429_is_retried_after_retry_after(webhook, line, worker, db, runtime):
    user = ev.random_user_id()
    line.fail_next("/v2/bot/message/reply", 429, headers={"Retry-After": "30"})
    webhook.send([ev.text(user, "สวัสดีค่ะ", line.issue_reply_token(user))])
    worker.run_until_idle()
    row = _rows(db, user)[0]
    assert row.status == "pending"
    assert (row.next_attempt_at - utcnow()).total_seconds() > 20
    _make_due(runtime)
    worker.run_until_idle()
    assert _rows(db, user)[0].status == "sent"


def test_line_outage_delays_every_message_and_drops_none(make_citizen, line, worker, db, runtime):
    people = [make_citizen() for _ in range(3)]
    line.set_down(True)
    for person in people:
        person.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    assert all(line.texts_to(p.user_id) == [] for p in people)
    line.set_down(False)
    _make_due(runtime)
    worker.run_until_idle()
    for person in people:
        assert line.texts_to(person.user_id), "a message was dropped during the outage"
        assert all(r.status == "sent" for r in _rows(db, person.user_id))


def test_permanent_4xx_is_not_retried(webhook, line, worker, db, runtime):
    user = ev.random_user_id()
    line.fail_next("/v2/bot/message/reply", 403, body={"message": "forbidden"})
    webhook.send([ev.text(user, "สวัสดีค่ะ", line.issue_reply_token(user))])
    worker.run_until_idle()
    assert _rows(db, user)[0].status == "failed"
    assert len(line.calls("/v2/bot/message/reply")) == 1


def test_push_repeated_after_a_lost_answer_is_not_sent_twice(webhook, line, worker, db, runtime):
    user = ev.random_user_id()
    webhook.send([ev.text(user, "สวัสดีค่ะ", None, mode="active")])
    row_before = None
    worker.process_events()
    row_before = _rows(db, user)[0]
    with runtime.transaction() as s:  # no reply token: it will be a push
        s.execute(update(OutboundMessage).where(OutboundMessage.id == row_before.id)
                  .values(reply_token=None))
    worker.send_outbox()
    # The worker "crashed" before recording success: the row goes back to pending.
    with runtime.transaction() as s:
        s.execute(update(OutboundMessage).where(OutboundMessage.id == row_before.id)
                  .values(status="pending", next_attempt_at=utcnow()))
    worker.send_outbox()
    assert len(line.texts_to(user)) == 1  # LINE answered 409: already accepted
    assert _rows(db, user)[0].status == "sent"


def test_unfollowed_user_gets_no_more_pushes(citizen, webhook, line, worker, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    line.set_down(True)
    citizen.say(citizen.labels()[0] if citizen.labels() else "ยกเลิก")
    line.set_down(False)
    assert webhook.send_unfollow(citizen.user_id) == 200
    worker.run_until_idle()
    assert all(r.status in ("sent", "skipped") for r in _rows(db, citizen.user_id))


def test_every_message_sent_is_one_the_sdk_models_carry_unchanged(citizen, line, make_citizen):
    """The sender posts the outbox's JSON as it is (no SDK request models, for speed): every
    message any conversation sends must therefore be exactly what the SDK's models would
    have sent — no key they do not know, none they would rename or drop."""
    from linebot.v3.messaging import Message

    from tests.conftest import answer_until

    citizen.say("ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่")
    citizen.say("ต.ในเมือง อ.เมือง จ.ขอนแก่น")
    other = make_citizen()
    other.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_until(other, "ยืนยัน")
    other.tap("ยืนยัน")
    make_citizen().say("ทำบัตรคนพิการต้องใช้เอกสารอะไรบ้างคะ")
    sent = [m for call in line.calls("/v2/bot/message/") if isinstance(call.get("json"), dict)
            for m in call["json"].get("messages") or []]
    assert len(sent) >= 10 and {m["type"] for m in sent} >= {"text", "flex"}
    for message in sent:
        assert Message.from_dict(message).to_dict() == message
