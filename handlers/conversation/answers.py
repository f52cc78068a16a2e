"""Answers to the questions: take them, correct them, or move on after two that cannot be used."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import taxonomy
from handlers import cases as c
from handlers import messages as m
from handlers import replies
from handlers.conversation import questions as q
from handlers.conversation import start as s
from handlers.conversation.states import (
    ASK_AGE,
    ASK_CONSENT,
    ASK_INFO,
    ASK_PHONE,
    ASK_PLACE,
    ASK_PROBLEM,
    ASK_SUBJECT,
    CHECK_DANGER,
    CHOOSE_EDIT,
    CHOOSE_PLACE,
    CHOOSE_TOPIC,
    CONFIRM,
    EMERGENCY_PHONE,
    EMERGENCY_PLACE,
    IDLE,
    OFFER_CASE,
)
from handlers.flex import case_confirmation_for
from handlers.phone import find_phone, format_phone, normalize_phone, without_phones
from handlers.turn import Input, Turn
from intents import detect_language
from models import Urgency
from privacy import record_consent
from referral import Place, extract_place, locate_text
from referral.places import make_place

MAX_TRIES = 2  # after two answers we cannot use, the question is not asked a third time
AGE_NUMBER = re.compile(r"(\d{1,3})\s*(?:ปี|ขวบ|years?|yrs?)?")
AGE_STATED = re.compile(r"(?:อายุ\s*)?(\d{1,3})\s*(?:ปี|ขวบ|years? old|yrs?)|อายุ\s*(\d{1,3})")
# The field each question asks for.
FIELD_OF = {ASK_SUBJECT: "subject", ASK_AGE: "age", ASK_PLACE: "place", CHOOSE_PLACE: "place",
            EMERGENCY_PLACE: "place", ASK_PHONE: "phone", EMERGENCY_PHONE: "phone"}
DATA_KEY = {"subject": "subject", "age": "age_group", "place": "place", "phone": "phone"}


# ---------------------------------------------------------------- moving on, never trapping

def _tries(turn: Turn) -> int:
    return int(_own_mark(turn).get("n", 0))


def _own_mark(turn: Turn) -> dict[str, Any]:
    """The tries mark of the question now asked ({} when it belongs to another)."""
    mark = turn.data.get("tries") or {}
    return dict(mark) if mark.get("state") == turn.conv.state else {}


def retry(turn: Turn, given: Input, intro: str = "not_understood", keep: bool = True) -> str:
    """An input the question cannot use: keep its words (unless `keep` is False), ask once
    more, then move on."""
    state = turn.conv.state
    kept = False
    if keep and given.kind == "text" and given.text.strip():
        kept = _keep_words(turn, given.text)
    mark = _own_mark(turn)
    if (kept and state in _ASKED_BACK and not mark.get("question")
            and replies.is_short_question(given.text)):
        # "ต้องไปที่ไหนคะ" at the place question: a question of their own, not a failed answer
        # (the first one uses none of the two tries). Noted for the staff, then ours again.
        turn.remember(tries={**mark, "state": state, "n": int(mark.get("n", 0)), "question": True})
        key = "question_kept_go" if replies.asks_where_to_go(given.text) else "question_kept"
        turn.say(m.text(m.t(key, turn.lang)))
        return q.QUESTIONS[state](turn)
    n = _tries(turn) + 1
    turn.remember(tries={**_own_mark(turn), "state": state, "n": n})
    if n >= MAX_TRIES:
        return GIVE_UP[state](turn, given)
    if kept and q.in_emergency(turn):
        intro = ""  # details_thanks said it; "that number looks wrong" would not fit the words
    elif kept and intro and not _tries_an_answer(state, given.text):
        # "อยู่คนเดียว", "ขาไม่ดี เดินไม่ค่อยได้": more of the story, typed in pieces. It is
        # kept for the staff; saying "that place was not found" would be wrong and cold.
        intro = "words_kept"
    if intro:
        turn.say(m.text(m.t(intro, turn.lang)))
    return q.QUESTIONS[state](turn)


# The ordinary questions where a citizen's own question is noted and ours put again.
_ASKED_BACK = (ASK_SUBJECT, ASK_AGE, ASK_PLACE, CHOOSE_PLACE, ASK_PHONE)
_STORY_MIN_CHARS = 6  # "อยู่คนเดียว", "ขาไม่ดี": a fragment of the story is kept, "ok" is not


def _danger_now_in(text: str, topic: str) -> bool:
    from handlers.conversation.reader import danger_in_context, reads_as_danger

    return reads_as_danger(text) or danger_in_context(topic, text)


def _tries_an_answer(state: str, text: str) -> bool:
    """Whether a text looks like an attempt at the question's own answer (a number to a
    phone question), as against more of the story."""
    if any(ch.isdigit() for ch in text):
        return True  # a number, a postcode, a house number, an age
    if state in (ASK_PLACE, CHOOSE_PLACE, EMERGENCY_PLACE):
        return _PLACE_WORDS.search(text) is not None
    return False


# Words of an address: a text with them was an attempt at a place, even if none was found.
_PLACE_WORDS = re.compile(r"(?:^|\s)(?:ต|อ|จ)\.|ตำบล|อำเภอ|จังหวัด|เขต|แขวง|หมู่|ซอย|ถนน|ถ\.|"
                          r"บ้านเลขที่|หมู่บ้าน|district|province|road|soi|village", re.IGNORECASE)


def _keep_words(turn: Turn, text: str) -> bool:
    """Nothing is lost: words become detail; in an emergency they reach the hotline.
    Returns whether the words were kept."""
    if q.in_emergency(turn):
        case = q.emergency_case(turn)
        if case.description.endswith(text.strip()) and turn.data.get("kept_words") == text.strip():
            return True  # the give-up path passes the same words again: no second copy
        turn.remember(kept_words=text.strip())
        case.description = (case.description + "\n" + text.strip()).strip()
        danger = _danger_now_in(text, case.topic)
        label = "⚠️ อันตรายตอนนี้" if danger else "ข้อความเพิ่ม"
        c.add_details(turn.session, turn.settings, case, f"{label}: {text.strip()[:1000]}",
                      public=m.t("staff_more_words"))
        if danger:
            # "เขามาแล้ว ถือมีด" at the phone question: the numbers again, never "invalid number".
            turn.say(*m.emergency_messages(turn.lang, case.topic))
        turn.say(m.text(_details_thanks(turn, text, case)))
        return True
    words = replies.clean(text)
    if len(words) < _STORY_MIN_CHARS or replies.is_unknown(text) or replies.is_answer_word_only(text):
        return False
    told = turn.data.get("description", "")
    if not told.endswith(text.strip()):  # the give-up path may pass the same words again
        turn.remember(description=(told + "\n" + text.strip()).strip())
    return True


def _details_thanks(turn: Turn, text: str, case: Any) -> str:
    """"Received, sent to the staff" for words kept in an emergency; in Burmese, Lao or Khmer
    the writer reads it in their script: help is coming (share a location), or we will call
    back with an interpreter (send a number)."""
    language = detect_language(text)
    if language not in s.MIGRANT_LANGUAGES:
        return m.t("details_thanks", turn.lang)
    if turn.conv.state == EMERGENCY_PLACE:
        return s.migrant_lines(language, "migrant_help_coming")
    return s.migrant_lines(language, "migrant_callback", "\n\n", case_no=case.case_no)


def skip_field(turn: Turn, field: str) -> str:
    """Move on with a field marked unknown, say so, and let the staff see it."""
    turn.remember(**{DATA_KEY[field]: {} if field == "place" else None},
                  unknown=sorted(set(turn.data.get("unknown") or []) | {field}))
    turn.say(m.text(m.t("skipped_unknown", turn.lang, field=m.t(f"field_{field}", turn.lang))))
    if q.in_emergency(turn):
        c.add_details(turn.session, turn.settings, q.emergency_case(turn),
                      m.t("staff_unknown_fields", fields=m.t(f"field_{field}")))
    return q.next_question(turn)


_UNKNOWN_ONLY_CHARS = 12  # "ไม่สะดวกบอก", "don't know": longer answers say more


def skip_own_field(turn: Turn, given: Input) -> str:
    """'ไม่ทราบ' / 'ไม่สะดวกบอก' / 'skip' to the question asked."""
    field = FIELD_OF[turn.conv.state]
    if given.kind == "text" and len(replies.clean(given.text)) > _UNKNOWN_ONLY_CHARS and not (
            field == "phone" and only_a_number(given.text)):
        # "ไม่รู้ค่ะ อยู่ใกล้ปอยเปต": the words after "don't know" still reach the staff.
        _keep_words(turn, given.text)
    if field == "phone" and given.kind == "text" and replies.asks_not_to_be_called(given.text):
        # "ห้ามโทรนะคะ โทรศัพท์เป็นของสามี": staff must write in the chat, never call.
        note = m.t("staff_no_call")
        turn.remember(description=(turn.data.get("description", "") + f"\n({note})").strip())
        if q.in_emergency(turn):
            c.add_details(turn.session, turn.settings, q.emergency_case(turn), note)
    return skip_field(turn, field)


def _give_up_topic(turn: Turn, given: Input) -> str:
    return chose_topic(turn, Input("postback", params={"v": turn.data.get("topic") or "none"}))


def _give_up_consent(turn: Turn, given: Input) -> str:
    turn.say(m.text(m.t("consent_unclear", turn.lang), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


def _give_up_confirm(turn: Turn, given: Input) -> str:
    # Consent is given: sending the request is kinder than dropping it; they can still correct it.
    state = confirm_case(turn, given)
    turn.say(m.text(m.t("confirm_unclear_sent", turn.lang)))
    return state


def _to_idle(turn: Turn, given: Input) -> str:
    turn.say(m.text(m.t("chitchat_reply", turn.lang), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


def _danger_unanswered(turn: Turn, given: Input) -> str:
    return answered_danger(turn, Input("postback", params={"v": "yes"}))


GIVE_UP = {
    ASK_SUBJECT: skip_own_field, ASK_AGE: skip_own_field, ASK_PLACE: skip_own_field,
    CHOOSE_PLACE: skip_own_field, ASK_PHONE: skip_own_field, EMERGENCY_PLACE: skip_own_field,
    EMERGENCY_PHONE: skip_own_field, CHOOSE_TOPIC: _give_up_topic, ASK_CONSENT: _give_up_consent,
    CONFIRM: _give_up_confirm, CHOOSE_EDIT: lambda t, g: q.show_summary(t),
    CHECK_DANGER: _danger_unanswered, ASK_PROBLEM: _to_idle, ASK_INFO: _to_idle,
    OFFER_CASE: lambda t, g: declined_offer(t, g),
}


def ask_again(turn: Turn, given: Input) -> str:
    """A sticker, a stale button or another input this question does not take."""
    return retry(turn, given)


def media_during_question(turn: Turn, given: Input) -> str:
    """A photo is not an answer: it is kept (events.py) and the question put again. The first
    photo at a question is no failed answer (a bruise sent while asked where they are): it
    uses none of the question's two tries. A second photo there moves on, as two inputs the
    question cannot use always do. At the danger question every photo counts as a try
    (moving on there is the emergency)."""
    turn.say(m.text(m.t("attachment_received", turn.lang)))
    state, mark = turn.conv.state, _own_mark(turn)
    if state == CHECK_DANGER:
        return retry(turn, given, intro="")
    if mark.get("photo"):
        return GIVE_UP[state](turn, given)
    turn.remember(tries={**mark, "state": state, "n": int(mark.get("n", 0)), "photo": True})
    return q.QUESTIONS[state](turn)


# ---------------------------------------------------------------- danger

def answered_danger(turn: Turn, given: Input) -> str:
    """Danger now → emergency path; safe → the ordinary questions."""
    d = turn.data
    if given.params.get("v") == "yes":
        return s.start_emergency(turn, d.get("description", ""), d.get("topic", "none"), None)
    turn.remember(urgency=Urgency.NORMAL, danger_checked=True)
    turn.say(m.text(m.t("danger_downgraded", turn.lang)))
    if d.get("topic", "none") == taxonomy.NONE:
        return q.ask_topic(turn)
    return q.advance(turn)


def typed_danger(turn: Turn, given: Input) -> str:
    """A typed answer to the danger question: anything but a clear 'no' is treated as danger,
    and what it says ("สามีกำลังตีหนูอยู่", a place, a phone) joins the case and the alert."""
    text = given.text.strip()
    if replies.is_safe_answer(text):
        return answered_danger(turn, Input("postback", action="danger", params={"v": "no"}))
    rest = replies.safe_then_more(text)
    if rest is None and turn.data.get("topic") != "suicide_risk":
        # "ตอนนี้เขาออกไปแล้ว", "ตอนนี้ยังไม่ทำอะไรค่ะ": nobody is hurting them now.
        rest = replies.calm_now_then_more(text)
    if rest is not None and not (rest and _tells_danger(rest)):
        # "ไม่ค่ะ ไม่อันตราย แค่เหนื่อยมาก": safe, and the rest is kept (or answered, if a question).
        if len(rest) >= _STORY_MIN_CHARS:
            cls = s.classify(rest)
            if cls.kind == "inquiry" and cls.topic != taxonomy.NONE:
                turn.remember(urgency=Urgency.NORMAL, danger_checked=True)
                return s.start_inquiry(turn, Input("text", text=rest), cls)
            turn.remember(description=(turn.data.get("description", "") + "\n" + rest).strip())
        return answered_danger(turn, Input("postback", action="danger", params={"v": "no"}))
    d = turn.data
    if s._only_a_place(text) or s._only_a_phone(text):
        # "อยู่ ต.ในเมือง อ.เมือง จ.ขอนแก่น" after a cry for help: where to come, not a new topic.
        s.remember_early_answers(turn, text, s.classify(text))
    if not (replies.is_answer_word_only(text) or s._only_a_place(text) or s._only_a_phone(text)):
        cls = s.classify(text)
        turn.remember(description=(d.get("description", "") + "\n" + text).strip())
        s.remember_early_answers(turn, text, cls)
        topic = _topic_after_answer(d.get("topic", taxonomy.NONE), cls, text)
        turn.remember(topic=topic)
    return answered_danger(turn, Input("postback", action="danger", params={"v": "yes"}))


def _tells_danger(text: str) -> bool:
    signals = s.assess_text(text)
    return signals.emergency or s.classify(text).urgency == Urgency.EMERGENCY


# The general topics a bare cry for help is filed under until the person says more.
_PLACEHOLDER_TOPICS = (taxonomy.NONE, "hardship")


def _topic_after_answer(topic: str, cls: Any, text: str = "") -> str:
    """The topic once the answer to the danger question is read: suicide risk always wins (1323
    first), a story after a bare cry replaces the placeholder, else the more protective one."""
    new = cls.topic
    if new in (taxonomy.NONE, topic):
        return topic
    if new == "suicide_risk" and not _speaks_of_self_harm(text):
        # "มันกลับมาแล้ว": a few words the model cannot place are not a wish to die.
        return topic
    if new == "suicide_risk" or topic in _PLACEHOLDER_TOPICS:
        return new
    return taxonomy.more_protective(topic, new)


def _speaks_of_self_harm(text: str) -> bool:
    from intents.classifier import analyse

    cue = analyse(text).cues.get("self_harm")
    return bool(cue and cue.active)


def pin_before_danger_answer(turn: Turn, given: Input) -> str:
    """A pin while we wait to hear about danger: keep it, and ask the danger question again."""
    place = s.pin_place(turn, given)
    if place is not None:
        turn.remember(place=place)
    return retry(turn, given, intro="")


def danger_mid_conversation(turn: Turn, given: Input) -> str:
    """Drop the ordinary questions: numbers first, hotline alerted, keep what was said."""
    cls = s.classify(given.text)
    d = turn.data
    turn.remember(description=(d.get("description", "") + "\n" + given.text).strip())
    story = d.get("topic", "none")
    if cls.urgency == Urgency.EMERGENCY or cls.emergency_uncertain:
        topic = _topic_after_answer(story, cls, given.text)
    else:
        # "มันกลับมาแล้ว" in an abuse story: too few words for a topic of their own.
        topic = "domestic_violence" if story == "women_family" else story
    s.remember_early_answers(turn, given.text, cls)
    return s.start_emergency(turn, turn.data["description"], topic, None)


# ---------------------------------------------------------------- topic, who, age

def chose_topic(turn: Turn, given: Input) -> str:
    """Take the citizen's choice of topic and carry on."""
    topic = given.params.get("v", "none")
    if topic not in taxonomy.topics() or topic == taxonomy.NONE:
        topic = "hardship"  # "something else": the welfare department screens it
    turn.remember(topic=topic, topic_guessed=False)
    age = taxonomy.topic(topic).age_group
    if age:
        turn.remember(age_group=age)
    if topic in taxonomy.always_emergency():
        return s.start_emergency(turn, turn.data.get("description", ""), topic, None)
    return q.advance(turn)


