"""Conversations from a second independent trial (session 9): a tester who had not seen the
code drove 231 conversations, mostly typing instead of tapping; each test is one harm found,
through the real webhook and worker."""
from __future__ import annotations

import pytest

from tests.conftest import HOTLINE_GROUP, answer_until, latest_case

PLACE = "ต.ในเมือง อ.เมือง จ.ขอนแก่น"
PHONE = "0812345678"


def hotline(line) -> str:
    return "\n".join(line.texts_to(HOTLINE_GROUP))


@pytest.mark.parametrize(("answer", "topic", "words"), [
    ("สามีกำลังตีหนูอยู่", "domestic_violence", "สามีกำลังตีหนู"),
    ("แม่อายุ 80 ล้มในห้องน้ำ ลุกไม่ได้", "elderly_care", "ล้มในห้องน้ำ"),
    ("ใช่ค่ะ ลูกสาวถูกแฟนขังไว้ในห้อง", None, "ขังไว้ในห้อง"),
])
def test_what_is_typed_at_the_danger_question_reaches_the_case_and_the_hotline(
        citizen, db, line, answer, topic, words):
    # It was dropped: the alert said "เดือดร้อนค่าครองชีพ … สิ่งที่แจ้ง: ช่วยด้วย".
    citizen.say("ช่วยด้วย")
    citizen.say(answer)
    case = latest_case(db, citizen.user_id)
    assert case.urgency == "emergency" and words in case.description
    assert words in hotline(line)
    if topic:
        assert case.topic == topic


def test_a_place_typed_at_the_danger_question_fills_the_place(citizen, db, line):
    citizen.say("ช่วยด้วย")
    citizen.say(f"อยู่ {PLACE}")
    case = latest_case(db, citizen.user_id)
    assert case.province_code == "40"
    assert "แชร์ตำแหน่ง" not in citizen.labels()  # not asked again


def test_a_carers_thought_of_dying_at_the_danger_question_is_suicide_risk(citizen, db):
    citizen.say("แม่ติดเตียงมา 2 ปีแล้วค่ะ หนูดูแลคนเดียว ลาออกจากงานมาดูแล ตอนนี้ไม่ไหวแล้ว เครียดมาก")
    citizen.say("บางทีก็คิดอยากตายเหมือนกัน")
    case = latest_case(db, citizen.user_id)
    assert case.topic == "suicide_risk" and "1323" in citizen.text()


def test_not_in_danger_with_more_words_is_safe_and_the_rest_is_kept(citizen, db, line):
    citizen.say("แม่ติดเตียงมา 2 ปีแล้วค่ะ หนูดูแลคนเดียว ลาออกจากงานมาดูแล ตอนนี้ไม่ไหวแล้ว เครียดมาก")
    citizen.say("ไม่ค่ะ ไม่อันตราย แค่เหนื่อยมาก")
    assert not line.texts_to(HOTLINE_GROUP)
    assert latest_case(db, citizen.user_id) is None  # the ordinary questions go on


def test_not_in_danger_and_a_question_gets_the_answer(citizen, line):
    citizen.say("ช่วยด้วย")
    citizen.say("ไม่ได้อันตรายค่ะ แค่อยากถามเรื่องเบี้ยคนชรา")
    assert not line.texts_to(HOTLINE_GROUP)
    assert "เบี้ยยังชีพผู้สูงอายุ" in citizen.text()


def test_but_no_with_danger_after_it_is_still_danger(citizen, db, line):
    citizen.say("ช่วยด้วย")
    citizen.say("ไม่ค่ะ แต่ตาล้มลุกไม่ได้")
    assert latest_case(db, citizen.user_id).urgency == "emergency"


def test_a_wish_to_die_that_begins_with_dont_know_at_the_phone_question_is_danger(citizen, db, line):
    # "ไม่รู้จะอยู่ไปทำไมแล้ว" was read as "don't know (my number)": no 1323, no alert.
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say("ไม่รู้จะอยู่ไปทำไมแล้ว")
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.topic == "suicide_risk" and case.urgency == "emergency"
    assert "1323" in citizen.text() and line.texts_to(HOTLINE_GROUP)


