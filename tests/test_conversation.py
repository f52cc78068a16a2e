"""Scripted conversations through the real webhook, worker and fake LINE platform."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

import taxonomy
from handlers.messages import topic_label
from models import Attachment, Contact, Conversation, utcnow
from tests.conftest import (
    FALLBACK_GROUP,
    HOTLINE_GROUP,
    PHONE,
    PLACE_CODE,
    answer_questions,
    answer_until,
    latest_case,
)

TOPIC_STORIES = [
    ("child_protection", "ครูสังเกตว่านักเรียนอายุ 9 ขวบมีรอยช้ำตามแขนบ่อยๆ สงสัยว่าถูกทำร้ายที่บ้าน อยากให้เจ้าหน้าที่เข้าไปตรวจสอบ"),
    ("child_support", "ลูกเพิ่งคลอดได้ 2 เดือน ครอบครัวรายได้น้อยมาก อยากให้ช่วยเรื่องเงินอุดหนุนเด็กแรกเกิดและนมลูกค่ะ"),
    ("elderly_care", "ตาข้างบ้านเป็นอัมพาต ลูกหลานไม่มาดูแลเลย"),
    ("elderly_benefits", "ยายอายุ 65 แล้วยังไม่ได้ลงทะเบียนเบี้ยยังชีพผู้สูงอายุ อยากให้เจ้าหน้าที่ช่วยดำเนินการให้ค่ะ"),
    ("disability", "น้องชายพิการขาเดินไม่ได้ ยังไม่มีบัตรคนพิการ อยากให้เจ้าหน้าที่ช่วยทำบัตรและขอรถเข็นให้"),
    ("domestic_violence", "สามีดื่มเหล้าแล้วทุบตีหนูบ่อยๆ ตอนนี้หนีมาอยู่บ้านแม่แล้วปลอดภัยดี อยากได้คำปรึกษาเรื่องขอความคุ้มครอง"),
    ("women_family", "เป็นแม่เลี้ยงเดี่ยว สามีทิ้งไป ไม่ส่งค่าเลี้ยงดูลูกเลย อยากได้คำปรึกษาและความช่วยเหลือค่ะ"),
    ("homeless", "มีคนไร้บ้านนอนอยู่หน้าตลาดมาหลายวันแล้ว ดูผอมมาก อยากให้หน่วยงานมารับไปดูแล"),
    ("hardship", "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"),
]


@pytest.mark.parametrize("topic,story", TOPIC_STORIES, ids=[t[0] for t in TOPIC_STORIES])
def test_each_topic_ends_in_the_right_case_department_centre_and_notification(
        citizen, db, line, topic, story):
    department = taxonomy.department(topic)
    citizen.say(story)
    answer_questions(citizen, topic=topic)
    case = latest_case(db, citizen.user_id)
    assert case is not None, citizen.text()
    assert (case.topic, case.department) == (topic, department)
    assert case.subdistrict_code == PLACE_CODE and case.province_code == "50"
    assert case.center_id == f"TC-{PLACE_CODE}"
    assert case.phone == "0812345678"
    assert case.consent_given is True and case.consent_notice_version
    assert case.case_no in citizen.text()
    staff = "\n".join(line.texts_to(FALLBACK_GROUP))
    assert case.case_no in staff
    assert "0812345678" not in staff and "081-234-5678" not in staff  # no phone in group notices
    events = [h.event for h in case.history]
    assert events[:3] == ["created", "routed", "centre_notified"]


EMERGENCIES = [
    ("trafficking", "ช่วยด้วย ถูกหลอกมาทำงานที่โรงงาน ถูกยึดพาสปอร์ต ขังไว้ไม่ให้ออกไปไหน"),
    ("suicide_risk", "ไม่อยากอยู่แล้ว เหนื่อยมาก คืนนี้จะกินยาให้หมดแผงเลย"),
    ("domestic_violence", "ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่"),
    ("elderly_care", "ยายอยู่คนเดียว ล้มในห้องน้ำตั้งแต่เมื่อวาน ลุกไม่ได้ ไม่มีใครอยู่ด้วยเลย"),
]


@pytest.mark.parametrize("topic,story", EMERGENCIES, ids=[e[0] for e in EMERGENCIES])
def test_emergency_alerts_hotline_before_any_question(citizen, db, line, topic, story):
    department = taxonomy.department(topic)
    first = citizen.say(story)
    # The first thing the citizen sees: the emergency numbers as call buttons.
    assert first[0]["type"] == "template"
    uris = [a["uri"] for a in first[0]["template"]["actions"]]
    assert "tel:1300" in uris and "tel:191" in uris and "tel:1669" in uris
    if topic == "suicide_risk":
        assert uris[0] == "tel:1323"
    # The hotline already has the alert, before the citizen answered anything.
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.urgency == "emergency"
    assert (case.topic, case.department) == (topic, department)
    alerts = line.texts_to(HOTLINE_GROUP)
    assert any(case.case_no in a and "ฉุกเฉิน" in a for a in alerts)
    # Then only what reaches the person: where, and a number.
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.share_location(13.618, 100.694, address="บางพลีใหญ่ บางพลี สมุทรปราการ")
    assert "ไม่สะดวกให้เบอร์" in citizen.labels()
    citizen.say(PHONE)
    case = latest_case(db, citizen.user_id)
    assert case.details_complete and case.phone == "0812345678"
    assert case.center_id == "TC-110301"
    assert case.legal_basis == "vital_interest"
    assert any("0812345678" in a or "081-234-5678" in a for a in line.texts_to(HOTLINE_GROUP))


def test_location_pin_resolves_to_nearest_centre(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", place="")  # stops at the place question
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.share_location(13.618, 100.694, address="บางพลีใหญ่ บางพลี สมุทรปราการ")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case.subdistrict_code == "110301" and case.center_id == "TC-110301"
    assert case.latitude == pytest.approx(13.618)


def test_pin_outside_thailand_is_kept_with_its_coordinates_and_the_case_goes_to_central_intake(citizen, db):
    # A Thai stranded across the border is still heard: no Thai centre covers the pin, so the
    # department's central team gets the case with the coordinates.
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", place="")
    citizen.share_location(35.68, 139.76)
    assert "นอกเขตตำบลของไทย" in citizen.text() and "สถานทูต" in citizen.text()
    assert "แชร์ตำแหน่ง" not in citizen.labels()
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case.province_code is None and case.center_id == "DEPT-DSDW"
    assert case.latitude == pytest.approx(35.68) and case.longitude == pytest.approx(139.76)
    assert "นอกประเทศไทย" in case.place_text


def test_ambiguous_place_asks_the_citizen_to_choose(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", place="ต.หนองบัว")
    assert "หลายที่" in citizen.text()
    options = [b for b in citizen.buttons() if b["type"] == "postback" and "a=place&" in b["data"]]
    assert len(options) >= 2
    citizen.postback(options[1]["data"])
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.subdistrict_code and case.place_text


def test_province_only_routes_to_the_provincial_office(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", place="จังหวัดขอนแก่น")
    case = latest_case(db, citizen.user_id)
    assert case.province_code == "40" and case.subdistrict_code is None
    assert case.center_id == "PSO-40"


def test_unknown_place_goes_to_the_department_intake(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", place="")
    citizen.tap("ไม่ทราบ")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case.province_code is None and case.center_id == "DEPT-DSDW"


def test_answers_given_early_are_not_asked_again(citizen, db):
    citizen.say("ยายอายุ 80 อยู่คนเดียวที่ ต.แม่เหียะ อ.เมือง จ.เชียงใหม่ ไม่มีคนดูแลเลย "
                "ติดต่อกลับ 081-234-5678 นะคะ")
    asked = []
    for _ in range(8):
        labels = citizen.labels()
        asked += labels
        if "ยืนยัน" in labels:
            break
        answer_questions(citizen, topic="elderly_care", max_steps=1)
    assert "แชร์ตำแหน่ง" not in asked and "ไม่สะดวกให้เบอร์" not in asked
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.subdistrict_code == PLACE_CODE and case.phone == "0812345678"


@pytest.mark.parametrize("how", ["button", "typed", "english"])
def test_cancel_works_at_any_step(citizen, db, how):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", place="")
    if how == "button":
        citizen.tap("ยกเลิก")
    else:
        citizen.say("ยกเลิก" if how == "typed" else "cancel")
    assert "ยกเลิก" in citizen.text()
    assert latest_case(db, citizen.user_id) is None
    db.expire_all()
    conv = db.get(Conversation, citizen.user_id)
    # Only what "เปลี่ยนใจค่ะ ขอแจ้งต่อ" needs, for a short while (start.RESUME_MINUTES).
    assert conv.state == "idle" and set(conv.data) == {"cancelled"}
    assert set(conv.data["cancelled"]) == {"at", "state", "data", "case_id"}
    citizen.say("สวัสดีค่ะ")  # any other message: it is gone
    db.expire_all()
    assert "cancelled" not in db.get(Conversation, citizen.user_id).data


def test_citizen_can_correct_an_answer_before_confirming(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_until(citizen, "ยืนยัน", topic="hardship")
    citizen.tap("แก้ไข")
    citizen.tap("เบอร์โทร")
    citizen.say("02-123-4567")
    assert "02-123-4567" in citizen.text()
    citizen.tap("ยืนยัน")
    assert latest_case(db, citizen.user_id).phone == "021234567"


def test_invalid_phone_is_asked_again_and_can_be_declined(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say("12345")
    assert "ไม่ถูกต้อง" in citizen.text()
    citizen.tap("ไม่สะดวกให้เบอร์")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.phone is None


@pytest.mark.parametrize("typed", ["0812345", "081-234-56", "เบอร์ 0812 3456 ค่ะ"])
def test_a_rejected_number_is_not_kept_as_part_of_the_story(citizen, db, line, typed):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say(typed)
    assert "ไม่ถูกต้อง" in citizen.text()
    citizen.say(typed)  # twice: the question gives up and moves on
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    assert case.phone is None and typed not in case.description and "234" not in case.description


def test_a_rejected_number_in_an_emergency_is_not_sent_as_more_details(citizen, db, line):
    citizen.say("ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่")
    citizen.share_location(13.618, 100.694, address="บางพลีใหญ่ บางพลี สมุทรปราการ")
    citizen.say("0812345")
    assert "ไม่ถูกต้อง" in citizen.text()
    case = latest_case(db, citizen.user_id)
    assert "0812345" not in case.description
    assert not any("0812345" in t for t in line.texts_to(HOTLINE_GROUP))


def test_declining_consent_shares_nothing(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_until(citizen, "ไม่ยินยอม", topic="hardship")
    citizen.tap("ไม่ยินยอม")
    assert "1300" in citizen.text()
    assert latest_case(db, citizen.user_id) is None


def test_idle_conversation_expires_politely(citizen, db, runtime, worker):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    with runtime.transaction() as s:
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                  .values(updated_at=utcnow() - timedelta(minutes=31)))
    worker.run_until_idle()
    pushed = citizen.line.texts_to(citizen.user_id)[-1]
    assert "หมดเวลา" in pushed
    db.expire_all()
    assert db.get(Conversation, citizen.user_id).state == "idle"


def test_text_not_understood_in_a_question_gets_help_not_silence(citizen):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", max_steps=1)  # now at the next question
    citizen.say("อืม")
    assert citizen.last and citizen.labels()


def test_follow_greets_with_privacy_notice_and_menu(citizen):
    citizen.follow()
    text = citizen.text()
    assert "พม." in text and "ความเป็นส่วนตัว" in text
    labels = citizen.labels()
    assert labels[:3] == ["ขอความช่วยเหลือ", "ติดตามเรื่อง", "สอบถามข้อมูล"]
    assert any(b.get("uri") == "tel:1300" for b in citizen.buttons())


def test_follow_up_shows_the_latest_case_status(citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    citizen.tap("ติดตามเรื่อง")
    assert case.case_no in citizen.text() and "สถานะ" in citizen.text()
    citizen.say(f"ขอตามเรื่อง {case.case_no} ค่ะ")
    assert case.case_no in citizen.text()


def test_follow_up_of_someone_elses_case_reveals_nothing(citizen, make_citizen, db):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship")
    case = latest_case(db, citizen.user_id)
    other = make_citizen()
    other.say(f"ตามเรื่อง {case.case_no}")
    assert "ไม่พบ" in other.text() and "สถานะ" not in other.text()


def test_inquiry_gets_an_answer_and_an_offer(citizen, db):
    citizen.say("เบี้ยผู้สูงอายุต้องใช้เอกสารอะไรบ้างคะ ลงทะเบียนที่ไหน")
    assert "บัตรประชาชน" in citizen.text()
    assert "แจ้งขอความช่วยเหลือ" in citizen.labels()
    assert latest_case(db, citizen.user_id) is None


def test_complaint_is_routed_to_the_provincial_office(citizen, db):
    citizen.say("ร้องเรียนเจ้าหน้าที่ พมจ. พูดจาไม่สุภาพ ไปยื่นเรื่องเงินสงเคราะห์แล้วโดนไล่กลับ")
    answer_questions(citizen, topic="hardship", place="จ.ขอนแก่น")
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.kind == "complaint"
    assert case.center_id == "PSO-40"


@pytest.mark.parametrize("words", ["เจ้าหน้าที่พูดจาไม่สุภาพ ตะคอกใส่ แล้วไม่รับเรื่อง",
                                   "ไปติดต่อศูนย์ช่วยเหลือสังคมตำบลแล้ว เจ้าหน้าที่ไม่สนใจ ไล่กลับบ้าน"])
def test_a_complaint_about_a_centre_never_goes_to_that_centre(citizen, db, line, words):
    citizen.say(words)
    answer_until(citizen, "ยืนยัน", topic="hardship")
    assert "ร้องเรียน" in citizen.text()  # the summary says it is a complaint
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.kind == "complaint" and case.center_id == "PSO-50"  # PLACE is a tambon of Chiang Mai
    assert not case.center_id.startswith("TC-")
    assert any(case.case_no in t and "ร้องเรียน" in t for t in line.texts_to(FALLBACK_GROUP))


@pytest.mark.parametrize("words,kind", [
    ("สวัสดีค่ะ", "chitchat"),
    ("ขอบคุณมากค่ะ", "chitchat"),
    ("อยากให้มีเจ้าหน้าที่ตอบแชตตอนกลางคืนด้วย จะดีมากเลยค่ะ", "suggestion"),
    ("ทดสอบๆ 555 บอทโง่ว่ะ", "prank"),
])
def test_short_kinds_get_a_polite_answer_and_are_recorded(citizen, db, words, kind):
    citizen.say(words)
    assert citizen.text() and citizen.labels()
    db.expire_all()
    contact = db.scalar(select(Contact).where(Contact.line_user_id == citizen.user_id))
    assert contact.kind == kind
    assert (contact.text is not None) == (kind == "suggestion")  # only suggestions keep words
    assert latest_case(db, citizen.user_id) is None


def test_english_message_gets_english_answers(citizen, db):
    citizen.say("My neighbour is an old man, bedridden, and nobody takes care of him")
    assert citizen.last
    assert all(not any("\u0e00" <= ch <= "\u0e7f" for ch in m.get("text", "")) for m in citizen.last
               if m["type"] == "text")


def test_photo_is_kept_with_the_open_case(citizen, db, worker):
    citizen.say("ยายอยู่คนเดียว ล้มในห้องน้ำตั้งแต่เมื่อวาน ลุกไม่ได้ ไม่มีใครอยู่ด้วยเลย")
    citizen.send_image(b"\x89PNG-photo-bytes")
    assert "ได้รับไฟล์" in citizen.text()
    case = latest_case(db, citizen.user_id)
    attachment = db.scalar(select(Attachment).where(Attachment.case_id == case.id))
    assert attachment.status == "stored" and attachment.content == b"\x89PNG-photo-bytes"


def test_sticker_gets_a_friendly_nudge(citizen):
    citizen._exchange(lambda: citizen.webhook.send_sticker(citizen.user_id))
    assert citizen.labels()


UNSURE = "ครูสังเกตว่านักเรียนอายุ 9 ขวบมีรอยช้ำตามแขนบ่อยๆ สงสัยว่าถูกทำร้ายที่บ้าน อยากให้เจ้าหน้าที่เข้าไปตรวจสอบ"


def _asked_about_danger(runtime, citizen) -> list[dict]:
    """Start a problem the classifier is unsure is an emergency (whatever today's model reads)."""
    from handlers.conversation.start import start_problem
    from handlers.events import conversation_for
    from handlers.turn import Input, Turn
    from intents import Classification

    cls = Classification(kind="problem", topic="child_protection", urgency="normal", department="DCY",
                         confidence=0.9, kind_confidence=0.9, alternatives=(), emergency_uncertain=True,
                         language="th", age_group="child", subject="other")
    with runtime.transaction() as s:
        conv = conversation_for(s, citizen.user_id)
        turn = Turn(s, runtime.settings, conv, citizen.user_id, utcnow())
        conv.state, conv.updated_at = start_problem(turn, Input("text", text=UNSURE), cls), utcnow()
        return turn.replies


def test_unsure_danger_shows_numbers_first_and_asks_once(citizen, db, line, runtime):
    replies = _asked_about_danger(runtime, citizen)
    assert replies[0]["type"] == "template"  # the numbers come before the question
    assert [i["action"]["label"] for i in replies[-1]["quickReply"]["items"]][0] == "ใช่ อันตรายตอนนี้"
    citizen.postback("a=danger&v=yes")
    case = latest_case(db, citizen.user_id)
    assert case.urgency == "emergency" and case.topic == "child_protection"
    assert any(case.case_no in t for t in line.texts_to(HOTLINE_GROUP))


def test_unanswered_danger_question_becomes_an_emergency(citizen, db, line, runtime, worker):
    _asked_about_danger(runtime, citizen)
    assert latest_case(db, citizen.user_id) is None
    with runtime.transaction() as s:
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                  .values(updated_at=utcnow() - timedelta(minutes=4)))
    worker.run_until_idle()
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.urgency == "emergency"
    assert any(case.case_no in t for t in line.texts_to(HOTLINE_GROUP))
    assert any(case.case_no in t for t in line.texts_to(citizen.user_id))


