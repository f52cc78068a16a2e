"""Typed answers, danger, cancel, stickers and photos at the questions: each test is a way an
emergency or a person's data was once mishandled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

import taxonomy
from handlers import conversation as flow
from handlers.conversation.answers import typed_confirm, typed_consent, typed_danger
from handlers.conversation.start import route_first_message, start_problem
from handlers.events import conversation_for
from handlers.turn import Input, Turn
from intents import Classification
from models import utcnow
from simulator import events as ev
from tests.conftest import FALLBACK_GROUP, HOTLINE_GROUP, answer_questions, answer_until, latest_case

USER = "U" + "7" * 32


def unsure(topic: str = "domestic_violence", **changes) -> Classification:
    values = dict(kind="problem", topic=topic, urgency="normal", department="DWF",
                  confidence=0.9, kind_confidence=0.9, alternatives=(), emergency_uncertain=True,
                  language="th", age_group=None, subject=None)
    values.update(changes)
    return Classification(**values)


def run(runtime, fn):
    with runtime.transaction() as s:
        turn = Turn(s, runtime.settings, conversation_for(s, USER), USER, utcnow())
        return fn(turn), turn


@pytest.mark.parametrize("answer,danger", [
    ("ไม่ปลอดภัย", True), ("not safe", True), ("ช่วยด้วย", True), ("ยังไม่แน่ใจ", True),
    ("เขายังอยู่ในบ้าน", True), ("ไม่ค่ะ", False), ("ปลอดภัยดีค่ะ", False), ("no", False),
])
def test_typed_answer_to_the_danger_question(runtime, db, answer, danger):
    def script(turn):
        assert start_problem(turn, Input("text", text="เรื่องที่บ้าน"), unsure()) == flow.CHECK_DANGER
        return typed_danger(turn, Input("text", text=answer))
    run(runtime, script)
    case = latest_case(db, USER)
    assert (case is not None and case.urgency == "emergency") == danger


@pytest.mark.parametrize("topic", sorted(taxonomy.always_emergency()))
def test_suicide_risk_and_trafficking_are_always_emergencies(runtime, db, line, worker, topic):
    cls = unsure(topic, emergency_uncertain=False, urgency="normal", confidence=0.3)
    run(runtime, lambda turn: start_problem(turn, Input("text", text="..."), cls))
    worker.run_until_idle()
    case = latest_case(db, USER)
    assert case.urgency == "emergency" and case.topic == topic
    assert any(case.case_no in t for t in line.texts_to(HOTLINE_GROUP))


@pytest.mark.parametrize("kind", ["prank", "chitchat", "inquiry", "suggestion"])
def test_danger_cues_are_asked_about_whatever_the_kind(runtime, kind):
    cls = unsure(kind=kind, topic="none")
    state, turn = run(runtime, lambda turn: route_first_message(turn, Input("text", text="x"), cls))
    assert state == flow.CHECK_DANGER
    assert turn.replies[0]["type"] == "template"  # numbers first


@pytest.mark.parametrize("typed,agreed", [("ยังไม่ยินยอม", False), ("ให้ไม่ได้", False),
                                          ("ไม่ยินยอมค่ะ", False), ("ยินยอมค่ะ", True), ("ok", True)])
def test_typed_consent_reads_negations(runtime, typed, agreed):
    def script(turn):
        turn.remember(kind="problem", topic="hardship", subject="self", age_group="adult",
                      place={}, phone=None)
        typed_consent(turn, Input("text", text=typed))
        return turn.data.get("consent")
    consent, _ = run(runtime, script)
    assert consent is (True if agreed else None)


@pytest.mark.parametrize("typed,creates", [("ไม่ถูกต้อง", False), ("ไม่ใช่", False),
                                           ("ยืนยันค่ะ", True), ("ใช่ครับ", True)])
def test_typed_confirmation_reads_negations(runtime, db, typed, creates):
    def script(turn):
        turn.remember(kind="problem", topic="hardship", urgency="normal", description="x",
                      subject="self", age_group="adult", place={}, phone=None, consent=True,
                      consent_at=utcnow().isoformat())
        return typed_confirm(turn, Input("text", text=typed))
    run(runtime, script)
    assert (latest_case(db, USER) is not None) == creates


@pytest.mark.parametrize("typed,subject", [("someone else", "other"), ("ตัวเองค่ะ", "self"),
                                           ("ตาค่ะ", "other"), ("my mother", "other"), ("me", "self")])
def test_typed_who_needs_help(typed, subject):
    from handlers.replies import subject_from

    assert subject_from(typed) == subject


@pytest.mark.parametrize("words", ["ยกเลิกค่ะ", "ยกเลิกครับ", "Cancel"])
def test_polite_cancel_is_understood(citizen, db, words):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    citizen.say(words)
    assert "ยกเลิกแล้ว" in citizen.text()


def test_emergency_words_at_the_place_question_reach_the_hotline_and_do_not_reroute(citizen, db, line):
    citizen.say("ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่")
    before = latest_case(db, citizen.user_id).center_id
    citizen.say("เขากำลังพังประตูห้องน้ำเข้ามาแล้ว มีลูกสองคนอยู่ด้วย")
    case = latest_case(db, citizen.user_id)
    assert case.center_id == before and case.province_code is None
    assert "พังประตู" in case.description
    assert any("พังประตู" in t for t in line.texts_to(HOTLINE_GROUP))
    assert not any("พังประตู" in t for t in line.texts_to(FALLBACK_GROUP))
    assert "แชร์ตำแหน่ง" in citizen.labels()


def test_case_number_with_an_emergency_takes_the_emergency_path(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    old = latest_case(db, citizen.user_id).case_no
    first = citizen.say(f"{old} สามีกลับมาอีกแล้ว กำลังเอามีดไล่ฟันหนู ช่วยด้วย")
    assert first[0]["type"] == "template"
    assert latest_case(db, citizen.user_id).urgency == "emergency"


def test_cancel_during_an_emergency_keeps_the_case_with_the_hotline(citizen, db):
    citizen.say("ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่")
    citizen.say("ยกเลิก")
    case = latest_case(db, citizen.user_id)
    assert case.status == "new" and case.case_no in citizen.text()
    assert case.history[-1].event == "citizen_stopped_questions"


def test_hotline_alert_is_sent_before_the_citizen_is_asked_anything(citizen, line):
    citizen.say("ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่")
    order = [r["json"].get("to") or "reply" for r in line.requests
             if r["path"] in ("/v2/bot/message/push", "/v2/bot/message/reply")]
    assert order.index(HOTLINE_GROUP) < order.index("reply")


def test_sticker_during_any_question_gets_an_answer(citizen):
    citizen.say("ขอความช่วยเหลือ")
    citizen._exchange(lambda: citizen.webhook.send_sticker(citizen.user_id))
    assert citizen.last




def test_photo_from_a_cancelled_conversation_is_deleted_not_kept(citizen, db):
    from models import Attachment

    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    citizen.send_image(b"private-photo")
    citizen.say("ยกเลิก")
    db.expire_all()
    assert db.scalars(select(Attachment).where(Attachment.line_user_id == citizen.user_id)).all() == []


def test_an_answer_written_in_time_is_not_expired_by_a_worker_backlog(webhook, line, runtime, worker):
    from models import Conversation

    user = ev.random_user_id()
    webhook.send([ev.text(user, "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง", line.issue_reply_token(user))])
    worker.run_until_idle()
    now = utcnow()
    with runtime.transaction() as s:  # the question was asked 40 minutes ago...
        s.execute(update(Conversation).where(Conversation.chat_id == user)
                  .values(updated_at=now - timedelta(minutes=40)))
    # ...the citizen answered 10 minutes after it, and the worker only gets to it now.
    written = int((now - timedelta(minutes=30)).timestamp() * 1000)
    webhook.send([ev.text(user, "ยกเลิก", line.issue_reply_token(user), timestamp=written)])
    worker.process_events()
    worker.send_outbox()
    texts = line.texts_to(user)
    assert "ยกเลิกแล้ว" in texts[-1] and not any("หมดเวลา" in t for t in texts)



@pytest.mark.parametrize("typed,subject", [("สามีตีค่ะ", "self"), ("ผัวตีหนู", "self"),
                                           ("แฟนทำร้ายหนูค่ะ", "self"), ("โดนแฟนทำร้ายค่ะ", "self"),
                                           ("สามีตีลูกค่ะ", "other"), ("แม่โดนพ่อตีค่ะ", "other")])
def test_partner_harming_the_writer_is_the_writer_who_needs_help(citizen, db, typed, subject):
    citizen.say("ทะเลาะกันในบ้านบ่อยค่ะ")
    assert "ตัวฉันเอง" in citizen.labels()  # the bot asks who needs help
    citizen.say(typed)
    answer_questions(citizen, age="ผู้ใหญ่")
    assert latest_case(db, citizen.user_id).subject == subject


@pytest.mark.parametrize("story,who", [
    ("หนูอยากขอเงินอุดหนุนเด็กแรกเกิดให้ลูกค่ะ", None),
    ("ขอเงินอุดหนุนเด็กแรกเกิดค่ะ", "ตัวฉันเอง"),
    ("หนูขอเงินอุดหนุนบุตรแรกเกิดค่ะ ลูกเพิ่งคลอด", None),
])
def test_a_parent_asking_the_newborn_grant_is_not_shown_as_a_child_in_need(citizen, db, story, who):
    citizen.say(story)
    if who:
        answer_until(citizen, who, topic="child_support")
        citizen.tap(who)
    answer_until(citizen, "ยืนยัน", topic="child_support")
    assert "ตัวฉันเอง · เด็ก" not in citizen.text()
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert (case.topic, case.subject, case.subject_age_group) == ("child_support", "other", "child")