def _filed_case(citizen, story="สามีชอบด่า ชอบตีเวลาเมา อยากปรึกษาว่าจะทำยังไงดีค่ะ"):
    citizen.say(story)
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")


def test_danger_soon_after_a_case_raises_that_case_with_its_place_and_phone(citizen, db, line):
    # It opened a second, empty emergency case: "สถานที่: ไม่ทราบ · เบอร์ติดต่อ: ไม่ได้ให้ไว้".
    _filed_case(citizen)
    first = latest_case(db, citizen.user_id)
    citizen.say("เขาพังประตูเข้ามาแล้ว ช่วยด้วย")
    db.expire_all()
    case = latest_case(db, citizen.user_id)
    assert case.id == first.id and case.urgency == "emergency"
    alert = hotline(line)
    assert "เขาพังประตูเข้ามาแล้ว" in alert and "081-234-5678" in alert
    assert "แชร์ตำแหน่ง" not in citizen.labels()


def test_details_after_an_emergency_join_it_and_reach_the_hotline(citizen, db, line):
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู")
    citizen.say(PLACE)
    citizen.say(PHONE)
    first = latest_case(db, citizen.user_id)
    citizen.say("หนูหลบอยู่ในห้องน้ำชั้นสอง บ้านสีฟ้า ซอย 5")
    db.expire_all()
    assert latest_case(db, citizen.user_id).id == first.id
    assert "ห้องน้ำชั้นสอง" in hotline(line)
    assert "1300" in citizen.text()


def test_a_corrected_phone_after_an_emergency_replaces_the_number_and_tells_the_hotline(citizen, db, line):
    # It was answered "outside the ministry's work, call 1567".
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู")
    citizen.say(PLACE)
    citizen.say(PHONE)
    citizen.say("เบอร์ผิดค่ะ ที่ถูกคือ 0898887777")
    assert "1567" not in citizen.text() and "089-888-7777" in citizen.text()
    db.expire_all()
    assert latest_case(db, citizen.user_id).phone == "0898887777"
    assert "089-888-7777" in hotline(line)


def test_new_facts_in_a_follow_up_join_the_case_and_raise_it(citizen, db, line):
    # Only a status card was sent; the description and urgency did not change.
    _filed_case(citizen, "ค้างค่าเช่าห้องมาสองเดือนค่ะ ไม่มีเงินจ่ายเลย")
    case = latest_case(db, citizen.user_id)
    assert case.urgency == "normal"
    citizen.say("สวัสดีค่ะ เมื่อวานแจ้งไว้ ตอนนี้โดนไล่ออกจากห้องแล้ว ไม่มีที่นอนคืนนี้")
    db.expire_all()
    case = latest_case(db, citizen.user_id)
    assert "ไม่มีที่นอนคืนนี้" in case.description and case.urgency in ("high", "emergency")
    assert case.case_no in citizen.text()


def test_chasing_an_unanswered_emergency_shows_the_numbers_and_tells_the_hotline(citizen, db, line):
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู")
    citizen.say(PLACE)
    citizen.say(PHONE)
    before = len(line.texts_to(HOTLINE_GROUP))
    citizen.say("เรื่องถึงไหนแล้วคะ ยังไม่มีใครมาเลย")
    assert any(b.get("uri", "").startswith("tel:") for b in citizen.buttons())
    assert len(line.texts_to(HOTLINE_GROUP)) > before


@pytest.mark.parametrize("typed", ["ได้ค่ะ", "โอเค", "ใช่ค่ะ", "ได้เลยครับ"])
def test_an_everyday_yes_at_the_summary_sends_the_request(citizen, db, typed):
    # "ได้ค่ะ" was "ขอโทษค่ะ ยังไม่เข้าใจ"; an hour later the request was deleted.
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ยืนยัน")
    citizen.say(typed)
    assert latest_case(db, citizen.user_id) is not None


def test_silence_at_the_summary_after_consent_sends_the_request(citizen, db, line, runtime, worker):
    from datetime import timedelta

    from sqlalchemy import update

    from models import Conversation, utcnow

    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ยืนยัน")
    with runtime.transaction() as s:
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                  .values(updated_at=utcnow() - timedelta(hours=3)))
    worker.run_until_idle()
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.phone == PHONE
    assert "ถูกลบ" not in line.texts_to(citizen.user_id)[-1]