def test_unclear_topic_offers_the_likely_topics_as_buttons(runtime):
    from handlers import conversation as flow
    from handlers.conversation.answers import chose_topic
    from handlers.conversation.start import start_problem
    from handlers.events import conversation_for
    from handlers.turn import Input, Turn
    from intents import Classification

    unsure = Classification(kind="problem", topic="hardship", urgency="normal", department="DSDW",
                            confidence=0.3, kind_confidence=0.9,
                            alternatives=(("child_support", 0.25), ("homeless", 0.2)),
                            emergency_uncertain=False, language="th", age_group=None, subject=None)
    with runtime.transaction() as s:
        turn = Turn(s, runtime.settings, conversation_for(s, "U" + "1" * 32), "U" + "1" * 32, utcnow())
        state = start_problem(turn, Input("text", text="เดือดร้อนมาก"), unsure)
        labels = [i["action"]["label"] for i in turn.replies[-1]["quickReply"]["items"]]
        assert state == flow.CHOOSE_TOPIC
        assert labels[:3] == [topic_label("hardship"), topic_label("child_support"), topic_label("homeless")]
        assert "อื่นๆ" in labels
        turn.replies.clear()
        assert chose_topic(turn, Input("postback", action="topic", params={"v": "homeless"})) == flow.ASK_SUBJECT
        assert turn.data["topic"] == "homeless"


