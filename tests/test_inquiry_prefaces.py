"""A message that only announces a question or a request is asked for it, never turned away.

"ขอสอบถามหน่อยค่ะ" was answered "เรื่องนี้อยู่นอกงานของ พม." and "มีเรื่องจะแจ้งค่ะ" "ยังไม่พบเรื่องที่
คุณแจ้งไว้" before the citizen had said anything; "สอบถามเรื่องเบี้ยค่ะ" was out of scope too."""

from __future__ import annotations

import pytest

from handlers import messages as m
from handlers import replies
from handlers.conversation import states as st
from models import Conversation

OUT_OF_SCOPE = "นอกงานของ พม."


def state_of(db, citizen) -> str:
    db.expire_all()
    conv = db.get(Conversation, citizen.user_id)
    return conv.state if conv else st.IDLE


@pytest.mark.parametrize("words", ["ขอถามหน่อยค่ะ", "สอบถามค่ะ", "รบกวนสอบถามหน่อยครับ", "ขอสอบถามข้อมูลหน่อยค่ะ",
                                   "มีเรื่องจะถามค่ะ", "สวัสดีค่ะ ขอสอบถามหน่อยค่ะ", "ขอถามอะไรหน่อยได้ไหมคะ"])
def test_a_question_announced_in_thai_is_asked_for_then_answered(citizen, db, words):
    citizen.say(words)
    assert state_of(db, citizen) == st.ASK_INFO
    assert OUT_OF_SCOPE not in citizen.text() and citizen.text() == m.t("ask_info")
    assert "บัตรคนพิการ" in citizen.labels()
    citizen.say("ทำบัตรคนพิการต้องใช้อะไรบ้างคะ")
    assert m.service_answer("disability_card").split("\n")[1] in citizen.text()


@pytest.mark.parametrize("words", ["I have a question", "Hi, may I ask a quick question?", "can I ask something?"])
def test_a_question_announced_in_english_is_asked_for_in_english(citizen, db, words):
    citizen.say(words)
    assert state_of(db, citizen) == st.ASK_INFO
    assert citizen.text() == m.t("ask_info", "en") and "Old-age allowance" in citizen.labels()


@pytest.mark.parametrize("words", ["มีเรื่องจะแจ้งค่ะ", "ขอปรึกษาหน่อยครับ", "มีเรื่องอยากปรึกษาค่ะ", "ขอแจ้งเรื่องค่ะ"])
def test_a_request_announced_is_asked_for_its_story(citizen, db, words):
    citizen.say(words)
    assert state_of(db, citizen) == st.ASK_PROBLEM
    assert m.t("ask_problem") in citizen.text() and "ยังไม่พบเรื่อง" not in citizen.text()
    citizen.say("ตกงานมาสามเดือน ค่าเทอมลูกยังไม่มีจ่ายเลย")
    assert state_of(db, citizen) not in (st.IDLE, st.ASK_PROBLEM)  # the request's questions


def test_benefits_named_in_general_offer_the_services_once_then_answer(citizen, db):
    citizen.say("สอบถามเรื่องเบี้ยค่ะ")
    assert m.t("which_service") in citizen.text() and OUT_OF_SCOPE not in citizen.text()
    citizen.tap("เบี้ยคนพิการ")
    assert m.service_answer("disability_allowance").split("\n")[1] in citizen.text()


def test_a_second_unclear_benefit_question_points_to_people_not_out_of_scope(citizen, db):
    citizen.say("สอบถามเรื่องเบี้ยค่ะ")
    citizen.say("เบี้ยค่ะ")
    assert m.t("which_service_unclear") in citizen.text() and OUT_OF_SCOPE not in citizen.text()
    assert state_of(db, citizen) == st.IDLE


def test_a_question_outside_the_ministry_is_still_answered_as_such(citizen, db):
    citizen.say("ต่อใบขับขี่ที่ไหนคะ")
    assert OUT_OF_SCOPE in citizen.text()


def test_a_cry_for_help_is_no_preface(citizen, db):
    citizen.say("ช่วยด้วยค่ะ")
    assert state_of(db, citizen) == st.CHECK_DANGER  # the danger question comes first


def test_every_service_button_fits_line_and_names_its_service():
    menu = m._load("answers.yaml")["benefits"]["menu"]
    for entry in menu:
        for lang in ("th", "en"):
            assert len(entry[lang]) <= m.LABEL_MAX
            assert m.service_for(entry[lang]) == entry["service"], entry[lang]
    assert len(menu) + 1 <= 13  # LINE's limit of quick-reply items, with "cancel"


@pytest.mark.parametrize("words,kind", [
    ("ขอถามหน่อยค่ะ", "ask"), ("I have a question", "ask"), ("มีเรื่องจะแจ้งค่ะ", "tell"),
    ("i need some advice", "tell"), ("ช่วยด้วย", None), ("ถามหน่อยครับ เบี้ยคนพิการได้เท่าไหร่", None),
    ("มีเรื่องจะปรึกษาเรื่องสามีค่ะ", None), ("can I ask about allowance", None), ("แจ้งความ", None),
])
def test_only_words_that_announce_count_as_a_preface(words, kind):
    assert replies.preface_only(replies.without_opening(words)) == kind