@pytest.mark.parametrize(("typed", "not_place"), [("แม่อายุ 65 ค่ะ", "แม่อาย"), ("ข้าวสารหมดแล้ว", "ข้าวสาร")])
def test_everyday_words_mid_conversation_are_not_a_new_place(citizen, typed, not_place):
    citizen.say("แม่ไม่มีข้าวกิน ไม่มีเงินเลยค่ะ")
    answer_until(citizen, "แชร์ตำแหน่ง")
    citizen.say(typed)
    assert not_place not in citizen.text()


@pytest.mark.parametrize("words", ["มันกลับมาแล้ว", "ช่วยด้วย", "he's back"])
def test_the_abuser_back_or_a_cry_for_help_at_the_summary_is_an_emergency(citizen, db, line, words):
    # "มันกลับมาแล้ว" at the summary of a violence story was "ขอโทษค่ะ ยังไม่เข้าใจ".
    citizen.say("สามีชอบด่า ชอบตีเวลาเมา อยากปรึกษาว่าจะทำยังไงดีค่ะ")
    answer_until(citizen, "ยืนยัน")
    citizen.say(words)
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.urgency == "emergency"
    assert case.topic != "suicide_risk"  # "มันกลับมาแล้ว" was filed as a wish to die
    assert line.texts_to(HOTLINE_GROUP) and "ยังไม่เข้าใจ" not in citizen.text()


def test_coming_back_in_a_hardship_story_is_not_danger(citizen, db):
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ยืนยัน")
    citizen.say("ลูกกลับมาแล้วค่ะ")
    case = latest_case(db, citizen.user_id)
    assert case is None or case.urgency != "emergency"


def test_a_voice_note_before_any_words_says_nothing_is_open_yet_and_joins_the_case(citizen, db):
    # "จะเก็บไว้กับเรื่องของคุณ" with no case, no buttons, no prompt: an older person who cannot
    # type believed they had reported.
    citizen._exchange(lambda: citizen.webhook.send_audio(citizen.user_id))
    assert "ยังไม่ได้เปิดเรื่อง" in citizen.text()
    assert any(b.get("uri") == "tel:1300" for b in citizen.buttons())
    citizen.say("ยายอยู่คนเดียว ไม่มีใครดูแล ไม่มีเงินซื้อข้าว")
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    from sqlalchemy import select

    from models import Attachment

    case = latest_case(db, citizen.user_id)
    assert db.scalar(select(Attachment).where(Attachment.case_id == case.id)) is not None


def test_the_house_number_soi_and_landmark_reach_the_hotline_and_a_typed_point_says_approximate(
        citizen, db, line):
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู")
    citizen.say("บ้านเลขที่ 99/1 ซอยมิตรภาพ 5 ต.ในเมือง อ.เมือง จ.ขอนแก่น หลังวัดกลาง")
    case = latest_case(db, citizen.user_id)
    assert "99/1" in case.place_text and "หลังวัดกลาง" in case.place_text
    alert = hotline(line)
    assert "99/1" in alert and "ซอยมิตรภาพ 5" in alert
    assert "พิกัดโดยประมาณ" in alert


def test_a_pin_is_an_exact_point(citizen, line):
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู")
    citizen.share_location(16.4419, 102.8359, address="99/1 ซอยมิตรภาพ 5 ขอนแก่น")
    alert = hotline(line)
    assert "พิกัด: 16.441900, 102.835900" in alert and "โดยประมาณ" not in alert


@pytest.mark.parametrize("story", ["ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู", "พ่อเลี้ยงกำลังจับตัวกุ ช่วยด้วย"])
def test_the_victim_writing_is_recorded_as_themself(citizen, db, story):
    # Staff groups read "บุคคลอื่น (มีผู้แจ้งแทน)" and may treat the victim as a neighbour.
    citizen.say(story)
    assert latest_case(db, citizen.user_id).subject == "self"