def chose_subject(turn: Turn, given: Input) -> str:
    """Record who needs help (self, someone else, or not said)."""
    value = given.params.get("v")
    if value == "unknown":
        return skip_field(turn, "subject")
    subject = "self" if value == "self" else "other"
    turn.remember(subject=s.helped_by_request(subject, turn.data.get("description", "")))
    return q.advance(turn)


def typed_subject(turn: Turn, given: Input) -> str:
    """Understand a typed answer to 'who needs help?', or keep it as detail and ask again."""
    subject = replies.subject_from(given.text)
    if subject is None:
        return retry(turn, given)
    return chose_subject(turn, Input("postback", params={"v": subject}))


def _set_age(turn: Turn, group: str) -> None:
    d = turn.data
    turn.remember(age_group=group)
    stronger = s.protective(d.get("topic", "none"), group, d.get("description", ""))
    if stronger != d.get("topic"):
        turn.remember(topic=stronger)


def chose_age(turn: Turn, given: Input) -> str:
    """Record the age group; the more protective topic wins for children and older persons."""
    group = given.params.get("v")
    if group == "unknown":
        return skip_field(turn, "age")
    if group not in ("child", "adult", "elderly"):
        return retry(turn, given)
    _set_age(turn, group)
    return q.advance(turn)


