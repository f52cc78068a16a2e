"""No trap, honest emergencies, corrections, gentle cancel, phones and attachments (issue 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import taxonomy
from handlers.conversation.reader import reads_as_danger
from handlers.phone import find_phone, format_phone, normalize_phone
from models import Attachment, Conversation
from tests.conftest import HOTLINE_GROUP, PHONE, answer_until, latest_case

STORY = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"
SUICIDE = "ไม่อยากอยู่แล้ว เหนื่อยมาก คืนนี้จะกินยาให้หมดแผงเลย"
CHILD_BEATEN = "ช่วยด้วยค่ะ ข้างบ้านกำลังตีลูกสาวอายุ 6 ขวบ เด็กร้องไห้ดังมาก ตอนนี้ยังตีอยู่เลย"
VIOLENCE = "ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่"
NOT_UNDERSTOOD = ("ได้รับข้อมูลเพิ่มเติมแล้ว", "ยังไม่เข้าใจ")


def state_of(db, citizen) -> str:
    db.expire_all()
    return db.get(Conversation, citizen.user_id).state


@pytest.mark.parametrize("words", ["ไม่สะดวกบอกค่ะ", "ไม่ทราบ", "ไม่รู้ค่ะ", "ข้าม", "skip", "don't know",
                                   "prefer not to say"])
def test_typed_dont_know_at_the_emergency_place_question_moves_on(citizen, db, line, words):
    citizen.say(SUICIDE)
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.say(words)
    text = citizen.text()
    assert "ไม่เป็นไร" in text or "That's fine" in text
    assert "แชร์ตำแหน่ง" not in citizen.labels()  # the place question is not asked again
    assert "ไม่สะดวกให้เบอร์" in citizen.labels()
    case = latest_case(db, citizen.user_id)
    assert any(case.case_no in t and "ไม่ทราบหรือไม่สะดวกบอก" in t for t in line.texts_to(HOTLINE_GROUP))


def test_no_question_is_asked_a_third_time(citizen, db):
    citizen.say(SUICIDE)
    citizen.say("อืม")  # not a place: kept, asked once more
    assert "แชร์ตำแหน่ง" in citizen.labels()
    citizen.say("ก็ไม่รู้สิ จะให้บอกอะไร")  # a second answer that is not a place: move on
    assert "แชร์ตำแหน่ง" not in citizen.labels()
    assert "ไม่สะดวกให้เบอร์" in citizen.labels()


def test_age_group_has_a_dont_know_button_and_reads_a_typed_one(citizen, db):
    citizen.say("มีคนไร้บ้านนอนอยู่หน้าตลาดมาหลายวันแล้ว ดูผอมมาก อยากให้หน่วยงานมารับไปดูแล")
    answer_until(citizen, "ไม่ทราบ", topic="homeless")
    assert {"เด็ก (ต่ำกว่า 18)", "ไม่ทราบ"} <= set(citizen.labels())
    citizen.say("ไม่แน่ใจค่ะ")
    assert "แชร์ตำแหน่ง" in citizen.labels()
    answer_until(citizen, "ยืนยัน", topic="homeless")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.subject_age_group is None and "ช่วงอายุ" in case.description


def test_who_needs_help_offers_prefer_not_to_say(citizen, db):
    # (STORY opens with the writer's own job loss: it is about themself, and not asked.)
    citizen.say("ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี")
    answer_until(citizen, "ไม่สะดวกบอก")
    citizen.tap("ไม่สะดวกบอก")
    assert "ไม่เป็นไร" in citizen.text()
    assert state_of(db, citizen) != "ask_subject"


def test_a_correction_while_the_phone_is_asked_changes_the_place_and_alerts_nobody(citizen, db, line):
    citizen.say(STORY)
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    hotline_before = len(line.texts_to(HOTLINE_GROUP))
    citizen.say("ขอโทษค่ะ พิมพ์ผิด แม่อยู่ซอยลาดพร้าว 101 แขวงคลองจั่น กรุงเทพฯ")
    text = citizen.text()
    assert "แขวงคลองจั่น" in text and "แก้สถานที่" in text
    assert "ไม่สะดวกให้เบอร์" in citizen.labels()  # back to the phone question
    assert len(line.texts_to(HOTLINE_GROUP)) == hotline_before
    assert latest_case(db, citizen.user_id) is None
    citizen.say(PHONE)
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.subdistrict_code == "100601" and case.urgency != "emergency"


def test_a_bare_correction_asks_which_answer(citizen):
    citizen.say(STORY)
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say("ไม่ใช่ค่ะ")
    assert "แก้ข้อไหน" in citizen.text() and "สถานที่" in citizen.labels()


MID_CONVERSATION_SAFE = [
    "ขอโทษค่ะ พิมพ์ผิด แม่อยู่ซอยลาดพร้าว 101 แขวงคลองจั่น กรุงเทพฯ", "ซอยลาดพร้าว 101 แขวงคลองจั่น เขตบางกะปิ",
    "แถวบางกะปิ กรุงเทพ", "บ้านเลขที่ 45 หมู่ 7 ต.แม่เหียะ อ.เมือง จ.เชียงใหม่", "แขวงคลองตัน เขตคลองเตย",
    "เขตบางรัก กทม", "อยู่หน้าเซเว่น ถนนสุขุมวิท 71", "ซอยรามคำแหง 24 แยก 7", "ตำบลท่าศาลา อำเภอเมือง",
    "เปลี่ยนเป็นอำเภอสารภี จังหวัดเชียงใหม่", "ไม่ใช่ค่ะ เบอร์ 089-123-4567", "0812345678", "+44 7700 900123",
    "๐๘๑-๒๓๔-๕๖๗๘", "ขอโทษค่ะ", "ขอโทษที่ตอบช้านะคะ", "ไม่สะดวกบอกค่ะ", "ไม่ใช่ค่ะ คนที่ต้องการความช่วยเหลือคือยาย อายุ 80",
    "ยายอายุ 80 อยู่คนเดียว", "ขอบคุณค่ะ",
]
MID_CONVERSATION_DANGER = [
    "ตอนนี้สามีกำลังเอามีดไล่ฟันหนูอยู่ ช่วยด้วย", "เขากำลังพังประตูห้องน้ำเข้ามาแล้ว มีลูกสองคนอยู่ด้วย",
    "ลูกหมดสติอยู่ที่พื้น ไม่หายใจ", "ยายล้มอยู่ในห้องน้ำ ลุกไม่ได้", "เขาบอกว่าจะฆ่าตัวตายคืนนี้",
    "my husband is hitting me right now", "ถูกขังอยู่ในห้อง ออกไปไม่ได้",
    "ขอสอบถามเรื่องที่แจ้งไว้ค่ะ ตอนนี้เขากำลังพังประตูเข้ามา",
]


@pytest.mark.parametrize("answer", MID_CONVERSATION_SAFE)
def test_places_phones_corrections_and_apologies_are_not_danger(answer):
    assert not reads_as_danger(answer)


@pytest.mark.parametrize("answer", MID_CONVERSATION_DANGER)
def test_danger_written_in_an_answer_is_danger(answer):
    assert reads_as_danger(answer)


def test_an_emergency_without_a_phone_says_plainly_who_cannot_reach_whom(citizen, db, line):
    citizen.say(CHILD_BEATEN)
    citizen.say("แถวบางกะปิ กรุงเทพ")
    case = latest_case(db, citizen.user_id)
    assert case.district_code == "1006"  # เขตบางกะปิ kept, not only the province
    citizen.tap("ไม่สะดวกให้เบอร์")
    text = citizen.text()
    assert "ได้รับข้อมูลครบแล้ว" not in text and "เบอร์ติดต่อ" in text and "แชตนี้" in text
    assert any(a.get("uri") == "tel:1300" for a in citizen.buttons())
    assert case.topic == "child_protection"


def test_an_emergency_pin_reaches_the_hotline_with_coordinates_and_a_map_link(citizen, line):
    citizen.say(VIOLENCE)
    citizen.share_location(13.7563, 100.5018, address="พระนคร กรุงเทพ")
    alerts = "\n".join(line.texts_to(HOTLINE_GROUP))
    assert "13.756300, 100.501800" in alerts and "https://maps.google.com/?q=13.756300,100.501800" in alerts


@pytest.mark.parametrize("words", ["ไม่เอาแล้วค่ะ กลัวสามีรู้", "หยุด", "stop", "ยกเลิกค่ะ"])
def test_stopping_words_cancel_gently_at_any_question(citizen, db, words):
    citizen.say(STORY)
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say(words)
    assert "ยกเลิกแล้ว" in citizen.text()
    assert state_of(db, citizen) == "idle" and latest_case(db, citizen.user_id) is None


def test_stopping_during_an_emergency_keeps_the_case_and_tells_the_hotline(citizen, db, line):
    citizen.say(VIOLENCE)
    citizen.say("ไม่เอาแล้วค่ะ กลัวสามีรู้")
    case = latest_case(db, citizen.user_id)
    assert case.status == "new" and case.case_no in citizen.text()
    assert any(case.case_no in t and "ขอหยุด" in t for t in line.texts_to(HOTLINE_GROUP))
    assert "citizen_stopped_questions" in [h.event for h in case.history]


@pytest.mark.parametrize("typed,stored", [("+44 7700 900123", "+447700900123"), ("๐๘๑-๒๓๔-๕๖๗๘", "0812345678"),
                                          ("02-123-4567", "021234567"), ("+66 81 234 5678", "0812345678")])
def test_phones_thai_landline_thai_digits_and_international(citizen, db, typed, stored):
    citizen.say(STORY)
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say(typed)
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    assert latest_case(db, citizen.user_id).phone == stored


def test_phone_functions():
    assert normalize_phone("+44 7700 900123") == "+447700900123"
    assert format_phone("+447700900123") == "+44 7700 900123"
    assert find_phone("โทรมาที่ 053-123-456 ได้ค่ะ") == "053123456"
    assert normalize_phone("12345") is None and find_phone("ซอย 101 หมู่ 7") is None


def test_a_photo_sent_before_an_emergency_attaches_to_its_case(citizen, db, line):
    citizen.send_image(b"bruise")
    citizen.say(VIOLENCE)
    case = latest_case(db, citizen.user_id)
    assert any(case.case_no in t and "รูปหรือไฟล์" in t for t in line.texts_to(HOTLINE_GROUP))
    db.expire_all()
    photos = db.scalars(select(Attachment).where(Attachment.line_user_id == citizen.user_id)).all()
    assert [p.case_id for p in photos] == [case.id]


def test_a_photo_sent_before_the_story_attaches_to_the_case_it_makes(citizen, db):
    citizen.send_image(b"receipt")
    citizen.say(STORY)
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    db.expire_all()
    photos = db.scalars(select(Attachment).where(Attachment.line_user_id == citizen.user_id)).all()
    assert [p.case_id for p in photos] == [case.id]


def _open_case(citizen, db):
    citizen.say(STORY)
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    return latest_case(db, citizen.user_id)


@pytest.mark.parametrize("words", ["เรื่องที่แจ้งไว้เมื่อวานค่ะ วันนี้ไปเจอยายนอนหมดสติอยู่ที่พื้น",
                                   "ขอสอบถามเรื่องที่แจ้งไว้ค่ะ ตอนนี้เขากำลังพังประตูเข้ามา"])
def test_a_follow_up_with_new_danger_raises_the_open_case_and_alerts_the_hotline(citizen, db, line, words):
    case = _open_case(citizen, db)
    assert case.urgency != "emergency"
    first = citizen.say(words)
    assert first[0]["type"] == "template"  # the numbers first
    raised = latest_case(db, citizen.user_id)
    assert raised.id == case.id and raised.urgency == "emergency"
    assert "urgency_raised" in [h.event for h in raised.history]
    assert any(case.case_no in t and "ฉุกเฉิน" in t for t in line.texts_to(HOTLINE_GROUP))


@pytest.mark.parametrize("words,topic,first_number", [
    ("ตามเรื่องที่แจ้งไว้เมื่อวานเรื่องน้องชายค่ะ ตอนนี้เขาบอกว่าจะกระโดดตึก ยืนอยู่บนดาดฟ้าแล้ว",
     "suicide_risk", "tel:1323"),
    ("ที่เคยแจ้งเรื่องแม่อายุ 78 ไว้ค่ะ ลูกเขยกลับมาตีแม่อีกแล้ว หัวแตกเลือดออก มันยังอยู่ในบ้าน",
     "elderly_care", "tel:1300"),
])
def test_a_follow_up_with_danger_and_no_open_case_is_an_emergency_of_its_own_topic(
        citizen, db, line, words, topic, first_number):
    # A follow-up carries no topic of its own; with no earlier case here to raise, the
    # emergency takes the topic the danger is about (numbers, department), not a default.
    from intents import classify

    assert (classify(words).kind, classify(words).urgency) == ("follow_up", "emergency")
    first = citizen.say(words)
    assert first[0]["type"] == "template"
    assert first[0]["template"]["actions"][0]["uri"] == first_number
    case = latest_case(db, citizen.user_id)
    assert (case.urgency, case.topic) == ("emergency", topic)
    assert any(case.case_no in t for t in line.texts_to(HOTLINE_GROUP))


def test_new_danger_about_someone_else_is_a_new_case(citizen, db, line):
    case = _open_case(citizen, db)
    citizen.say(VIOLENCE)
    new = latest_case(db, citizen.user_id)
    assert new.id != case.id and new.urgency == "emergency"


@pytest.mark.parametrize("question,service", [
    ("ทำบัตรคนพิการต้องใช้เอกสารอะไรบ้างคะ", "disability_card"),
    ("เบี้ยยังชีพผู้สูงอายุสมัครที่ไหน", "old_age_allowance"),
    ("เบี้ยความพิการต้องยื่นที่ไหนคะ", "disability_allowance"),
    ("เงินอุดหนุนเด็กแรกเกิดต้องทำยังไง", "child_support_grant"),
    ("บ้านพักฉุกเฉินอยู่ที่ไหนคะ", "shelter"),
    ("ขอเงินสงเคราะห์ฉุกเฉินได้ไหม", "emergency_relief"),
    ("เงินช่วยค่าทำศพผู้สูงอายุขอยังไง", "funeral_aid"),
])
def test_top_inquiries_are_answered_from_answers_yaml_with_documents_place_and_phone(citizen, question, service):
    from handlers.messages import service_answer

    citizen.say(question)
    answer = service_answer(service)
    assert answer in citizen.text()
    assert "เอกสาร" in answer and ("ยื่นที่" in answer or "ติดต่อ" in answer) and "โทร" in answer


def test_a_follow_up_question_about_the_same_service_stays_with_it(citizen):
    from handlers.messages import service_answer

    citizen.say("ทำบัตรคนพิการต้องใช้เอกสารอะไรบ้างคะ")
    citizen.say("ต้องใช้รูปถ่ายไหมคะ")
    assert service_answer("disability_card") in citizen.text()
    assert "นอกงานของ พม." not in citizen.text()


WHO = [("สามีตีหนูทุกวัน ตอนนี้หนีออกมาอยู่บ้านเพื่อน", "self"), ("ฉันถูกแฟนทำร้ายร่างกาย อยากขอความช่วยเหลือ", "self"),
       ("I am a tourist, I saw a man beating a small child at the market", "other"),
       ("เห็นเด็กถูกพ่อตีที่ตลาด", "other"), ("ข้างบ้านตีลูกทุกคืน", "other"), ("ผมตกงาน ไม่มีเงินซื้อข้าว", "self"),
       ("แม่ฉันอายุ 80 อยู่คนเดียว", "other"), ("my husband hits me every night", "self"),
       ("หนูอายุ 15 ถูกพ่อเลี้ยงทำร้าย", "self"), ("my neighbour is hitting his kids", "other"),
       ("ยายข้างบ้านเป็นอัมพาต", "other"), ("ตัวเองพิการ อยากได้บัตรคนพิการ", "self"),
       ("หนูเห็นพ่อตีแม่ทุกคืน", "other"), ("help, my boyfriend is beating me right now", "self"),
       ("ได้ยินเสียงเด็กร้องไห้ข้างบ้านทุกคืน", "other"), ("สามีขู่ฉันว่าจะฆ่า", "self")]


@pytest.mark.parametrize("text,subject", WHO)
def test_who_needs_help_is_read_from_first_person_and_bystander_messages(text, subject):
    from handlers.replies import subject_of_story
    from intents import classify

    assert (subject_of_story(text) or classify(text).subject) == subject


@pytest.mark.parametrize("text,subject,age", [
    ("I am a tourist, I saw a man beating a small child at the market right now, please help", "other", "child"),
    ("help, my boyfriend is beating me right now, I locked myself in the bathroom", "self", None),
    ("ช่วยด้วย พ่อกำลังตีลูกชายอายุ 8 ขวบ ด้วยเข็มขัด ตอนนี้ยังตีอยู่", "other", "child")])
def test_an_emergency_case_records_who_needs_help(citizen, db, text, subject, age):
    citizen.say(text)
    case = latest_case(db, citizen.user_id)
    assert case.urgency == "emergency" and (case.subject, case.subject_age_group) == (subject, age)
    if age == "child":
        assert case.topic == "child_protection"  # a child beaten by anyone (taxonomy §2)


def test_the_protective_rule_holds_when_the_age_is_answered_in_the_conversation(citizen, db):
    citizen.say("พ่อตีแม่บ่อยมาก อยากให้เจ้าหน้าที่ช่วยดูหน่อย ตอนนี้แยกกันอยู่แล้ว")
    answer_until(citizen, "เด็ก (ต่ำกว่า 18)", topic="domestic_violence")
    citizen.tap("เด็ก (ต่ำกว่า 18)")
    answer_until(citizen, "ยืนยัน", topic="domestic_violence")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.topic == "child_protection" and case.department == taxonomy.department("child_protection")


@pytest.mark.parametrize("at", ["ยินยอม", "ยืนยัน"])
def test_a_typed_phone_correction_at_consent_or_summary_changes_the_phone(citizen, db, at):
    citizen.say(STORY)
    answer_until(citizen, at)
    citizen.say("ขอโทษค่ะ เบอร์พิมพ์ผิด เปลี่ยนเป็น 089-999-1234")
    assert "แก้เบอร์ติดต่อเป็น 089-999-1234" in citizen.text()
    assert at in citizen.labels()  # the same question again, with the new number
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    assert latest_case(db, citizen.user_id).phone == "0899991234"


def test_a_pin_before_the_emergency_is_in_the_first_hotline_alert(citizen, line):
    citizen.share_location(13.7563, 100.5018)
    citizen.say(VIOLENCE)
    assert any("https://maps.google.com/?q=13.756300,100.501800" in t for t in line.texts_to(HOTLINE_GROUP))


def test_unsure_about_consent_is_explained_once_not_taken_as_a_no(citizen, db):
    citizen.say(STORY)
    answer_until(citizen, "ยินยอม")
    citizen.say("ไม่แน่ใจค่ะ")
    assert "เฉพาะหน่วยงาน" in citizen.text() and "ยินยอม" in citizen.labels()
    citizen.tap("ยินยอม")
    citizen.tap("ยืนยัน")
    assert latest_case(db, citizen.user_id) is not None
