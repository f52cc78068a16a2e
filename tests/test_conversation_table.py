"""The declared table: its diagram is in step, every row runs through the real webhook, and no
state traps the citizen (every kind of input ends the conversation or moves it on)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from handlers import conversation as flow
from handlers.conversation import __main__ as diagram_cli
from handlers.conversation import states as st
from handlers.conversation.reader import read
from handlers.turn import Input
from models import Conversation, utcnow
from tests.conftest import latest_case

STORY = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"
EMERGENCY_STORY = "ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่"
PLACE = {"subdistrict_code": "500109", "district_code": "5001", "province_code": "50",
         "level": "subdistrict", "label_th": "ต.แม่เหียะ อ.เมืองเชียงใหม่ จ.เชียงใหม่",
         "label_en": "Mae Hia", "latitude": None, "longitude": None, "text": ""}
ANSWERED = {"kind": "problem", "topic": "hardship", "urgency": "normal", "description": STORY,
            "alternatives": ["homeless", "elderly_care"], "subject": "self", "age_group": "adult",
            "place": PLACE, "phone": "0812345678", "consent": True}
MISSING = {st.ASK_SUBJECT: ("subject", "age_group", "place", "phone", "consent"),
           st.ASK_AGE: ("age_group", "place", "phone", "consent"),
           st.ASK_PLACE: ("place", "phone", "consent"), st.CHOOSE_PLACE: ("place", "phone", "consent"),
           st.ASK_PHONE: ("phone", "consent"), st.ASK_CONSENT: ("consent",),
           st.CHECK_DANGER: ("subject", "age_group", "place", "phone", "consent"),
           st.CHOOSE_TOPIC: ("subject", "age_group", "place", "phone", "consent")}
# One input for each event (the walk checks that the reader really reads it as that event).
TEXTS = {st.TEXT: "อืม", st.DANGER: "ตอนนี้สามีกำลังเอามีดไล่ฟันหนูอยู่ ช่วยด้วย",
         st.FOLLOW: "ติดตามเรื่อง", st.UNKNOWN: "ไม่ทราบค่ะ",
         st.CORRECTION: "ขอโทษค่ะ พิมพ์ผิด ต.แม่เหียะ อ.เมือง จ.เชียงใหม่"}
POSTBACKS = {"danger": "a=danger&v=yes", "topic": "a=topic&v=homeless", "subject": "a=subject&v=other",
             "age": "a=age&v=elderly", "place_unknown": "a=place_unknown", "place": "a=place&i=0",
             "place_none": "a=place_none", "phone_decline": "a=phone_decline",
             "consent": "a=consent&v=yes", "confirm": "a=confirm", "edit": "a=edit",
             "edit_field": "a=edit_field&v=place", "open_case": "a=open_case", "no_thanks": "a=no_thanks"}
ROWS = [(state, event) for state, row in flow.TABLE.items() for event in row]


def test_the_diagram_is_generated_from_the_table() -> None:
    text = diagram_cli.MD.read_text(encoding="utf-8")
    assert diagram_cli.rendered(text) == text, "run: python -m handlers.conversation"


def test_every_state_can_be_cancelled_and_every_question_times_out() -> None:
    for state, row in flow.TABLE.items():
        assert st.CANCEL in row and st.TEXT in row and st.STICKER in row and st.MEDIA in row
        assert (st.TIMEOUT in row) == (state != st.IDLE), state
    assert flow.timeout_after(st.CHECK_DANGER, None) == timedelta(minutes=3)


def test_state_lists_come_from_the_table() -> None:
    from handlers.conversation.answers import GIVE_UP

    assert set(flow.STATES) == set(flow.TABLE) == set(flow.QUESTIONS) | {st.IDLE} == set(GIVE_UP) | {st.IDLE}
    for row in flow.TABLE.values():
        for step in row.values():
            assert set(step.to) <= set(flow.TABLE)


def put_in_state(runtime, citizen, state: str) -> None:
    """Bring the citizen's conversation to `state` with the answers that state implies."""
    if state in (st.EMERGENCY_PLACE, st.EMERGENCY_PHONE):
        with runtime.transaction() as s:  # a fresh emergency, whatever the last input left
            s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                      .values(state=st.IDLE, case_id=None, data={}))
        citizen.say(EMERGENCY_STORY)
        assert conversation_state_in(runtime, citizen) in (st.EMERGENCY_PLACE, st.EMERGENCY_PHONE)
        data = None if state == st.EMERGENCY_PLACE else {"place": {}}
    else:
        data = {} if state in (st.IDLE, st.ASK_PROBLEM, st.ASK_INFO) else dict(ANSWERED)
        for key in MISSING.get(state, ()):
            data.pop(key, None)
        if "consent" in data:
            data["consent_at"] = utcnow().isoformat()
        if state == st.CHOOSE_PLACE:
            data["place_options"] = [PLACE, PLACE]
        if state == st.OFFER_CASE:
            data = {"kind": "inquiry", "topic": "disability", "description": "ขอบัตรคนพิการทำยังไง",
                    "urgency": "normal"}
    with runtime.transaction() as s:
        conv = s.get(Conversation, citizen.user_id)
        if conv is None:
            conv = Conversation(chat_id=citizen.user_id, state=st.IDLE, data={}, language="th")
            s.add(conv)
        if data is not None:
            conv.data = {**(conv.data or {}), **data}
        conv.state, conv.updated_at = state, utcnow()


