"""Conversations from an independent trial (session 8): a tester who had not seen the code wrote
about a hundred conversations as citizens would; each test here is one of the harms found,
driven through the real webhook and worker."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models import Contact, Conversation, utcnow
from tests.conftest import HOTLINE_GROUP, latest_case

STORY = "ตกงานค่ะ ไม่มีเงินจ่ายค่าเช่าห้อง"
EN_STORY = "I lost my job and I have no money for food. Can you help me?"
PLACE = "ต.แม่เหียะ อ.เมือง จ.เชียงใหม่"
PHONE = "0812345678"


def alerts(line) -> int:
    return len(line.texts_to(HOTLINE_GROUP))


def answer_until(citizen, label: str, place: str = PLACE) -> None:
    """Answer cooperatively (myself, adult, place, phone, consent) until `label` is offered."""
    for _ in range(8):
        labels = citizen.labels()
        if label in labels:
            return
        if "ตัวฉันเอง" in labels:
            citizen.tap("ตัวฉันเอง")
        elif "ผู้ใหญ่ (18-59)" in labels:
            citizen.tap("ผู้ใหญ่")
        elif "Adult (18-59)" in labels:
            citizen.tap("Adult")
        elif "แชร์ตำแหน่ง" in labels or "Share location" in labels:
            citizen.say(place)
        elif "ไม่สะดวกให้เบอร์" in labels or "Prefer not to say" in labels:
            citizen.say(PHONE)
        elif "ยินยอม" in labels:
            citizen.tap("ยินยอม")
        elif "I agree" in labels:
            citizen.tap("I agree")
        else:
            return


def finish_case(citizen) -> None:
    answer_until(citizen, "ยืนยัน")
    if "ยืนยัน" in citizen.labels():
        citizen.tap("ยืนยัน")
    elif "Confirm" in citizen.labels():
        citizen.tap("Confirm")


@pytest.mark.parametrize(("where", "wrong_province"), [
    ("หนีมาอยู่บ้านยายค่ะ", "41"), ("ตอนนี้อยู่โรงพยาบาลค่ะ", "90"), ("อยู่หน้าวัดค่ะ", "94")])
def test_everyday_words_at_the_emergency_place_question_are_no_place(citizen, db, line, where,
                                                                     wrong_province):
    # "บ้านยาย" once went to ต.บ้านยา (Udon Thani), "โรงพยาบาล" to ต.โรง (Songkhla), with a map
    # link for the hotline.
    citizen.say("ช่วยด้วยค่ะ สามีเมาตีหนูจนหัวแตก ตอนนี้หนีออกมาได้")
    citizen.say(where)
    case = latest_case(db, citizen.user_id)
    assert case.province_code != wrong_province
    assert not any(f"จ.{n}" in t for t in line.texts_to(HOTLINE_GROUP) for n in ("อุดรธานี", "สงขลา", "ปัตตานี"))


@pytest.mark.parametrize(("at", "words"), [
    ("ตัวฉันเอง", "แม่ค่ะ"), ("ยืนยัน", "ส่งเลยค่ะ"), ("ยินยอม", "ได้เลยค่ะ"),
    ("เด็ก (ต่ำกว่า 18)", "ขอความช่วยเหลือหน่อยค่ะ")])
def test_everyday_replies_are_not_read_as_a_new_place(citizen, at, words):
    # "เลย" is a particle before it is จ.เลย; "แม่ค่ะ" is mother, not ต.แม่คะ; "ช่วยเหลือ" holds ต.เหล.
    citizen.say(STORY)
    answer_until(citizen, at)
    citizen.say(words)
    assert "แก้สถานที่" not in citizen.text()


def test_a_typed_yes_at_consent_is_taken(citizen):
    citizen.say(STORY)
    citizen.tap("ผู้ใหญ่")
    citizen.say("ต.ในเมือง อ.เมือง จ.ขอนแก่น")
    citizen.say(PHONE)
    citizen.say("ได้เลยค่ะ")
    citizen.say("ได้เลยค่ะ")
    assert "ยินยอม" not in citizen.labels()


def test_a_landmark_is_not_a_tambon_of_another_province(citizen):
    citizen.say("ผมมาหางานที่กรุงเทพ โดนขโมยกระเป๋า ไม่มีเงินกลับบ้าน คืนนี้ไม่มีที่นอน")
    citizen.tap("ผู้ใหญ่")
    citizen.say("หัวลำโพง")
    assert "ลพบุรี" not in citizen.text()


@pytest.mark.parametrize("words", ["ช่วยด้วย", "ช่วยหนูด้วย", "ช่วยผมด้วย", "help me"])
def test_a_bare_cry_for_help_shows_the_numbers_and_asks_about_danger(citizen, db, line, words):
    citizen.say(words)
    db.expire_all()
    kinds = [k.kind for k in db.scalars(select(Contact).where(Contact.line_user_id == citizen.user_id))]
    assert "prank" not in kinds
    assert "ช่องทางนี้ใช้สำหรับ" not in citizen.text() and "This channel is for" not in citizen.text()
    assert citizen.last[0]["type"] == "template"  # the call buttons first
    assert alerts(line) == 0  # no alert until someone says there is danger


@pytest.mark.parametrize("safe", ["ไม่ค่ะ ปลอดภัยดี", "ไม่มีอันตรายค่ะ", "ไม่ครับ ยังโอเค",
                                  "ตอนนี้ยังไม่เป็นไรค่ะ", "ไม่ใช่ค่ะ ตอนนี้ปลอดภัยดี"])
def test_a_typed_safe_answer_to_the_danger_question_is_safe(citizen, db, line, safe):
    citizen.say("ตาเป็นอัมพาตครึ่งซีก ลูกหลานไปทำงานต่างจังหวัดหมด")
    assert "ไม่ ยังปลอดภัย" in citizen.labels()
    citizen.say(safe)
    case = latest_case(db, citizen.user_id)
    assert case is None or case.urgency != "emergency"
    assert alerts(line) == 0


def test_a_typed_answer_with_danger_to_the_danger_question_is_still_danger(citizen, db, line):
    citizen.say("ตาเป็นอัมพาตครึ่งซีก ลูกหลานไปทำงานต่างจังหวัดหมด")
    citizen.say("ไม่ค่ะ แต่ตาล้มลุกไม่ได้")
    assert latest_case(db, citizen.user_id).urgency == "emergency" and alerts(line) >= 1


@pytest.mark.parametrize("words", ["อยู่ อ.หาดใหญ่ จ.สงขลาค่ะ",
                                   "นายจ้างไม่จ่ายเงินเดือนมา 3 เดือนแล้วครับ ทำยังไงดี"])
def test_a_place_alone_or_unpaid_wages_alert_nobody(citizen, db, line, words):
    citizen.say(words)
    assert alerts(line) == 0
    case = latest_case(db, citizen.user_id)
    assert case is None or (case.topic != "trafficking" and case.subject_age_group != "child")


def test_declining_the_number_in_english_is_not_self_harm(citizen, db):
    citizen.say(EN_STORY)
    citizen.tap("Adult")
    citizen.say("Chiang Mai")
    citizen.say("I don't want to give my number")
    case = latest_case(db, citizen.user_id)
    assert case is None or case.topic != "suicide_risk"
    assert "1323" not in citizen.text()


def test_chasing_an_open_case_opens_no_second_case(citizen, db, line):
    citizen.say(STORY)
    finish_case(citizen)
    first = latest_case(db, citizen.user_id)
    citizen.say("แจ้งไปสามวันแล้วยังไม่มีใครติดต่อมาเลยค่ะ")
    citizen.say("ทำไมยังไม่มีใครโทรมา")
    assert latest_case(db, citizen.user_id).id == first.id and alerts(line) == 0
    assert first.case_no in citizen.text()  # its status


def test_a_quiet_emergency_is_not_called_deleted_and_a_late_place_joins_it(citizen, db, line,
                                                                            runtime, worker):
    citizen.say("ช่วยด้วย สามีกำลังเอามีดไล่ฟันหนู ตอนนี้หนีมาหลบหลังบ้าน")
    with runtime.transaction() as s:
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                  .values(updated_at=utcnow() - timedelta(minutes=40)))
    worker.run_until_idle()
    quiet = line.texts_to(citizen.user_id)[-1]
    assert "ถูกลบ" not in quiet and "1300" in quiet
    assert any("เงียบ" in t for t in line.texts_to(HOTLINE_GROUP))  # the hotline is told
    citizen.say("อยู่ ต.บ้านเป็ด อ.เมือง จ.ขอนแก่นค่ะ")
    case = latest_case(db, citizen.user_id)
    assert case.subdistrict_code == "400115"
    assert any("บ้านเป็ด" in t for t in line.texts_to(HOTLINE_GROUP))


@pytest.mark.parametrize("typed", ["บางกะปิ", "แถวตลาด"])
def test_typing_the_same_ambiguous_place_again_never_brings_a_third_list(citizen, typed):
    citizen.say(STORY)
    citizen.tap("ผู้ใหญ่")
    for _ in range(3):
        citizen.say(typed)
    assert "หลายที่" not in citizen.text()


def test_english_place_choices_can_be_told_apart(citizen):
    citizen.say(EN_STORY)
    citizen.tap("Adult")
    citizen.say("Bang Kapi")
    places = [b for b in citizen.labels() if b not in ("None of these", "Share location", "Don't know")]
    assert len(places) >= 2 and len(set(places)) == len(places)


@pytest.mark.parametrize(("words", "wrong"), [("ทำไมยังไม่มีใครโทรมาเลย", "ช่องทางนี้ใช้สำหรับ"),
                                              ("Nobody has called me yet, why?", "outside the ministry")])
def test_asking_why_nobody_called_is_a_follow_up(citizen, words, wrong):
    citizen.say(STORY if "ทำไม" in words else EN_STORY)
    finish_case(citizen)
    citizen.say(words)
    assert wrong not in citizen.text()


@pytest.mark.parametrize("words", ["ไม่กล้าให้เบอร์ค่ะ", "โทรศัพท์เป็นของสามี ห้ามโทรมานะคะ"])
def test_declining_the_number_in_own_words_is_taken(citizen, db, words):
    citizen.say(STORY)
    citizen.tap("ผู้ใหญ่")
    citizen.say(PLACE)
    citizen.say(words)
    assert "ไม่ถูกต้อง" not in citizen.text()
    assert "ยินยอม" in citizen.labels()  # on to consent, the phone marked unknown


def test_asking_not_to_be_called_tells_staff_to_write_in_the_chat(citizen, db):
    citizen.say(STORY)
    citizen.tap("ผู้ใหญ่")
    citizen.say(PLACE)
    citizen.say("โทรศัพท์เป็นของสามี ห้ามโทรมานะคะ")
    citizen.tap("ยินยอม")
    citizen.tap("ยืนยัน")
    case = latest_case(db, citizen.user_id)
    assert case.phone is None and "ห้ามโทร" in case.description


def test_a_phone_typed_at_the_emergency_place_question_is_the_phone(citizen, db):
    citizen.say("ไม่ไหวแล้ว อยากตาย ไม่มีใครสนใจ")
    citizen.say("0899998888")
    case = latest_case(db, citizen.user_id)
    assert case.phone == "0899998888" and "ไม่สะดวกให้เบอร์" not in citizen.labels()


def test_words_after_dont_know_reach_the_hotline(citizen, line):
    citizen.say("ถูกหลอกไปทำงานที่กัมพูชา ตอนนี้ถูกขังอยู่ในตึก ช่วยด้วย")
    citizen.say("ไม่รู้ค่ะ อยู่ใกล้ปอยเปต")
    assert any("ปอยเปต" in t for t in line.texts_to(HOTLINE_GROUP))


def test_my_grandmother_is_someone_else(citizen):
    citizen.say("My grandmother is 82 and lives alone in Hua Hin. She fell last week and can't cook "
                "for herself anymore.")
    citizen.say("Hua Hin, Prachuap Khiri Khan")
    citizen.say("0891234567")
    citizen.tap("I agree")
    assert "Who: Me" not in citizen.text()


def test_an_english_teenager_beaten_by_her_father_is_child_protection(citizen, db):
    citizen.say("im 15 my dad hits me every night when hes drunk. i dont want to go home")
    case = latest_case(db, citizen.user_id)
    assert (case.topic, case.subject_age_group) == ("child_protection", "child")


def test_an_emergency_with_a_phone_but_no_place_does_not_say_nobody_can_reach_them(citizen):
    citizen.say("ถูกหลอกไปทำงานที่กัมพูชา ตอนนี้ถูกขังอยู่ในตึก ช่วยด้วย")
    citizen.say("ไม่รู้ค่ะ อยู่ใกล้ปอยเปต")
    citizen.say(PHONE)
    assert "ติดต่อหรือไปหาไม่ได้" not in citizen.text()
    assert "โทรหาคุณ" in citizen.text() and "สถานที่" in citizen.text()


def test_an_emergency_pin_abroad_reaches_the_hotline_with_its_map_link(citizen, db, line):
    # Someone held in a scam compound across the border: the pin is the one thing the hotline
    # needs to coordinate with the embassy; it was refused as "outside Thailand".
    citizen.say("ช่วยด้วยค่ะ หนูถูกหลอกมาทำงานที่กัมพูชา เขายึดพาสปอร์ต ขังไว้ในตึก ออกไม่ได้")
    assert alerts(line) >= 1
    citizen.share_location(11.556, 104.928, address="Phnom Penh, Cambodia")
    assert "1300" in citizen.text() and "สถานทูต" in citizen.text()
    assert any("maps.google.com/?q=11.556000,104.928000" in t for t in line.texts_to(HOTLINE_GROUP))
    case = latest_case(db, citizen.user_id)
    assert case.topic == "trafficking" and case.latitude == pytest.approx(11.556)
    assert "นอกประเทศไทย" in case.place_text


def test_a_pin_abroad_before_any_words_is_kept_and_the_story_asked(citizen, db):
    citizen.share_location(3.139, 101.687)  # Kuala Lumpur
    assert "นอกเขตตำบลของไทย" in citizen.text()
    citizen.say("ติดอยู่ที่มาเลเซียค่ะ เงินหมด ไม่มีค่ารถกลับบ้าน")
    finish_case(citizen)
    case = latest_case(db, citizen.user_id)
    assert case is not None and case.latitude == pytest.approx(3.139)


def test_a_phone_number_as_the_first_message_is_kept_for_the_request(citizen, db):
    # It was answered "we answer in Thai and English only".
    citizen.say("081-234-5678")
    assert "Thai and English" not in citizen.text() and "081-234-5678" in citizen.text()
    citizen.say(STORY)
    answer_until(citizen, "ยืนยัน")
    assert "ไม่สะดวกให้เบอร์" not in " ".join(citizen.labels())
    finish_case(citizen)
    assert latest_case(db, citizen.user_id).phone == "0812345678"


def test_a_phone_number_alone_joins_an_open_case_that_has_none(citizen, db):
    citizen.say(STORY)
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.tap("ไม่สะดวกให้เบอร์")
    finish_case(citizen)
    case = latest_case(db, citizen.user_id)
    assert case.phone is None
    citizen.say("๐๘๑๒๓๔๕๖๗๘ ค่ะ")
    assert case.case_no in citizen.text()
    db.expire_all()
    assert latest_case(db, citizen.user_id).phone == "0812345678"


def test_an_english_case_card_names_the_office_in_english(citizen, db):
    citizen.say(EN_STORY)
    finish_case(citizen)  # answer_until types the Thai place; the office is the centre's
    case = latest_case(db, citizen.user_id)
    assert case.center is not None and case.center.name_en
    assert case.center.name_en in citizen.text()
    assert case.center.name_th not in citizen.text()


def test_asking_once_about_danger_does_not_call_it_an_emergency(citizen, line):
    citizen.say("ด่วนค่ะ")
    assert "เรื่องนี้ฉุกเฉิน" not in citizen.text()
    assert "1300" in citizen.text() and "ใช่" in " ".join(citizen.labels())
    assert alerts(line) == 0


@pytest.mark.parametrize(("question", "expected"), [
    ("อยากกู้เงินกองทุนผู้สูงอายุไปขายของค่ะ ต้องใช้เอกสารอะไรบ้าง", "กองทุนผู้สูงอายุ"),
    ("How can my father get a loan from the Older Persons Fund?", "Older Persons Fund"),
])
def test_a_question_about_the_older_persons_fund_is_answered_about_the_fund(citizen, question, expected):
    # It was answered with the old-age allowance first.
    citizen.say(question)
    assert expected in citizen.text()
    assert "ผู้ค้ำประกัน" in citizen.text() or "guarantor" in citizen.text()
    assert "เบี้ยยังชีพ" not in citizen.text() and "allowance" not in citizen.text()


def test_a_story_typed_in_fragments_is_kept_and_not_read_as_a_refused_number(citizen, db):
    # An older person types in pieces while the questions come. "อยู่คนเดียว" was dropped (too
    # short), "ขาไม่ดี…" was "an invalid number", "ไม่มีเงินซื้อยา" was read as "no phone".
    citizen.say("ยายอายุ 78 แล้ว ไม่มีใครดูแล")
    answer_until(citizen, "แชร์ตำแหน่ง")
    citizen.say("อยู่คนเดียว")
    assert "หาสถานที่นี้ไม่เจอ" not in citizen.text() and "จดไว้" in citizen.text()
    citizen.say(PLACE)
    citizen.say("ขาไม่ดี เดินไม่ค่อยได้")
    assert "เบอร์นี้ดูไม่ถูกต้อง" not in citizen.text() and "จดไว้" in citizen.text()
    citizen.say(PHONE)
    finish_case(citizen)
    case = latest_case(db, citizen.user_id)
    assert "อยู่คนเดียว" in case.description and "ขาไม่ดี" in case.description
    assert case.phone == PHONE


def test_words_of_the_story_at_the_phone_question_are_not_a_refusal(citizen, db):
    citizen.say(STORY)
    answer_until(citizen, "ไม่สะดวกให้เบอร์")
    citizen.say("ไม่มีเงินซื้อยาด้วยค่ะ")
    assert "ไม่สะดวกให้เบอร์" in citizen.labels()  # asked again, not skipped
    citizen.say("ไม่มีค่ะ")
    assert "ไม่สะดวกให้เบอร์" not in citizen.labels()
