"""Reading a citizen's input as one of the table's events (cancel, danger, a correction…)."""

from __future__ import annotations

import re

import taxonomy
from handlers import replies
from handlers.conversation import answers as a
from handlers.conversation.start import menu_choice
from handlers.conversation.states import (
    ASK_CONSENT,
    ASK_PHONE,
    ASK_PLACE,
    CANCEL,
    CHOOSE_PLACE,
    CORRECTION,
    DANGER,
    EMERGENCY_PHONE,
    EMERGENCY_PLACE,
    FOLLOW,
    STALE,
    TEXT,
    UNKNOWN,
)
from handlers.phone import find_phone
from handlers.turn import Input
from intents import classify
from intents.classifier import analyse
from intents.urgency import assess
from models import Urgency

# What a mid-conversation answer carries besides danger: places, numbers, apologies and
# corrections. They are taken out before the classifier reads the rest: an address such as
# "ซอยลาดพร้าว 101 แขวงคลองจั่น" must never read as an emergency.
_PLACE_PARTS = re.compile(
    r"(ซอย|ซ\.|ถนน|ถ\.|หมู่บ้าน|หมู่ที่|หมู่|ม\.|บ้านเลขที่|เลขที่|ตำบล|ต\.|แขวง|อำเภอ|อ\.|เขต|"
    r"จังหวัด|จ\.|แถว|ใกล้|อยู่ที่)\s*\S*|กรุงเทพ\S*|กทม\.?|\+?\d[\d\s\-/().]*")
_NOT_DANGER = re.compile(r"ขอโทษ\S*|ขออภัย|พิมพ์ผิด|แก้เป็น|เปลี่ยนเป็น|ไม่ใช่\S*|sorry|typo|i meant",
                         re.IGNORECASE)
_MIN_DANGER_CHARS = 8
_UNKNOWN_ONLY_CHARS = 12
PLACE_STATES = (ASK_PLACE, CHOOSE_PLACE, EMERGENCY_PLACE)
PHONE_STATES = (ASK_PHONE, EMERGENCY_PHONE)


def danger_text(text: str) -> str:
    """The part of an answer that could describe danger (places, numbers, apologies removed)."""
    rest = _NOT_DANGER.sub(" ", _PLACE_PARTS.sub(" ", text))
    return re.sub(r"\s+", " ", rest).strip()


def reads_as_danger(text: str) -> bool:
    """True when an answer in the middle of questions says someone is in danger now."""
    rest = danger_text(text)
    if len(rest) < _MIN_DANGER_CHARS or replies.is_cancel(rest):
        return False
    if replies.is_unknown(rest) and len(replies.clean(rest)) <= _UNKNOWN_ONLY_CHARS:
        return False  # "ไม่รู้ค่ะ", "ไม่แน่ใจ"; but "ไม่รู้จะอยู่ไปทำไมแล้ว" is read for danger
    # A danger cue as well as the model: a fragment such as "อยู่หน้าเซเว่น" is too short for
    # the model alone, which learned whole messages.
    signals = assess(analyse(rest).cues)
    if not (signals.emergency or signals.uncertain):
        return False
    cls = classify(rest)
    # As on first messages: a follow-up or a question that tells of danger now is danger.
    return cls.urgency == Urgency.EMERGENCY or (
        signals.emergency and cls.emergency_uncertain and cls.kind != "problem")


def is_correction(state: str, text: str) -> bool:
    """A correction word, or a clear place typed while another field is asked."""
    if replies.is_correction(text):
        # At the consent question a bare "ไม่ใช่" is an answer; a correction carries the field.
        return state != ASK_CONSENT or find_phone(text) is not None or a.mentions_place(text)
    if state not in PHONE_STATES and state not in PLACE_STATES and find_phone(text) is not None:
        return True  # a number typed at another question is the phone: keep it, say so
    return state not in PLACE_STATES and a.mentions_place(text)


# In a story of harm by others (taxonomy harm_by_others_topics), "มันกลับมาแล้ว" or a bare
# "ช่วยด้วย" at any question is danger, whatever the classifier makes of so few words.
_ABUSER_BACK = re.compile(
    r"(มัน|เขา|เค้า|ผัว|สามี|แฟน|พ่อ|พ่อเลี้ยง|ลุง|พี่)?\s*(กลับมา(แล้ว|อีก)|มาแล้ว|มาถึงแล้ว|มาอีกแล้ว|"
    r"อยู่หน้าบ้าน|อยู่หน้าห้อง|เคาะประตู|ทุบประตู|พังประตู|เข้ามาในบ้าน)"
    r"|\b(he[' ]?s|he is|she[' ]?s|she is|they[' ]?re|they are) (back|here|outside)|\bhe came back",
    re.IGNORECASE)
# "Very soon" is danger too (taxonomy: life or safety at risk now or very soon): the abuser
# gone for the moment but coming back ("ตอนนี้เขาออกไปแล้ว" · "แต่เดี๋ยวเขากลับมา").
_ABUSER_RETURNING = re.compile(
    r"(เดี๋ยว|กำลังจะ|คืนนี้|เย็นนี้|อีกเดี๋ยว)\s*(มัน|เขา|เค้า|ผัว|สามี|แฟน|พ่อ|พ่อเลี้ยง|ลุง|พี่)?\s*(ก็)?\s*(จะ)?\s*กลับ(มา|บ้าน)"
    r"|\b(he|she|they)('ll| will) be back\b|\b(he|she|they)('s| is|'re| are) coming back\b",
    re.IGNORECASE)
_HELP_CRY = re.compile(r"^(?:(ช่วยด้วย|ช่วยหนูด้วย|ช่วยผมด้วย|ช่วยฉันด้วย|ช่วยที|sos|help|help me|🆘)[!\s]*)+$",
                       re.IGNORECASE)


def danger_in_context(topic: str | None, text: str) -> bool:
    """A few words that mean danger: a bare cry for help anywhere, or the abuser back (or
    coming back soon) in a story of harm by others."""
    words = replies.clean(text)
    if _HELP_CRY.match(words):
        return True  # a bare cry for help in the middle of any request
    if topic not in taxonomy.harm_by_others_topics():
        return False
    return len(words) <= 40 and bool(_ABUSER_BACK.search(words) or _ABUSER_RETURNING.search(words))


def read(state: str, row: dict[str, object], given: Input, topic: str | None = None) -> str:
    """The event an input is for a state whose table row is `row` (`topic`: the story's)."""
    if given.kind == "postback":
        if given.action == "cancel":
            return CANCEL
        key = given.key
        return key if key in row else STALE
    if given.kind != "text":
        return given.kind
    text = given.text
    if replies.is_cancel(text):
        return CANCEL
    # "ห้ามโทรตอนกลางวันนะคะ สามีอยู่ 0812345678" gives a number with a wish: never a refusal.
    gives_number = state in PHONE_STATES and find_phone(text) is not None
    if UNKNOWN in row and state in PHONE_STATES and replies.declines_phone(text) and not gives_number:
        return UNKNOWN  # "I don't want to give my number" is no wish to die
    if DANGER in row and (reads_as_danger(text) or danger_in_context(topic, text)):
        return DANGER
    if FOLLOW in row and menu_choice(text) == "follow":
        return FOLLOW
    if UNKNOWN in row and not gives_number and (
            replies.is_unknown(text) or (state in PHONE_STATES and replies.declines_phone(text))):
        return UNKNOWN
    if CORRECTION in row and is_correction(state, text):
        return CORRECTION
    return TEXT