_THAI_UNITS = {"หนึ่ง": 1, "เอ็ด": 1, "สอง": 2, "สาม": 3, "สี่": 4, "ห้า": 5, "หก": 6, "เจ็ด": 7,
               "แปด": 8, "เก้า": 9}
_UNIT = "|".join(_THAI_UNITS)
# "สี่สิบ", "เจ็ดสิบห้า", "ยี่สิบเอ็ด", "สิบหก": an age written in Thai words.
_THAI_AGE = re.compile(rf"(?:({_UNIT}|ยี่)?(สิบ))?({_UNIT})?(?=\s*(?:ปี|ขวบ|กว่า|$))")


def _thai_number(text: str) -> int | None:
    """An age written in Thai number words, or None."""
    for match in _THAI_AGE.finditer(text.replace(" ", "")):
        tens, ten, unit = match.groups()
        if not (ten or unit):
            continue
        value = (2 if tens == "ยี่" else _THAI_UNITS.get(tens or "", 1)) * 10 if ten else 0
        return value + (_THAI_UNITS[unit] if unit else 0)
    return None


def age_group_of(text: str) -> str | None:
    """'75', '5 ขวบ', 'สี่สิบค่ะ', 'เด็ก', 'ผู้สูงอายุ' as an age group, or None."""
    text = taxonomy.arabic_digits(text).lower()
    number = AGE_NUMBER.search(text)
    age = int(number.group(1)) if number and int(number.group(1)) <= 120 else \
        _thai_number(replies.clean(text))
    if age is not None:
        return "child" if age < 18 else "elderly" if age >= 60 else "adult"
    if any(w in text for w in ("เด็ก", "child", "kid", "ลูก")):
        return "child"
    if any(w in text for w in ("สูงอายุ", "คนแก่", "ยาย", "ตา", "elder", "old")):
        return "elderly"
    if any(w in text for w in ("ผู้ใหญ่", "adult")):
        return "adult"
    return None