@pytest.mark.parametrize("words,script", [
    ("ကျွန်တော့်ကို ကူညီပါ အလုပ်ရှင်က ပိတ်ထားတယ်", "အကူအညီ"), ("ຊ່ວຍແດ່ ນາຍຈ້າງຂັງໄວ້", "ກຳລັງມີຄົນມາຊ່ວຍ"),
    ("សូមជួយខ្ញុំ ថៅកែយកលិខិតឆ្លងដែន", "ជំនួយកំពុងមក")])
def test_danger_in_burmese_lao_khmer_is_an_emergency_for_the_hotline_and_atp(citizen, db, line, words, script):
    first = citizen.say(words)
    assert first[0]["type"] == "template"  # the numbers first
    assert script in citizen.text()  # one line in the writer's script: help is coming, share a location
    case = latest_case(db, citizen.user_id)
    assert (case.urgency, case.topic) == ("emergency", "trafficking")
    assert case.department == taxonomy.department("trafficking")  # the anti-trafficking division
    assert any(case.case_no in t for t in line.texts_to(HOTLINE_GROUP))
    assert "แชร์ตำแหน่ง" in citizen.labels()


def test_wanting_to_die_in_lao_is_a_suicide_risk_emergency_with_the_mental_health_line(citizen, db, line):
    first = citizen.say("ຂ້ອຍຢາກຕາຍ ບໍ່ມີໃຜຊ່ວຍ")
    assert first[0]["type"] == "template"  # the numbers first
    assert "1323" in citizen.text() and "ກຳລັງມີຄົນມາຊ່ວຍ" in citizen.text()
    case = latest_case(db, citizen.user_id)
    assert (case.urgency, case.topic) == ("emergency", "suicide_risk")
    assert any(case.case_no in t for t in line.texts_to(HOTLINE_GROUP))