def test_a_17_year_old_thrown_out_of_home_is_child_protection(citizen, db):
    citizen.say("หนูเป็นทอมค่ะ พ่อรู้แล้วไล่ออกจากบ้าน คืนนี้ไม่มีที่นอน อายุ 17")
    answer_until(citizen, "ยืนยัน", topic="homeless")  # even when "homeless" is chosen
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.topic == "child_protection" and case.department == "DCY"


@pytest.mark.parametrize(("typed", "kept"), [
    ("0812345678 หรือ 0898887777 ก็ได้ค่ะ", "0898887777"),
    ("โทรมาที่เบอร์ 0812345678 ได้ตลอดค่ะ แต่หลังหกโมงเย็นนะคะ", "หลังหกโมงเย็น"),
    ("ห้ามโทรตอนกลางวันนะคะ สามีอยู่ 0812345678", "ห้ามโทรตอนกลางวัน"),
])
def test_what_is_said_with_the_number_reaches_the_staff(citizen, db, typed, kept):
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say(typed)
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.phone == "0812345678" and kept in case.description


def test_an_english_emergency_shows_the_tourist_police(citizen):
    citizen.say("Help, I'm a tourist, a man took my passport and locked me in a room in Pattaya")
    assert "1155" in citizen.text()


@pytest.mark.parametrize(("typed", "expect"), [
    ("ไม่อยากให้เก็บข้อมูลหนูไว้แล้ว ลบทิ้งให้หมดได้ไหม", "ยืนยันลบ"),
    ("พวกคุณเก็บข้อมูลอะไรของฉันไว้บ้าง", "ข้อมูล"),
])
def test_privacy_requests_in_ones_own_words_are_heard(citizen, typed, expect):
    # They were a topic menu with "เสี่ยงทำร้ายตนเอง", and "ช่องทางนี้ใช้สำหรับ…" (a prank).
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    citizen.say(typed)
    assert expect in citizen.text() + " ".join(citizen.labels())
    assert "ช่องทางนี้ใช้สำหรับ" not in citizen.text()


def test_a_thai_writers_ok_after_a_case_is_answered_in_thai(citizen):
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    citizen.say("ok")
    assert "How can we help" not in citizen.text()


def test_a_new_english_hello_is_answered_in_english(citizen):
    citizen.say("hello")
    assert not any("\u0e00" <= ch <= "\u0e7f" for ch in citizen.text())


def test_an_age_in_thai_words_is_understood(citizen, db):
    citizen.say("เพื่อนบ้านไม่มีข้าวกินเลยค่ะ ไม่มีเงิน")
    answer_until(citizen, "ผู้ใหญ่ (18-59)")
    citizen.say("สี่สิบค่ะ")
    assert "ผู้ใหญ่ (18-59)" not in citizen.labels()


def test_a_request_typed_one_word_at_a_time_is_read_whole(citizen, db):
    # "แม่" · "ติดเตียง" · "ไม่มีคนดูแล" gave two greetings and a case that said only "ไม่มีคนดูแล".
    for words in ("แม่", "ติดเตียง", "ไม่มีคนดูแล"):
        citizen.say(words)
    answer_until(citizen, "ยืนยัน", topic="elderly_care")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert "ติดเตียง" in case.description and "แม่" in case.description


def test_a_question_about_a_scholarship_is_not_answered_with_the_newborn_grant(citizen):
    citizen.say("ขอทุนการศึกษาให้ลูกได้ไหมคะ")
    assert "ทุนการศึกษา" in citizen.text() and "เด็กแรกเกิด" not in citizen.text()


def test_he_is_here_after_an_emergency_is_complete_alerts_the_hotline_on_that_case(citizen, db, line):
    # "มันมาแล้ว" got "สวัสดีค่ะ 😊 มีอะไรให้ช่วยไหมคะ" and reached nobody.
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู")
    citizen.say(PLACE)
    citizen.say(PHONE)
    first = latest_case(db, citizen.user_id)
    before = len(line.texts_to(HOTLINE_GROUP))
    citizen.say("มันมาแล้ว")
    db.expire_all()
    assert latest_case(db, citizen.user_id).id == first.id
    assert len(line.texts_to(HOTLINE_GROUP)) > before and "มันมาแล้ว" in hotline(line)
    assert "สวัสดี" not in citizen.text() and "1300" in citizen.text()


