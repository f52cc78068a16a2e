"""Harms an independent tester found in the bot's reading of a message, and their near misses.

Each table is one phenomenon, fixed by a cue group or rule (intents/data/cues.yaml,
urgency.yaml, classifier.py) rather than by the sentence: the messages here are not training
lines (checked below), so they test what the classifier does with the phenomenon.
"""

from __future__ import annotations

import pytest

from intents import classify, detect_language
from intents.lexicon import scan
from intents.normalize import normalize
from intents.resources import DATA_DIR, TRAINING_FILES, read_jsonl

# (text, kind, topic, urgency, emergency_uncertain); None = not checked.
HABITUAL_VIOLENCE = [
    # Habitual partner violence told by the victim: a domestic-violence problem, asked about
    # once (emergency_uncertain), never alerted without "now".
    ("สามีชอบตีเวลาเมา", "problem", "domestic_violence", "normal", True),
    ("สามีชอบด่า ชอบตีเวลาเมา อยากปรึกษาว่าจะทำยังไงดีค่ะ", "problem", "domestic_violence",
     "normal", True),
    ("แฟนชอบต่อยหนูเวลาโมโห ไม่รู้จะทำยังไงแล้วค่ะ", "problem", "domestic_violence", "normal", True),
    # Near misses: the habit beside violence going on now is an emergency ...
    ("ผัวชอบตีเวลาเมา ตอนนี้เมากลับมาแล้ว กำลังตีหนูอยู่ ช่วยด้วย", "problem", "domestic_violence",
     "emergency", None),
    # ... a past event with the person safe now stays a plain question.
    ("เคยโดนสามีตีเมื่อปีที่แล้ว ตอนนี้หย่าแล้ว อยากถามเรื่องสิทธิ์", "inquiry", "domestic_violence",
     "normal", None),
]

ALONE_AND_HELPLESS = [
    # An older or disabled person alone and unable to eat or move (taxonomy.md §3).
    ("ผมเป็นคนพิการนั่งรถเข็น อยู่คนเดียว คนดูแลลาออกไปสามวันแล้ว ไม่มีใครช่วยอาบน้ำ กินข้าว",
     "problem", "disability", "emergency", None),
    ("ยายอายุ 78 อยู่คนเดียว ข้าวสารหมดแล้ว เดินไม่ค่อยไหว", "problem", "elderly_care",
     "emergency", None),
    ("พ่อเป็นอัมพาต อยู่บ้านคนเดียว ผู้ดูแลเลิกมาตั้งแต่วันเสาร์", "problem", None, "emergency", None),
    # Near misses: a carer gone with family there, or a walking aid asked for, is no emergency.
    ("คนดูแลแม่ที่เป็นอัมพาตลาออก ตอนนี้หนูกับน้องช่วยกันดูแลแม่เอง อยากได้ผู้ช่วยคนใหม่",
     None, None, "normal", None),
    ("ยายเดินไม่ค่อยได้ อยากขอไม้เท้ากับรถเข็น ต้องไปติดต่อที่ไหนคะ", "inquiry", None, "normal", None),
]

PHONE_OUT = [
    # A battery, phone, data or credit running out is never danger.
    ("เมื่อกี้แบตหมดค่ะ", None, "none", "normal", False),
    ("ขอโทษค่ะ เมื่อกี้แบตหมด อยู่ ต.ในเมือง อ.เมือง จ.ขอนแก่นค่ะ", None, None, "normal", False),
    ("เน็ตหมดค่ะ", None, "none", "normal", False),
    ("เงินในโทรศัพท์หมด", None, "none", "normal", False),
    ("sorry my battery died", None, "none", "normal", False),
    # Near misses: a dying battery inside a real emergency stays an emergency.
    ("แบตจะหมดแล้ว ช่วยด้วย สามีกำลังตี", "problem", "domestic_violence", "emergency", None),
    ("แบตใกล้หมดค่ะ ยายล้มในห้องน้ำ ลุกไม่ได้ อยู่คนเดียว", "problem", "elderly_care", "emergency", None),
    ("หนีผัวมาหลบในไร่ มือถือแบตใกล้หมด เขาถือมีดเดินหาอยู่", "problem", "domestic_violence",
     "emergency", None),
]

PROTECTIVE = [
    # Under 18, the more protective topic wins (taxonomy.md §2).
    ("หนูเป็นทอมค่ะ พ่อรู้แล้วไล่ออกจากบ้าน คืนนี้ไม่มีที่นอน อายุ 17", "problem", "child_protection",
     None, None),
    ("ตอนนี้เขาล็อคประตูไม่ให้ออก กำลังตีลูก", "problem", "child_protection", "emergency", None),
    # Near misses: an adult thrown out is homeless; a woman beaten with no child hit is domestic
    # violence; a family with a small child turned out is not a child thrown out.
    ("หนูอายุ 25 แม่ไล่ออกจากบ้านเพราะเป็นทอม คืนนี้ไม่มีที่นอน", "problem", "homeless", None, None),
    ("ผัวกำลังตีหนูอยู่ในห้องนอน ช่วยด้วยค่ะ", "problem", "domestic_violence", "emergency", None),
]