@pytest.mark.parametrize("words,script", [("မင်္ဂလာပါ အလုပ်အကြောင်း မေးချင်လို့ပါ", "စကားပြန်"),
                                          ("ສະບາຍດີ ຢາກຖາມເລື່ອງວຽກ", "ລ່າມ"), ("សួស្តី ខ្ញុំចង់សួរ", "អ្នកបកប្រែ")])
def test_other_messages_in_those_scripts_open_a_callback_with_an_interpreter(citizen, db, words, script):
    citizen.say(words)
    case = latest_case(db, citizen.user_id)
    assert case is not None and "ล่าม" in case.description
    assert script in citizen.text() and case.case_no in citizen.text()
    citizen.say(words)  # a second message joins the same case
    assert latest_case(db, citizen.user_id).id == case.id


def test_every_button_label_fits_lines_limit():
    import yaml

    from handlers.messages import HERE, LABEL_MAX

    texts = yaml.safe_load(open(HERE / "texts.yaml", encoding="utf-8"))
    button_keys = ["menu_help", "menu_follow", "menu_info", "menu_call", "danger_yes", "danger_no",
                   "topic_other", "subject_self", "subject_other", "age_child", "age_adult",
                   "age_elderly", "share_location", "place_unknown", "place_none_of_these",
                   "phone_decline", "consent_yes", "consent_no", "confirm", "edit", "cancel",
                   "edit_subject", "edit_place", "edit_phone", "edit_topic", "open_case",
                   "no_thanks", "staff_ack_button", "age_unknown", "subject_unknown"]
    too_long = [(t.name, label) for t in taxonomy.topics().values()
                for label in (t.label_th, t.label_en) if len(label) > LABEL_MAX]
    too_long += [(k, t) for k in button_keys for t in texts[k].values() if len(t) > LABEL_MAX]
    assert too_long == []