def typed_age(turn: Turn, given: Input) -> str:
    """Understand a typed age or age group."""
    group = age_group_of(given.text)
    if group is None:
        return retry(turn, given)
    return chose_age(turn, Input("postback", params={"v": group}))


# ---------------------------------------------------------------- place

def settle_place(turn: Turn, place: dict[str, Any], say: bool = True) -> None:
    """Keep a settled place; in an emergency re-route the case and tell the hotline (with a map)."""
    turn.remember(place=place, place_options=None)
    _known_now(turn, "place")
    if place.get("abroad"):
        key = "place_abroad" if place.get("pin") else "place_abroad_typed"
        turn.say(m.text(m.t(key + "_emergency" if q.in_emergency(turn) else key, turn.lang)))
    elif say:
        turn.say(m.text(m.t("place_got", turn.lang, place=q.place_label(turn))))
    if q.in_emergency(turn):
        case = q.emergency_case(turn)
        c.apply_place(case, place)
        what = f"สถานที่: {c.place_words(place) or '-'}" + m.map_line(
            place.get("latitude"), place.get("longitude"), approximate=not place.get("pin"))
        c.add_details(turn.session, turn.settings, case, what, place=q.place_obj(place),
                      public=f"สถานที่: {place.get('label_th') or '-'}")


def received_location(turn: Turn, given: Input) -> str:
    """A LINE location pin: the subdistrict whose centroid is nearest."""
    place = s.pin_place(turn, given)
    if place is None:
        return retry(turn, given, intro="place_outside")
    settle_place(turn, place)
    return q.next_question(turn)


def location_again(turn: Turn, given: Input) -> str:
    """A pin while something else is asked: keep the place, then put the question again."""
    place = s.pin_place(turn, given)
    if place is not None:
        settle_place(turn, place)
    return retry(turn, given, intro="" if place else "place_outside")


