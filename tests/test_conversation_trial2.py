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