@pytest.mark.parametrize("at", ["place", "phone", "confirm"])
def test_emergency_written_in_the_middle_of_questions_switches_to_the_emergency_path(citizen, db, line, at):
    citizen.say("ตาข้างบ้านเป็นอัมพาต ลูกหลานไม่มาดูแลเลย")
    stop_at = {"place": "แชร์ตำแหน่ง", "phone": "ไม่สะดวกให้เบอร์", "confirm": "ยืนยัน"}[at]
    answer_until(citizen, stop_at, topic="elderly_care")
    first = citizen.say("ช่วยด้วย ตอนนี้ลูกชายเขาเมามาทุบตีตาอยู่ เลือดออกเต็มหัวเลย")
    assert first[0]["type"] == "template"
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.urgency == "emergency"
    assert "อัมพาต" in case.description and "ทุบตี" in case.description
    assert any(case.case_no in t for t in line.texts_to(HOTLINE_GROUP))


def test_phone_given_in_an_emergency_reaches_the_hotline_but_not_the_centre_group(citizen, db, line):
    citizen.say("ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่")
    citizen.share_location(13.618, 100.694, address="บางพลีใหญ่ บางพลี สมุทรปราการ")
    citizen.say(PHONE)
    assert any("081-234-5678" in t for t in line.texts_to(HOTLINE_GROUP))
    centre = "\n".join(line.texts_to(FALLBACK_GROUP))
    assert "0812345678" not in centre and "081-234-5678" not in centre
    assert "สามี" not in centre and "มีด" not in centre