def emergency_place(text: str) -> Place | None:
    """In an emergency: an unmistakable place, or the most precise one all readings agree on."""
    explicit = extract_place(text)
    found = locate_text(text)
    if explicit.best is not None and not explicit.ambiguous:
        best = explicit.best
        # "แถวบางกะปิ กรุงเทพ": the province is explicit, the เขต is in the candidates.
        finer = [p for p in found.candidates if p.province_code == best.province_code
                 and p.level != "province"]
        return finer[0] if best.level == "province" and finer else best
    short = len(text.strip()) <= 40
    if short and found.best is not None and not found.ambiguous and found.best.confidence >= 0.9:
        return found.best
    return None


def typed_emergency_place(turn: Turn, given: Input) -> str:
    """A typed place during an emergency: taken only when clear (no silent re-routing)."""
    abroad = s.typed_abroad_place(without_phones(given.text))
    if abroad is not None:
        # "พี่อยู่มาเลเซียค่ะ ส่วนหนูอยู่ขอนแก่น": abroad, never the writer's Thai province.
        _took_phone_instead(turn, given)
        settle_place(turn, abroad)
        return q.next_question(turn)
    place = emergency_place(given.text)
    if place is None:
        if _took_phone_instead(turn, given):
            return q.QUESTIONS[turn.conv.state](turn)
        _tell_hotline_possible_places(turn, given.text)
        return retry(turn, given, intro="")
    _took_phone_instead(turn, given)
    settle_place(turn, q.place_dict(place, without_phones(given.text)))
    return q.next_question(turn)


_MAX_POSSIBLE_PLACES = 5


def _tell_hotline_possible_places(turn: Turn, text: str) -> None:
    """"แถวบางนา", "เรือออกจากมหาชัย": a name several places share is never settled silently in
    an emergency, but the hotline is told which places it may be, so it can ask on the call."""
    found = locate_text(text)
    labels = list(dict.fromkeys(p.label_th for p in found.candidates if p.label_th))
    if not (found.ambiguous and 2 <= len(labels) <= _MAX_POSSIBLE_PLACES):
        return
    if turn.data.get("place_hint") == labels:
        return  # told already
    turn.remember(place_hint=labels)
    case = q.emergency_case(turn)
    c.add_details(turn.session, turn.settings, case, "สถานที่ที่พิมพ์อาจเป็น: " + " / ".join(labels),
                  public=m.t("staff_more_words"))


def _took_phone_instead(turn: Turn, given: Input) -> bool:
    """A phone number typed at the place question is the phone: keep it and say so, so it is
    not asked for again (the place question is then put once more)."""
    phone = find_phone(given.text)
    if not phone or turn.data.get("phone") == phone:
        return False
    _settle_phone(turn, phone)
    turn.say(m.text(m.t("phone_kept", turn.lang, value=format_phone(phone))))
    return True


def typed_place(turn: Turn, given: Input) -> str:
    """A typed place: settle it, ask to choose when several fit, or ask again."""
    abroad = s.typed_abroad_place(without_phones(given.text))
    if abroad is not None:
        _took_phone_instead(turn, given)
        settle_place(turn, abroad)
        return q.advance(turn)
    typed = given.text
    if turn.data.get("topic") in _LEFT_BEHIND_TOPICS:
        # "ลูกไปทำงานกรุงเทพค่ะ" about a grandmother left alone: where the child went is not
        # where she is; the words are kept and the question put again.
        typed = replies.without_gone_to_places(typed)
    result = locate_text(typed)
    if result.best is None and not result.candidates and _took_phone_instead(turn, given):
        return q.QUESTIONS[turn.conv.state](turn)
    if result.ambiguous and result.candidates:
        if turn.conv.state == CHOOSE_PLACE:
            # Typed again instead of choosing: never a third list. Keep what all the
            # candidates share (their province), else move on with the place unknown.
            return _settle_common_area(turn, list(result.candidates), given.text)
        return ask_choose_place(turn, list(result.candidates), given.text)
    if result.best is None and typed != given.text and locate_text(given.text).best is not None:
        turn.say(m.text(m.t("place_of_person", turn.lang)))
        return retry(turn, given, intro="")
    if result.best is None:
        return retry(turn, given, intro="place_not_found")
    # "อยู่ ต.บ้านเป็ด อ.เมือง ขอนแก่น เบอร์ 081…": two answers at once; the phone is kept
    # (not asked again) and stays out of the place the staff read.
    _took_phone_instead(turn, given)
    settle_place(turn, q.place_dict(result.best, without_phones(given.text)))
    return q.advance(turn)


# Topics of someone left behind by relatives who went away to work (the place they went to is
# not the place of the person needing help).
_LEFT_BEHIND_TOPICS = ("elderly_care", "elderly_benefits", "child_support", "disability")


def _settle_common_area(turn: Turn, candidates: list[Place], text: str) -> str:
    """The province every candidate lies in, when there is one; else the place is unknown."""
    provinces = {p.province_code for p in candidates if p.province_code}
    if len(provinces) != 1:
        return skip_field(turn, "place")
    settle_place(turn, q.place_dict(make_place(provinces.pop(), 0.5), text))
    return q.advance(turn)


def ask_choose_place(turn: Turn, candidates: list[Place], text: str) -> str:
    """Several places share the name: the citizen chooses (never a silent guess)."""
    turn.remember(place_options=[q.place_dict(p, text) for p in candidates[:10]])
    return q.choose_place(turn)


def chose_place(turn: Turn, given: Input) -> str:
    """Take the chosen candidate."""
    options = turn.data.get("place_options") or []
    try:
        place = options[int(given.params.get("i", "-1"))]
    except (ValueError, IndexError):
        return retry(turn, given, intro="")
    settle_place(turn, place)
    return q.advance(turn)