def test_danger_typed_at_the_emergency_phone_question_is_not_an_invalid_number(citizen, line):
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู")
    citizen.say(PLACE)
    citizen.say("เขามาแล้ว ถือมีด")
    assert "เบอร์นี้ดูไม่ถูกต้อง" not in citizen.text() and "191" in citizen.text()
    assert "อันตรายตอนนี้: เขามาแล้ว ถือมีด" in hotline(line)


def test_no_phone_at_the_consent_question_is_not_a_refusal_of_consent(citizen, db):
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ยินยอม")
    citizen.say("ไม่มีเบอร์ค่ะ")
    assert "ยินยอม" in citizen.labels()
    citizen.tap("ยินยอม")
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    assert latest_case(db, citizen.user_id) is not None


def test_place_and_phone_typed_at_the_topic_menu_are_kept_and_the_menu_is_not_put_a_third_time(citizen):
    # The 17-year-old typed where she was and her number; the topic menu came four times.
    citizen.say("หนูเป็นทอมค่ะ พ่อรู้แล้วไล่ออกจากบ้าน คืนนี้ไม่มีที่นอน อายุ 17")
    menus = 0
    for typed in ("กรุงเทพ แถวหมอชิต", "0812345678", "ตอนนี้นั่งอยู่ที่สถานีขนส่งหมอชิต"):
        citizen.say(typed)
        menus += "เรื่องนี้เกี่ยวกับข้อใด" in citizen.text()
    assert menus <= 1
    assert "081-234-5678" in citizen.text() or "ยินยอม" in citizen.labels()


@pytest.mark.parametrize("answer", ["ไม่ค่ะ แค่เหนื่อยมาก", "ไม่ค่ะ แต่ไม่มีเงินซื้อข้าวให้ลูกแล้ว"])
def test_a_plain_no_then_words_without_danger_is_safe(citizen, line, answer):
    citizen.say("ช่วยด้วย")
    citizen.say(answer)
    assert not line.texts_to(HOTLINE_GROUP)


@pytest.mark.parametrize("answer", ["ไม่ค่ะ แต่ตาล้มลุกไม่ได้", "ไม่ค่ะ อยากตายแล้ว"])
def test_a_plain_no_then_danger_is_danger(citizen, line, answer):
    citizen.say("ช่วยด้วย")
    citizen.say(answer)
    assert line.texts_to(HOTLINE_GROUP)


def test_a_bare_cry_for_help_at_the_summary_of_any_request_is_danger(citizen, db, line):
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ยืนยัน")
    citizen.say("ช่วยด้วย")
    assert line.texts_to(HOTLINE_GROUP) and "1300" in citizen.text()


def test_who_typed_at_the_summary_corrects_it(citizen, db):
    # "ตัวเองค่ะ" at the summary was noted as a story and the summary still said someone else.
    citizen.say("ยายข้างบ้านไม่มีข้าวกินค่ะ ไม่มีเงินเลย")
    answer_until(citizen, "ยืนยัน", topic="elderly_care")
    citizen.say("ตัวเองค่ะ")
    assert "ตัวฉันเอง" in citizen.text()
    citizen.tap("ยืนยัน")
    assert latest_case(db, citizen.user_id).subject == "self"


def test_a_place_given_after_it_was_skipped_is_not_left_unknown_for_the_staff(citizen, db):
    citizen.say("ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง")
    answer_until(citizen, "ไม่ทราบ/ไม่สะดวกบอก")
    citizen.tap("ไม่ทราบ/ไม่สะดวกบอก")
    citizen.say(f"ขอโทษค่ะ พิมพ์ผิด อยู่ {PLACE}")
    answer_until(citizen, "ยืนยัน")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.province_code == "40" and "ไม่สะดวกบอก: สถานที่" not in case.description


def test_a_pin_in_the_gulf_is_not_called_abroad_only(citizen, line):
    citizen.say("ช่วยด้วย เรือประมงที่ผมทำงาน นายจ้างไม่ให้ขึ้นฝั่ง ยึดพาสปอร์ต ทุบตีทุกวัน")
    citizen.share_location(10.5, 101.5)
    assert "ในทะเล" in citizen.text() and "maps.google.com/?q=10.500000,101.500000" in hotline(line)