def conversation_state_in(runtime, citizen) -> str:
    with runtime.transaction() as s:
        return s.get(Conversation, citizen.user_id).state


def conversation_state(db, citizen) -> str:
    db.expire_all()
    conv = db.get(Conversation, citizen.user_id)
    return conv.state if conv else st.IDLE


def send(citizen, worker, runtime, state: str, event: str) -> None:
    """Send the input of one event, through the webhook (or the worker, for a timeout)."""
    if event == st.TIMEOUT:
        with runtime.transaction() as s:
            s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                      .values(updated_at=utcnow() - timedelta(hours=2)))
        assert worker.expire_conversations() == 1
        return
    if event in TEXTS:
        text = TEXTS[event]
        assert read(state, flow.TABLE[state], Input("text", text=text)) == event, (state, event, text)
        citizen.say(text)
    elif event == st.CANCEL:
        citizen.postback("a=cancel")
    elif event == st.STALE:
        citizen.postback("a=an_old_button&v=1")
    elif event == st.LOCATION:
        citizen.share_location(18.7584, 98.9236, address="แม่เหียะ เมืองเชียงใหม่")
    elif event == st.MEDIA:
        citizen.send_image(b"photo")
    elif event == st.STICKER:
        citizen._exchange(lambda: citizen.webhook.send_sticker(citizen.user_id))
    else:
        citizen.postback(POSTBACKS[event.removeprefix("postback:")])


@pytest.mark.parametrize("state,event", ROWS, ids=[f"{s}-{e}" for s, e in ROWS])
def test_every_declared_transition_runs_and_lands_where_it_is_declared(
        citizen, db, runtime, worker, state, event):
    put_in_state(runtime, citizen, state)
    send(citizen, worker, runtime, state, event)  # test settings: an undeclared move raises
    after = conversation_state(db, citizen)
    assert after in flow.TABLE[state][event].to
    assert citizen.last or event == st.TIMEOUT, "the bot said nothing"


KINDS = [st.TEXT, st.UNKNOWN, st.STICKER, st.MEDIA, st.LOCATION, st.STALE]
QUESTIONS = [s for s in flow.TABLE if s != st.IDLE]


@pytest.mark.parametrize("state", QUESTIONS)
def test_no_state_traps_the_citizen_whatever_they_send(citizen, db, runtime, worker, state):
    kinds = KINDS + [e for e in flow.TABLE[state] if e.startswith("postback:")]
    for kind in kinds:
        put_in_state(runtime, citizen, state)
        seen = []
        for _ in range(2):  # the same input twice: the question is never put a third time
            if kind == st.UNKNOWN:
                citizen.say("ไม่ทราบค่ะ")
            elif kind == st.TEXT:
                citizen.say("อืม")
            else:
                send(citizen, worker, runtime, state, kind)
            seen.append(conversation_state(db, citizen))
            assert citizen.last, (state, kind)
        assert any(s != state for s in seen), f"{state} stayed put on {kind} twice"
        if any(s == st.IDLE for s in seen) and state in (st.EMERGENCY_PLACE, st.EMERGENCY_PHONE):
            assert latest_case(db, citizen.user_id).urgency == "emergency"


@pytest.mark.parametrize("state", [st.EMERGENCY_PLACE, st.EMERGENCY_PHONE])
def test_an_emergency_question_with_no_case_behind_it_asks_on_the_ordinary_path(
        citizen, db, runtime, state):
    citizen.say(EMERGENCY_STORY)
    with runtime.transaction() as s:
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id)
                  .values(state=state, case_id=None))
    for _ in range(2):
        citizen.postback("a=an_old_button&v=1")
        assert citizen.last
    assert conversation_state(db, citizen) not in (st.EMERGENCY_PLACE, st.EMERGENCY_PHONE)


def test_a_conversation_stored_before_the_emergency_states_keeps_its_emergency(citizen, db, runtime):
    citizen.say(EMERGENCY_STORY)
    with runtime.transaction() as s:  # how such a row looked: the ordinary state and the case id
        s.execute(update(Conversation).where(Conversation.chat_id == citizen.user_id).values(state="ask_place"))
    citizen.share_location(18.7584, 98.9236)
    assert conversation_state(db, citizen) == st.EMERGENCY_PHONE
    assert latest_case(db, citizen.user_id).subdistrict_code is not None