FRESH_QUESTIONS = [
    # A question that refers to no earlier report of the writer's own is not a follow-up.
    ("อยากสอบถามเรื่องเงินอุดหนุนเด็กแรกเกิดค่ะ ลูกเพิ่งคลอดเดือนที่แล้ว", "inquiry", "child_support",
     "normal", None),
    # Near miss: a question about a request already filed is a follow-up.
    ("ที่ยื่นเรื่องเงินอุดหนุนเด็กแรกเกิดไว้เมื่อเดือนที่แล้ว ตอนนี้ถึงขั้นตอนไหนแล้วคะ", "follow_up",
     "none", "normal", None),
]

NO_LETTERS = [
    # No letters at all: Thai (the service's default), small talk, never a foreign language.
    ("?", "chitchat", "none", "normal", None),
    ("...", "chitchat", "none", "normal", None),
    ("555", "chitchat", "none", "normal", None),
    ("55555555", "chitchat", "none", "normal", None),
]

TABLES = HABITUAL_VIOLENCE + ALONE_AND_HELPLESS + PHONE_OUT + PROTECTIVE + FRESH_QUESTIONS + NO_LETTERS


@pytest.mark.parametrize(("text", "kind", "topic", "urgency", "uncertain"), TABLES)
def test_reading_of_the_message(text: str, kind: str | None, topic: str | None,
                                urgency: str | None, uncertain: bool | None) -> None:
    result = classify(text)
    got = (result.kind, result.topic, result.urgency, result.emergency_uncertain)
    want = (kind, topic, urgency, uncertain)
    assert all(w is None or g == w for g, w in zip(got, want, strict=True)), (text, got)


def test_a_phone_that_ran_out_is_never_suicide_risk() -> None:
    for text, *_ in PHONE_OUT[:5]:
        result = classify(text)
        assert result.topic != "suicide_risk" and result.urgency != "emergency", (text, result)


def test_family_counselling_is_asked_for_not_followed_up() -> None:
    result = classify("ขอคำปรึกษาเรื่องครอบครัวค่ะ")
    assert result.kind in {"problem", "inquiry"} and result.topic == "women_family", result


@pytest.mark.parametrize("text", ["😭😭😭", "?", "...", "555", "👍", "12345", ""])
def test_no_letters_is_the_service_language(text: str) -> None:
    assert detect_language(text) == "th"
    assert classify(text).language == "th"


def test_crying_emoji_is_left_to_the_models_but_not_foreign() -> None:
    result = classify("😭😭😭")
    assert result.language == "th" and result.urgency != "emergency"


@pytest.mark.parametrize(("text", "language"), [("你好", "other"), ("مرحبا", "other"),
                                                ("hello", "en")])
def test_letters_of_another_script_are_still_told(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(("text", "group"), [
    ("ผมชอบตีแบดตอนเย็น", "violence_habit"),  # badminton, not a beating
    ("เขาชอบตีความคำพูดผิด", "violence_habit"),
    ("ลูกชายชอบตีลูกบอลใส่กำแพง", "child_hit"),  # a ball, not a child
    ("นายจ้างทำร้ายลูกจ้าง", "child_hit"),  # an employee, not a child
    ("แบตเตอรี่รถยนต์เสีย", "phone_out"),  # the phrases are about the phone's battery running out
])
def test_cue_traps(text: str, group: str) -> None:
    assert group not in scan(normalize(text))


@pytest.mark.parametrize(("text", "group"), [
    ("สามีชอบตีเวลาเมา", "violence_habit"),
    ("คนดูแลลาออกไปแล้ว", "carer_gone"),
    ("มือถือแบตหมด", "phone_out"),
    ("พ่อกำลังตีลูก", "child_hit"),
    ("พ่อไล่ออกจากบ้าน", "out_of_home"),
    ("ยายเดินไม่ค่อยไหว", "bedridden"),
])
def test_cue_groups_find_the_phenomenon(text: str, group: str) -> None:
    assert group in scan(normalize(text))


def test_these_sentences_are_not_training_lines() -> None:
    # Sentences only: "555" or "?" alone may well be a training line.
    training = {row["text"] for name in TRAINING_FILES for row in read_jsonl(DATA_DIR / name)}
    mine = {row[0] for row in TABLES if len(row[0]) > 15} | {"ขอคำปรึกษาเรื่องครอบครัวค่ะ"}
    assert not mine & training