def rejected_places(turn: Turn, given: Input) -> str:
    """None of the candidates: ask for more detail (district, province) or a pin."""
    turn.remember(place_options=None)
    return retry(turn, given, intro="place_not_found")


def skipped_place(turn: Turn, given: Input) -> str:
    """No place given: the case goes to the department's central intake."""
    return skip_field(turn, "place")


# ---------------------------------------------------------------- phone, consent, confirm

def _known_now(turn: Turn, field: str) -> None:
    """A field skipped earlier and given now is no longer marked unknown for the staff."""
    unknown = turn.data.get("unknown") or []
    if field in unknown:
        turn.remember(unknown=[f for f in unknown if f != field])


def _settle_phone(turn: Turn, phone: str) -> None:
    turn.remember(phone=phone)
    _known_now(turn, "phone")
    if q.in_emergency(turn):
        case = q.emergency_case(turn)
        case.phone = phone
        c.add_details(turn.session, turn.settings, case, f"เบอร์ติดต่อ: {format_phone(phone)}",
                      public=m.t("staff_phone_received"))


_NO_NUMBER = {"ไม่มี", "ไม่สะดวก", "ไม่ให้", "ไม่มีเบอร์", "ไม่มีโทรศัพท์", "no", "none", "no number"}


def typed_phone(turn: Turn, given: Input) -> str:
    """A Thai or international number; ask again once on a slip."""
    phone = normalize_phone(given.text) or find_phone(given.text)
    if phone is None:
        # "ไม่มีค่ะ", "ไม่สะดวก" are a refusal; "ไม่มีเงินซื้อยา" is more of the story.
        if replies.declines_phone(given.text) or replies.clean(given.text) in _NO_NUMBER:
            return declined_phone(turn, given)
        # A refused number ("0812345") is no part of the story: not kept, never sent as details.
        return retry(turn, given, intro="phone_invalid", keep=not only_a_number(given.text))
    _settle_phone(turn, phone)
    _keep_call_wishes(turn, given.text, phone)
    return q.next_question(turn)


_NUMBER_RUN = re.compile(r"[+(]?\d[\d\s\-().]*")
_PHONE_WORDS = re.compile(r"เบอร์(?:โทร(?:ศัพท์)?)?|โทร(?:ศัพท์)?|มือถือ|\btel\b\.?|\bphone\b|\bnumber\b|\bmy\b|\bis\b",
                          re.IGNORECASE)


def only_a_number(text: str) -> bool:
    """True when a text is a number and little else ("0812345", "เบอร์ 0812 3456 ค่ะ")."""
    digits = taxonomy.arabic_digits(text)
    rest = _PHONE_WORDS.sub(" ", _NUMBER_RUN.sub(" ", digits))
    return any(ch.isdigit() for ch in digits) and len(replies.clean(rest)) < 4


def _keep_call_wishes(turn: Turn, text: str, phone: str) -> None:
    """A second number, "หลังหกโมงเย็น", "เบอร์แม่นะคะ", "ห้ามโทรตอนกลางวัน": what is said with the
    number reaches the staff who will call."""
    rest = re.sub(r"[+(]?\d[\d\s\-().]{5,}\d", " ", text)
    if len(replies.clean(rest)) < 4 and len(re.findall(r"\d{6,}", re.sub(r"\D", " ", text))) < 2:
        return
    # Verbatim: "ห้ามโทรตอนกลางวัน สามีอยู่" is when not to call, not "never call".
    note = m.t("staff_call_wishes", said=text.strip()[:300])
    turn.remember(description=(turn.data.get("description", "") + "\n" + note).strip())
    if q.in_emergency(turn):
        c.add_details(turn.session, turn.settings, q.emergency_case(turn), note)


def declined_phone(turn: Turn, given: Input) -> str:
    """The citizen prefers not to give a number; staff will answer over LINE."""
    turn.remember(phone=None)
    return q.next_question(turn)


def answered_consent(turn: Turn, given: Input) -> str:
    """Record consent (answer, time, notice version); without it nothing is shared."""
    agreed = given.params.get("v") == "yes"
    turn.remember(consent=agreed, consent_at=turn.now.isoformat())
    record_consent(turn, agreed)
    if not agreed:
        turn.say(m.text(m.t("consent_declined", turn.lang), m.main_menu(turn.lang)))
        turn.forget()
        return IDLE
    return q.advance(turn)


def typed_consent(turn: Turn, given: Input) -> str:
    """Understand a typed yes / no to the consent question."""
    if replies.declines_phone(given.text) or re.search(r"เบอร์|โทรศัพท์|phone|number", given.text, re.I):
        # "ไม่มีเบอร์" here is about the phone, never a refusal to share the request.
        phone = find_phone(given.text)
        if phone:
            _settle_phone(turn, phone)
        else:
            turn.remember(phone=None)
        return retry(turn, given, intro="")  # asked again once, never a third time
    if replies.says_no(given.text):
        return answered_consent(turn, Input("postback", params={"v": "no"}))
    if replies.says_yes(given.text):
        return answered_consent(turn, Input("postback", params={"v": "yes"}))
    return retry(turn, given)


def unsure_of_consent(turn: Turn, given: Input) -> str:
    """'ไม่แน่ใจ' to consent: explain what it means and ask once more (never read as a no)."""
    return retry(turn, given, intro="consent_explain")


