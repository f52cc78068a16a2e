"""Staff groups, delivery, the case API, escalation and settings: each test is a way an
emergency or a person's data was once mishandled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import Case, OutboundMessage, utcnow
from simulator import events as ev
from tests.conftest import FALLBACK_GROUP, HOTLINE_GROUP, answer_questions, latest_case


def test_group_tap_without_user_id_sends_no_details_to_the_group(citizen, db, webhook, line, worker):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    event = ev.postback(None, f"a=ack&case={case.case_no}", source_group=FALLBACK_GROUP,
                        reply_token=line.issue_reply_token(FALLBACK_GROUP))
    assert webhook.send([event]) == 200
    worker.run_until_idle()
    # Nobody can be named as the one who accepted: the tap is refused politely (issue #9).
    assert latest_case(db, citizen.user_id).status == "new"
    group = "\n".join(line.texts_to(FALLBACK_GROUP))
    assert "081-234-5678" not in group and "0812345678" not in group
    assert "ยังไม่ได้เชื่อม" in group


def test_a_backlog_of_deferred_group_messages_does_not_hold_up_a_reply(citizen, runtime, line):
    with runtime.transaction() as s:
        for i in range(250):
            s.add(OutboundMessage(to=FALLBACK_GROUP, purpose="staff_notify",
                                  messages=[{"type": "text", "text": f"n{i}"}], retry_key=f"k{i}",
                                  next_attempt_at=utcnow() + timedelta(hours=1)))
    citizen.say("สวัสดีค่ะ")
    assert line.texts_to(citizen.user_id)


def test_unfollow_in_standby_mode_still_stops_pushes(citizen, webhook, worker, runtime, db, client):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert webhook.send([ev.unfollow(citizen.user_id, mode="standby")]) == 200
    worker.run_until_idle()
    before = len(citizen.line.texts_to(citizen.user_id))
    answer = client.post(f"/api/v1/cases/{case.case_no}/status", json={"status": "in_progress"},
                         headers={"Authorization": "Bearer test-admin-token"})
    assert answer.status_code == 200
    worker.run_until_idle()
    assert len(citizen.line.texts_to(citizen.user_id)) == before


def test_closed_case_cannot_be_reopened_through_the_api(citizen, db, client):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case_no = latest_case(db, citizen.user_id).case_no
    auth = {"Authorization": "Bearer test-admin-token"}
    assert client.post(f"/api/v1/cases/{case_no}/status", json={"status": "closed"}, headers=auth).status_code == 200
    assert client.post(f"/api/v1/cases/{case_no}/status", json={"status": "new"}, headers=auth).status_code == 409


def test_escalation_keeps_reminding_the_hotline_until_someone_acknowledges(citizen, db, runtime, worker, line):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    for _ in range(4):
        with runtime.transaction() as s:
            s.execute(update(Case).where(Case.id == case.id).values(ack_due_at=utcnow() - timedelta(minutes=1)))
        worker.run_until_idle()
    case = latest_case(db, citizen.user_id)
    assert case.ack_due_at is not None
    assert [h.event for h in case.history].count("hotline_reminded") == 2
    reminders = [t for t in line.texts_to(HOTLINE_GROUP) if case.case_no in t]
    assert len(reminders) == 3  # escalated to it once, reminded twice


def test_production_refuses_sqlite():
    from settings import SettingsError, from_env

    env = {"ENVIRONMENT": "production", "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t",
           "HOTLINE_LINE_TO": "C" + "a" * 32, "STAFF_FALLBACK_LINE_TO": "C" + "b" * 32,
           "ADMIN_API_TOKEN": "x", "SECRET_KEY": "k"}
    with pytest.raises(SettingsError, match="PostgreSQL"):
        from_env(env).check()
    assert from_env({**env, "DATABASE_URL": "postgres://db/intake"}).check()




def test_an_event_that_fails_three_times_gets_the_apology_and_the_numbers(webhook, line, runtime, worker, db):
    from sqlalchemy import text

    from models import InboundEvent

    user = ev.random_user_id()
    with runtime.transaction() as s:  # a real fault: the table the handler writes to is gone
        s.execute(text("DROP TABLE contacts"))
    webhook.send([ev.text(user, "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว", line.issue_reply_token(user))])
    for _ in range(3):
        worker.process_events()
        with runtime.transaction() as s:  # no waiting for the backoff between attempts
            s.execute(update(InboundEvent).values(next_attempt_at=None))
    worker.send_outbox()
    db.expire_all()
    event = db.scalar(select(InboundEvent).order_by(InboundEvent.id.desc()))
    assert (event.status, event.attempts, event.payload) == ("failed", 3, None)
    sent = line.messages_to(user)
    assert sent[0]["type"] == "template"  # the emergency numbers first
    assert "tel:1300" in [a["uri"] for a in sent[0]["template"]["actions"]]
    assert "ระบบขัดข้อง" in sent[1]["text"]