def test_photo_sent_during_a_question_is_kept_and_the_question_asked_again(citizen):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_questions(citizen, topic="hardship", place="")
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.send_image()
    assert "ได้รับไฟล์" in citizen.text() and "แชร์ตำแหน่ง" in citizen.labels()


@pytest.mark.parametrize("field,button,answer,check", [
    ("place", "สถานที่", "จังหวัดขอนแก่น", lambda case: case.center_id == "PSO-40"),
    ("subject", "ผู้ขอความช่วยเหลือ", None, lambda case: case.subject == "self"),
    ("topic", "เรื่อง", None, lambda case: case.topic == "homeless"),
])
def test_each_answer_can_be_corrected_from_the_summary(citizen, db, field, button, answer, check):
    citizen.say("ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_until(citizen, "ยืนยัน", topic="hardship")
    citizen.tap("แก้ไข")
    citizen.tap(button)
    if field == "place":
        citizen.say(answer)
    elif field == "subject":
        citizen.tap("ตัวฉันเอง")
    else:
        citizen.tap(topic_label("homeless"))
    assert "ยืนยัน" in citizen.labels()  # straight back to the summary
    citizen.tap("ยืนยัน")
    assert check(latest_case(db, citizen.user_id))


def test_a_vague_problem_over_the_webhook_is_asked_about_not_guessed(citizen):
    # Nothing in the words says which department: the classifier is unsure, and the bot
    # offers the likely topics as buttons instead of routing on a guess.
    from intents import classify

    text = "บ้านเรามีปัญหาหลายอย่าง อยากให้ช่วยดูหน่อยครับ"
    assert classify(text).confidence < 0.6
    citizen.say(text)
    labels = citizen.labels()
    assert "อื่นๆ" in labels
    assert topic_label(classify(text).topic) in labels


def test_a_loan_sharks_threats_go_to_the_welfare_department_not_family_violence(citizen, db):
    citizen.say("เจ้าหนี้นอกระบบขู่จะทำร้ายลูกเมียผม ดอกโหดมาก จ่ายไม่ไหวแล้ว")
    answer_questions(citizen, age="ผู้ใหญ่")
    case = latest_case(db, citizen.user_id)
    assert case.topic == "hardship" and case.department == taxonomy.department("hardship")


@pytest.mark.parametrize("story,about", [
    ("เจ้าหน้าที่ศูนย์พูดจาไม่สุภาพ ตะคอกใส่ผม อยากร้องเรียนครับ", "เรื่อง: ร้องเรียน\n"),
    ("ร้องเรียนค่ะ ขอเงินช่วยเหลือฉุกเฉินไปสามเดือน เจ้าหน้าที่ไม่สนใจเลย",
     "เรื่อง: ร้องเรียน · เดือดร้อนค่าครองชีพ\n"),
])
def test_a_complaint_summary_names_no_topic_it_does_not_have_and_asks_no_one_in_need(citizen, story, about):
    citizen.say(story)
    answer_until(citizen, "ยืนยัน")
    assert about in citizen.text()
    assert "ผู้ต้องการความช่วยเหลือ" not in citizen.text()


def test_a_mother_with_her_baby_on_the_street_is_a_homeless_family_with_the_child_noted(citizen, db):
    citizen.say("แม่ลูกอ่อนนอนข้างถนน")
    answer_questions(citizen)
    case = latest_case(db, citizen.user_id)
    assert case.topic == "homeless" and case.department == taxonomy.department("homeless")
    assert case.subject_age_group == "child"


def _cases_of(db, user_id):
    from models import Case

    db.expire_all()
    return db.scalars(select(Case).where(Case.reporter_line_user_id == user_id)).all()


def test_a_migrant_writing_again_during_the_emergency_questions_is_answered_in_their_script(citizen, db):
    citizen.say("ကျွန်တော့်ကို ကူညီပါ အလုပ်ရှင်က ပိတ်ထားတယ်")
    citizen.say("ကျွန်တော် အလုပ်ရှင်အိမ်မှာ ရှိတယ်")  # "I am at the employer's house"
    assert "အကူအညီ လာနေပါပြီ" in citizen.text()  # help is coming, share a location: in Burmese
    assert "แชร์ตำแหน่ง" in citizen.labels() and len(_cases_of(db, citizen.user_id)) == 1


@pytest.mark.parametrize("again,script", [("ကူညီပါ", "အကူအညီ လာနေပါပြီ"), ("ကျွန်တော် ကြောက်တယ်", "စကားပြန်")])
def test_a_migrant_writing_again_after_the_emergency_joins_the_open_case_in_their_script(citizen, db, line,
                                                                                          again, script):
    citizen.say("ကျွန်တော့်ကို ကူညီပါ အလုပ်ရှင်က ပိတ်ထားတယ်")
    citizen.share_location(13.618, 100.694)
    citizen.tap("ไม่สะดวกให้เบอร์")
    case = latest_case(db, citizen.user_id)
    citizen.say(again)
    assert script in citizen.text() and case.case_no in citizen.text()
    assert [k.case_no for k in _cases_of(db, citizen.user_id)] == [case.case_no]
    assert again in latest_case(db, citizen.user_id).description