def confirm_case(turn: Turn, given: Input) -> str:
    """Create the case, route it, notify the centre and give the citizen its number."""
    d, lang = turn.data, turn.lang
    topic = s.protective(d.get("topic", "hardship"), d.get("age_group"), d.get("description", ""))
    intake = c.Intake(kind=d.get("kind", "problem"), topic=topic,
                      urgency=d.get("urgency", Urgency.NORMAL),
                      description=d.get("description", "") + s.unknown_note(turn),
                      reporter=turn.user_id, language=lang, subject=d.get("subject"),
                      age_group=d.get("age_group"), place=d.get("place") or {},
                      phone=d.get("phone"), consent=True,
                      consent_at=datetime.fromisoformat(d["consent_at"]),
                      notice_version=turn.settings.privacy_notice_version)
    case = c.create_case(turn.session, turn.settings, intake, q.place_obj(d.get("place")), turn.now)
    s.link_attachments(turn, case)
    turn.say(case_confirmation_for(case, c.department_label(case, lang), lang))
    turn.forget()
    return IDLE


def typed_confirm(turn: Turn, given: Input) -> str:
    """Understand a typed confirm / change, or more facts for the request."""
    forgotten = replies.forgotten_words(given.text)
    if forgotten is not None:
        # "ลืมบอกไปค่ะ แม่เป็นเบาหวานด้วย": more of the story, not a change of an answer (nor one
        # of the summary's two tries): added to the details, and the summary shown again.
        if len(replies.clean(forgotten)) >= 2:
            told = turn.data.get("description", "")
            turn.remember(description=(told + "\n" + forgotten).strip())
            turn.say(m.text(m.t("forgot_added", turn.lang)))
        else:
            turn.say(m.text(m.t("forgot_tell_more", turn.lang)))
        return q.show_summary(turn)
    subject = replies.subject_from(given.text) if len(replies.clean(given.text)) <= 12 else None
    if subject and subject != turn.data.get("subject"):
        # "ตัวเองค่ะ" at the summary: it is about the writer; say so and show the summary again.
        turn.remember(subject=subject)
        turn.say(m.text(m.t("corrected", turn.lang, field=m.t("field_subject", turn.lang),
                            value=m.t(f"subject_{subject}", turn.lang))))
        return q.show_summary(turn)
    if replies.wants_to_edit(given.text):
        return q.choose_edit(turn)
    if replies.wants_to_confirm(given.text):
        return confirm_case(turn, given)
    return retry(turn, given)


def chose_edit(turn: Turn, given: Input) -> str:
    """'Change' on the summary: which answer."""
    return q.choose_edit(turn)


def edit_field(turn: Turn, given: Input) -> str:
    """Ask one answer again; the summary follows once everything is known."""
    field = given.params.get("v")
    if field == "topic":
        return q.ask_topic(turn)
    if field == "subject":
        turn.data.pop("subject", None)
        return q.ask_subject(turn)
    if field == "phone":
        return q.ask_phone(turn)
    return q.ask_place(turn)


# ---------------------------------------------------------------- corrections

def correction_place(text: str) -> Place | None:
    """A place written in a correction, when it is clear."""
    return emergency_place(text)


def corrected(turn: Turn, given: Input) -> str:
    """'พิมพ์ผิด…', 'เปลี่ยนเป็น…', a new place while another field is asked: change it, say so."""
    state, text = turn.conv.state, given.text
    changed: list[str] = []
    phone = find_phone(text)
    if phone:
        first = not turn.data.get("phone")
        _settle_phone(turn, phone)
        changed.append("phone")
        turn.say(m.text(m.t("phone_kept", turn.lang, value=format_phone(phone)) if first else
                        m.t("corrected", turn.lang, field=m.t("field_phone", turn.lang),
                            value=format_phone(phone))))
    place = correction_place(text)
    if place is not None:
        settle_place(turn, q.place_dict(place, text), say=False)
        changed.append("place")
        turn.say(m.text(m.t("corrected", turn.lang, field=m.t("field_place", turn.lang),
                            value=q.place_label(turn))))
    stated = AGE_STATED.search(taxonomy.arabic_digits(text))
    if stated and "age_group" in turn.data and int(stated.group(1) or stated.group(2)) <= 120:
        group = age_group_of(stated.group(0))
        if group:
            _set_age(turn, group)
            changed.append("age")
            turn.say(m.text(m.t("corrected", turn.lang, field=m.t("field_age", turn.lang),
                                value=m.t(f"age_{group}", turn.lang))))
    if not changed:
        if q.in_emergency(turn):
            return retry(turn, given, intro="")
        turn.say(m.text(m.t("correction_which", turn.lang)))
        return q.choose_edit(turn)
    if FIELD_OF.get(state) in changed:
        return q.next_question(turn)
    # The question asked is still open. Another field's answer counts as one of its two tries,
    # so it is never put a third time ("กรุงเทพ แถวหมอชิต", "081…", "หมอชิต" at the topic menu).
    n = _tries(turn) + 1
    turn.remember(tries={"state": state, "n": n})
    if n >= MAX_TRIES and state in GIVE_UP and state not in (ASK_CONSENT,):
        return GIVE_UP[state](turn, given)
    return q.QUESTIONS[state](turn)


def mentions_place(text: str) -> bool:
    """True when a typed answer carries a clear place (a correction of the place)."""
    return correction_place(text) is not None


# ---------------------------------------------------------------- menu-like and closing

def follow_mid_conversation(turn: Turn, given: Input) -> str:
    """'ติดตามเรื่อง' in the middle of questions: the status, then the open question again."""
    s.answer_follow_up(turn, given)
    return q.QUESTIONS[turn.conv.state](turn)


