"""Issue "A conversation that never traps anyone, and no emergency missed": each test is one
harm, through the real webhook and worker."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import Attachment, Case, Conversation, utcnow
from tests.conftest import HOTLINE_GROUP, answer_until, latest_case

STORY = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"
VIOLENCE = "ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่"


def hotline(line) -> str:
    return "\n".join(line.texts_to(HOTLINE_GROUP))


def cases_of(db, citizen) -> int:
    db.expire_all()
    return db.scalar(select(func.count(Case.id)).where(Case.reporter_line_user_id == citizen.user_id))


# ---------------------------------------------------------------- 1. changing one's mind

@pytest.mark.parametrize("words", ["เปลี่ยนใจค่ะ ขอแจ้งต่อ", "I changed my mind, please continue"])
def test_changing_ones_mind_after_cancel_resumes_the_request(citizen, db, line, words):
    # It was a new message: "สวัสดีค่ะ 😊", and in English a suicide-risk emergency.
    citizen.say(STORY)
    answer_until(citizen, "แชร์ตำแหน่ง")
    citizen.say("ไม่เอาแล้วค่ะ")
    citizen.say(words)
    assert "แชร์ตำแหน่ง" in citizen.labels()  # the question it stopped at, again
    assert not line.texts_to(HOTLINE_GROUP)
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case is not None and "ค่าเช่าบ้าน" in case.description and case.urgency != "emergency"


def test_changing_ones_mind_in_an_emergency_continues_the_same_case(citizen, db, line):
    citizen.say(VIOLENCE)
    first = latest_case(db, citizen.user_id)
    citizen.say("ไม่เอาแล้วค่ะ")
    citizen.say("เปลี่ยนใจค่ะ ขอแจ้งต่อ")
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.say("ต.ในเมือง อ.เมือง จ.ขอนแก่น")
    assert cases_of(db, citizen) == 1
    assert latest_case(db, citizen.user_id).id == first.id
    assert latest_case(db, citizen.user_id).province_code == "40"


def test_changing_ones_mind_long_after_cancel_starts_afresh(citizen, db, runtime):
    citizen.say(STORY)
    answer_until(citizen, "แชร์ตำแหน่ง")
    citizen.say("ไม่เอาแล้วค่ะ")
    with runtime.transaction() as s:
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                  .values(updated_at=utcnow() - timedelta(hours=2)))
        conv = s.get(Conversation, citizen.user_id)
        resumable = dict(conv.data.get("cancelled") or {})
        if resumable:
            resumable["at"] = (utcnow() - timedelta(hours=2)).isoformat()
            s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                      .values(data={"cancelled": resumable}))
    citizen.say("เปลี่ยนใจค่ะ ขอแจ้งต่อ")
    assert "แชร์ตำแหน่ง" not in citizen.labels()
    assert "เล่า" in citizen.text()  # asked to tell the request again, kindly


def test_what_a_cancel_kept_is_deleted_once_it_cannot_be_resumed(citizen, db, runtime, worker):
    """PDPA: the answers a cancel kept for RESUME_MINUTES are deleted by the worker's timeout
    job afterwards, also when the citizen never writes again."""
    citizen.say(STORY)
    answer_until(citizen, "แชร์ตำแหน่ง")
    citizen.say("ไม่เอาแล้วค่ะ")
    db.expire_all()
    assert "cancelled" in db.get(Conversation, citizen.user_id).data
    worker.expire_conversations()
    db.expire_all()
    assert "cancelled" in db.get(Conversation, citizen.user_id).data  # still resumable
    with runtime.transaction() as s:
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                  .values(updated_at=utcnow() - timedelta(minutes=31)))
    assert worker.expire_conversations() >= 1
    db.expire_all()
    assert db.get(Conversation, citizen.user_id).data == {}


# ---------------------------------------------------------------- 2. "ลืมบอกไป" at the summary

@pytest.mark.parametrize("facts", ["แม่เป็นเบาหวานด้วย", "แม่เดินไม่ได้ ไม่มีใครดูแลตอนกลางวัน"])
def test_forgot_to_say_at_the_summary_adds_the_words_and_shows_the_summary_again(citizen, db, line, facts):
    # "ลืมบอกไปค่ะ แม่เดินไม่ได้" opened the edit menu ("ไม่" read as "that is wrong").
    citizen.say("แม่ไม่มีข้าวกิน ไม่มีเงินเลยค่ะ")
    answer_until(citizen, "ยืนยัน", topic="elderly_care")
    citizen.say(f"ลืมบอกไปค่ะ {facts}")
    assert "เพิ่มไว้ในเรื่องแล้ว" in citizen.text()
    assert "ยืนยัน" in citizen.labels() and "ตรวจสอบก่อนส่งเรื่อง" in citizen.text()
    assert "ต้องการแก้ไข" not in citizen.text()
    assert not line.texts_to(HOTLINE_GROUP)
    citizen.tap("ยืนยัน")
    assert facts in latest_case(db, citizen.user_id).description


def test_forgetting_twice_at_the_summary_does_not_send_the_request(citizen, db):
    # Two additions were two failed tries: the request was sent without being confirmed.
    citizen.say("แม่ไม่มีข้าวกิน ไม่มีเงินเลยค่ะ")
    answer_until(citizen, "ยืนยัน", topic="elderly_care")
    citizen.say("ลืมบอกไปค่ะ แม่เป็นเบาหวานด้วย")
    citizen.say("ลืมบอกอีกอย่างค่ะ แม่อยู่คนเดียว")
    assert latest_case(db, citizen.user_id) is None
    assert "ยืนยัน" in citizen.labels()


# ---------------------------------------------------------------- 3. a lone 🆘

@pytest.mark.parametrize(("words", "yes"), [("🆘", "ใช่ อันตรายตอนนี้"), ("🆘🆘", "ใช่ อันตรายตอนนี้"),
                                            ("SOS", "Yes, danger now"), ("sos!!", "Yes, danger now")])
def test_a_lone_sos_is_a_cry_for_help(citizen, db, line, words, yes):
    # "🆘" was small talk: "สวัสดีค่ะ 😊 มีอะไรให้ช่วยไหมคะ".
    citizen.say(words)
    assert "1300" in citizen.text()  # the numbers first, as for a bare "ช่วยด้วย"
    assert yes in citizen.labels()
    citizen.tap(yes)
    assert line.texts_to(HOTLINE_GROUP)
    assert latest_case(db, citizen.user_id).urgency == "emergency"


# ---------------------------------------------------------------- 4. a photo at the place question

def test_a_photo_at_the_emergency_place_question_is_not_a_failed_answer(citizen, db):
    citizen.say(VIOLENCE)
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.send_image(b"bruise")
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.say("อืม")  # the first answer it cannot use: asked once more, not given up
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.say("ต.ในเมือง อ.เมือง จ.ขอนแก่น")
    case = latest_case(db, citizen.user_id)
    assert case.province_code == "40"
    photos = db.scalars(select(Attachment).where(Attachment.line_user_id == citizen.user_id)).all()
    assert [p.case_id for p in photos] == [case.id]


def test_photos_never_trap_the_place_question(citizen):
    citizen.say(VIOLENCE)
    asked = 0
    for _ in range(4):
        citizen.send_image(b"bruise")
        asked += "แชร์ตำแหน่ง" in citizen.labels()
    assert asked <= 2


# ---------------------------------------------------------------- 5. who needs help

@pytest.mark.parametrize("story", [
    "ตกงานมาสามเดือน ค่าเทอมลูกยังไม่มีจ่ายเลย",
    "โดนเลิกจ้างค่ะ ลูกสองคนไม่มีนมกิน",
])
def test_a_hardship_self_report_naming_ones_children_is_about_oneself(citizen, db, story):
    # It was filed "บุคคลอื่น (มีผู้แจ้งแทน) · เด็ก": the staff would look for a child alone.
    citizen.say(story)
    answer_until(citizen, "ยืนยัน", topic="hardship")
    assert "ตัวฉันเอง" in citizen.text()
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.subject == "self" and case.subject_age_group != "child"
    assert "ลูก" in case.description  # the children are in the story the staff read


def test_an_english_hardship_self_report_naming_ones_children_is_about_oneself(citizen, db):
    citizen.say("I lost my job and my kids have nothing to eat")
    assert "Someone else" not in citizen.labels()
    db.expire_all()
    assert db.get(Conversation, citizen.user_id).data.get("subject") == "self"


def test_someone_elses_job_loss_is_still_someone_else(citizen, db):
    citizen.say("ลูกสาวตกงานมาสามเดือน ไม่มีเงินจ่ายค่าเช่า")
    answer_until(citizen, "ยืนยัน", topic="hardship")
    citizen.tap("ยืนยัน")
    assert latest_case(db, citizen.user_id).subject == "other"


# ---------------------------------------------------------------- 6. a son who harms his mother

@pytest.mark.parametrize("story", [
    "ลูกชายติดยา ถือมีดขู่จะฆ่าแม่",
    "ลูกชายเมายา กำลังทุบตีพ่ออยู่ ช่วยด้วย",
])
def test_an_adult_son_harming_a_parent_is_no_child_protection(citizen, db, line, story):
    citizen.say(story)
    if "ใช่ อันตรายตอนนี้" in citizen.labels():
        citizen.tap("ใช่ อันตรายตอนนี้")
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.urgency == "emergency"
    assert case.topic != "child_protection" and case.subject_age_group != "child"
    assert line.texts_to(HOTLINE_GROUP)


def test_a_parent_beating_a_child_is_still_child_protection(citizen, db):
    citizen.say("ข้างบ้านกำลังตีลูกอายุ 5 ขวบ เด็กร้องดังมาก ช่วยด้วย")
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.topic == "child_protection"


# ---------------------------------------------------------------- 7. "don't know" in one's own words

@pytest.mark.parametrize("label", ["ผู้ใหญ่ (18-59)", "แชร์ตำแหน่ง", "ไม่สะดวกให้เบอร์"])
@pytest.mark.parametrize("words", ["จำไม่ได้ค่ะ", "บอกไม่ได้ค่ะ", "ม่ายรู้", "idk", "I'm not sure"])
def test_dont_know_in_ones_own_words_is_taken_at_any_question(citizen, label, words):
    # "จำไม่ได้ค่ะ" was "ขอโทษค่ะ ยังไม่เข้าใจ" (and at the phone "เบอร์นี้ดูไม่ถูกต้อง").
    citizen.say("แม่ไม่มีข้าวกิน ไม่มีเงินเลยค่ะ")
    answer_until(citizen, label, topic="elderly_care")
    citizen.say(words)
    assert "ไม่เป็นไร" in citizen.text() or "That's fine" in citizen.text()
    assert label not in citizen.labels()