def accepted_offer(turn: Turn, given: Input) -> str:
    """The citizen wants help after an answer: continue as a new problem."""
    turn.remember(kind="problem")
    topic = turn.data.get("topic", "none")
    if topic in taxonomy.always_emergency():
        return s.start_emergency(turn, turn.data.get("description", ""), topic, None)
    age = taxonomy.topic(topic).age_group
    if age:
        turn.remember(age_group=age)
    return q.advance(turn)


def text_after_answer(turn: Turn, given: Input) -> str:
    """After an answer: a typed yes or no to the offer of a case is that answer, a follow-up
    question stays with the service; anything else is new."""
    offer = replies.answers_offer(given.text)
    if offer == "yes" and not s.danger_now(s.classify(given.text), given.text):
        return accepted_offer(turn, given)
    if offer == "no":
        return declined_offer(turn, given)
    if not s.another_question(turn, given):
        return s.idle_text(turn, given)
    d, lang = turn.data, turn.lang
    service = d.get("service")
    turn.say(m.text(m.service_answer(service, lang) if service else m.inquiry_answer(d.get("topic", "none"), lang)))
    return retry(turn, given, intro="")


def declined_offer(turn: Turn, given: Input) -> str:
    """No case wanted: close kindly."""
    turn.say(m.text(m.t("thanks_reply", turn.lang), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


def asked_problem(turn: Turn, given: Input) -> str:
    """After 'get help', the text describes a problem; a chit-chat answer is asked again once."""
    state = s.asked_problem(turn, given)
    return state if state is not None else retry(turn, given)


def cancel(turn: Turn, given: Input) -> str:
    """Stop gently from any state; an emergency case stays with the hotline, which is told.
    What was said is kept for RESUME_MINUTES, so "เปลี่ยนใจค่ะ ขอแจ้งต่อ" can pick it up again."""
    state = turn.conv.state
    kept = _resumable(turn, state)
    hint = "\n" + m.t("resume_hint", turn.lang, minutes=s.RESUME_MINUTES) if kept else ""
    if q.in_emergency(turn) and turn.conv.case_id:
        case = q.emergency_case(turn)
        c.add_details(turn.session, turn.settings, case, m.t("emergency_withdrawn_staff"))
        case.record("citizen_stopped_questions", actor=f"line:{turn.user_id}")
        turn.say(m.text(m.t("cancelled_case_kept", turn.lang, case_no=case.case_no) + hint,
                        m.main_menu(turn.lang)))
    else:
        turn.say(m.text(m.t("cancelled", turn.lang) + hint, m.main_menu(turn.lang)))
    turn.forget()
    if kept:
        turn.remember(cancelled=kept)
    return IDLE


def _resumable(turn: Turn, state: str) -> dict[str, Any] | None:
    """What a cancelled request needs to be taken up again: its state, answers and case."""
    if state == IDLE or not turn.data:
        return None
    answers = {k: v for k, v in turn.data.items() if k not in ("tries", "cancelled", "fragments")}
    if not answers and not turn.conv.case_id:
        return None
    return {"at": turn.now.isoformat(), "state": state, "data": answers,
            "case_id": turn.conv.case_id if q.in_emergency(turn) else None}


def sticker_idle(turn: Turn, given: Input) -> str:
    """A sticker with no question open: a friendly nudge and the menu."""
    turn.say(m.text(m.t("sticker_reply", turn.lang), m.main_menu(turn.lang)))
    return IDLE


def media_idle(turn: Turn, given: Input) -> str:
    """A photo with no question open: kept (with the open case, or the next one). With no open
    case, nothing has been reported yet: say so kindly, and ask for a few words (or a call)."""
    if any(k.is_open for k in c.cases_of(turn.session, turn.user_id, limit=5)):
        turn.say(m.text(m.t("attachment_received", turn.lang)))
        return IDLE
    lang = turn.lang
    turn.say(m.text(m.t("attachment_first", lang),
                    [m.call_button(m.t("call_1300", lang), "1300"), *m.main_menu(lang)[:3]]))
    return IDLE  # the words that follow are a first message; the file joins their case


def stale_idle(turn: Turn, given: Input) -> str:
    """A button from an old message with nothing under way: greet and show the menu."""
    return s.answer_chitchat(turn, Input("text"))


def danger_timeout(turn: Turn, given: Input) -> str:
    """Nobody answered whether they are in danger: treat it as an emergency."""
    d = turn.data
    return s.start_emergency(turn, d.get("description", ""), d.get("topic", "none"), None)


def idle_timeout(turn: Turn, given: Input) -> str:
    """Forget an idle conversation's unsent answers, kindly telling the citizen."""
    turn.say(m.text(m.t("expired", turn.lang), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE


def confirm_timeout(turn: Turn, given: Input) -> str:
    """Silence at the summary after consent: the request is sent, not deleted (someone who
    typed "ได้ค่ะ" and left believes it was sent); they can still correct it later."""
    if not turn.data.get("consent"):
        return idle_timeout(turn, given)
    state = confirm_case(turn, given)
    turn.say(m.text(m.t("confirm_timeout_sent", turn.lang)))
    return state


def emergency_timeout(turn: Turn, given: Input) -> str:
    """The emergency questions went unanswered: the case stays with the hotline as it is."""
    case = q.emergency_case(turn)
    case.record("citizen_stopped_questions", actor="timeout")
    c.add_details(turn.session, turn.settings, case, m.t("staff_citizen_quiet"))
    # Not "deleted": the case is with the hotline, and a place or phone sent later joins it
    # (start.py late_emergency_details).
    turn.say(m.text(m.t("emergency_quiet", turn.lang, case_no=case.case_no), m.main_menu(turn.lang)))
    turn.forget()
    return IDLE

