"""Classification of hard cases: negation, tense, euphemism, dialect, mixed languages.

None of these sentences is in the training files (test_intents_data checks it), so they
test what the classifier learned, not what it memorised.
"""

from __future__ import annotations

import dataclasses
import json
import random

import pytest

import taxonomy
from intents import Classification, classify
from intents.features import MAX_FEATURE_CHARS

TOPICS = set(taxonomy.topic_names())
KINDS = set(taxonomy.kinds())

NEGATION = [
    # (text, topic) — denied harm: never an emergency, never a question about one
    ("ไม่ได้โดนทำร้ายนะคะ แค่อยากสอบถามว่าแม่เลี้ยงเดี่ยวขอเงินช่วยเหลืออะไรได้บ้าง", "women_family"),
    ("ไม่ได้คิดสั้นนะครับ แค่เครียดเพราะตกงาน อยากขอเงินช่วยเหลือค่าเช่าห้อง", "hardship"),
    ("สามีไม่เคยตีนะคะ แต่ด่าทุกวันและไม่ให้เงินใช้เลย อยากปรึกษาค่ะ", "domestic_violence"),
]

PAST = [
    # (text, topic) — an event in the past, the person safe now
    ("เคยโดนแฟนเก่าตบเมื่อปีที่แล้ว ตอนนี้เลิกกันแล้ว อยากรู้ว่าแจ้งความย้อนหลังได้ไหมคะ",
     "domestic_violence"),
    ("ตอนเด็กเคยโดนพ่อเลี้ยงทำร้าย ตอนนี้อายุ 30 แล้ว อยากหาที่ปรึกษาเรื่องจิตใจ", None),
]

EMERGENCIES = [
    # (text, topic) — present danger, in many registers
    ("ตอนนี้แฟนกำลังตีหนูอยู่ หนูหลบอยู่ในห้องน้ำ ช่วยด้วย", "domestic_violence"),
    ("อยากไปให้พ้นๆ จากทุกอย่าง ไม่อยากตื่นขึ้นมาอีกแล้ว", "suicide_risk"),
    ("ขอโทษทุกคนที่เป็นภาระ คืนนี้จะจบทุกอย่างเอง", "suicide_risk"),
    ("แม่เฒ่าอยู่เฮือนผู้เดียว ล้มตั้งแต่เมื่อวาน ลุกบ่ได้ บ่มีไผเบิ่ง", "elderly_care"),
    ("ป้ออุ้ยบ่ได้กิ๋นข้าวมาสามวันแล้วเจ้า อยู่ผู้เดียว ลุกบ่ได้", "elderly_care"),
    ("หลาวนี้ผัวฉานถือมีดไล่ฟันอยู่ ช่วยด้วยพี่", "domestic_violence"),
    ("chuay duay khrap phua tee chan tonnee", None),
    ("I want to kill myself tonight, I have the pills ready", "suicide_risk"),
    ("my dad is 82 and lives alone, he fell yesterday and can't get up, nobody is there",
     "elderly_care"),
    ("พ่อเมาแล้วตีลูกชายอายุ 7 ขวบ ตอนนี้ยังตีอยู่เลยค่ะ", "child_protection"),
    ("มีคนงานพม่าถูกขังในโรงงาน นายจ้างยึดพาสปอร์ตไว้หมด ไม่ให้ออกไปไหน", "trafficking"),
]

PROTECTIVE = [
    # (text, topic) — the more protective topic wins
    ("ผัวเมียข้างบ้านทะเลาะกันแล้วผัวตีลูกสาวอายุ 6 ขวบด้วย", "child_protection"),
    ("ลูกชายติดเหล้ามาตีแม่ตัวเองอายุ 80 ทุกวัน", "elderly_care"),
    ("พี่ชายพิการนั่งวีลแชร์ ไม่มีใครดูแลเลยตั้งแต่แม่เสีย", "disability"),
]

KIND_CASES = [
    ("สอบถามความคืบหน้าเรื่องที่แจ้งไว้เมื่อวันศุกร์ค่ะ", "follow_up"),
    ("เจ้าหน้าที่ศูนย์พูดจาไม่สุภาพกับแม่ผมมาก อยากร้องเรียนครับ", "complaint"),
    ("สวัสดีครับ", "chitchat"),
    ("ขอบคุณนะคะ", "chitchat"),
    ("ทดสอบ ทดสอบ 555", "prank"),
    ("อยากให้มีเจ้าหน้าที่ตอบแชทตอนกลางคืนด้วยค่ะ", "suggestion"),
    ("เบี้ยคนพิการเดือนนี้เข้าวันไหนคะ", "inquiry"),
    ("How can I register my newborn for the child support grant?", "inquiry"),
]


@pytest.mark.parametrize(("text", "topic"), NEGATION)
def test_negated_harm_is_not_an_emergency(text: str, topic: str) -> None:
    result = classify(text)
    assert result.urgency != "emergency"
    assert result.topic == topic


@pytest.mark.parametrize(("text", "topic"), PAST)
def test_past_event_is_not_an_emergency(text: str, topic: str | None) -> None:
    result = classify(text)
    assert result.urgency != "emergency"
    if topic:
        assert result.topic == topic


@pytest.mark.parametrize(("text", "topic"), EMERGENCIES)
def test_present_danger_is_an_emergency(text: str, topic: str | None) -> None:
    result = classify(text)
    assert result.urgency == "emergency"
    assert result.kind == "problem"
    if topic:
        assert result.topic == topic


@pytest.mark.parametrize(("text", "topic"), PROTECTIVE)
def test_protective_topic_wins(text: str, topic: str) -> None:
    assert classify(text).topic == topic


@pytest.mark.parametrize(("text", "kind"), KIND_CASES)
def test_kind_of_contact(text: str, kind: str) -> None:
    assert classify(text).kind == kind


def test_two_problems_keep_the_other_as_an_alternative() -> None:
    result = classify("ตกงานมาสามเดือน ไม่มีเงินจ่ายค่าเช่า แล้วผัวก็ตีหนูทุกคืน ตอนนี้เขาเมาอยู่ในบ้าน")
    assert result.urgency == "emergency"
    named = {result.topic} | {topic for topic, _ in result.alternatives}
    assert {"domestic_violence", "hardship"} <= named


def test_inquiry_about_rights_after_a_past_event_is_an_inquiry() -> None:
    result = classify("โดนสามีทำร้ายเมื่อปีก่อน อยากทราบว่ามีสิทธิ์ขอความคุ้มครองอะไรบ้างคะ")
    assert (result.kind, result.topic, result.urgency) == ("inquiry", "domestic_violence", "normal")


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("โดนไล่ออกจากห้องเช่าวันนี้ คืนนี้ไม่มีที่นอนครับ", "high"),
        ("ที่บ้านข้าวสารหมดแล้ว ไม่มีอะไรกินเลยค่ะ ลูกสามคน", "high"),
        ("อยากได้ข้อมูลกองทุนผู้สูงอายุค่ะ", "normal"),
    ],
)
def test_high_urgency_for_needs_within_days(text: str, urgency: str) -> None:
    assert classify(text).urgency == urgency


def test_uncertain_danger_is_flagged_for_one_question() -> None:
    result = classify("ได้ยินเสียงข้างบ้านตีกันบ่อยๆ ไม่แน่ใจว่าเป็นอะไร")
    assert result.urgency == "emergency" or result.emergency_uncertain


@pytest.mark.parametrize(
    "text", ["", " ", "👍", "🙏🙏🙏", "\x00\x01\x02", "\u200b", "ก" * 10_000, "a" * 10_000,
             "ช่วยด้วย " * 2000, "{\"text\": 1}", "ကူညီပါ", "\ud800"],
)
def test_never_raises_and_keeps_the_contract(text: str) -> None:
    result = classify(text)
    assert isinstance(result, Classification)
    assert result.kind in KINDS and result.topic in TOPICS
    assert result.urgency in {"emergency", "high", "normal"}
    assert 0.0 <= result.confidence <= 1.0 and 0.0 <= result.kind_confidence <= 1.0
    assert len(result.alternatives) <= 3
    assert result.topic not in {topic for topic, _ in result.alternatives}
    json.dumps(result.to_dict())


def test_result_is_frozen_and_dict_keys_follow_the_contract() -> None:
    result = classify("ยายอายุ 85 อยู่คนเดียว ลุกไม่ได้ ไม่มีใครดูแล")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "chitchat"  # type: ignore[misc]
    keys = list(result.to_dict())
    assert keys[:5] == ["kind", "topic", "urgency", "department", "confidence"]
    assert result.department == "DOP" and result.age_group == "elderly"


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("อยากตายค่ะ", "HOTLINE"),
        ("ขอเบี้ยคนแก่ให้แม่อายุ 61 ค่ะ", "DOP"),
        ("สวัสดีค่ะ", None),
    ],
)
def test_department_follows_topic(text: str, department: str | None) -> None:
    assert classify(text).department == department


def test_alternatives_are_sorted_and_confidence_is_low_when_unclear() -> None:
    result = classify("ขอความช่วยเหลือหน่อยค่ะ")
    scores = [score for _, score in result.alternatives]
    assert scores == sorted(scores, reverse=True)
    assert result.confidence < 0.9


@pytest.mark.parametrize(
    ("text", "subject", "age_group"),
    [
        ("หนูอายุ 15 ท้องได้ 2 เดือน ไม่กล้าบอกแม่", "self", "child"),
        ("ยายข้างบ้านอายุ 88 อยู่คนเดียว ล้มลุกไม่ได้", "other", "elderly"),
        ("ผมตกงานมาสองเดือน ไม่มีเงินจ่ายค่าเช่า", "self", None),
    ],
)
def test_subject_and_age_group(text: str, subject: str, age_group: str | None) -> None:
    result = classify(text)
    assert result.subject == subject
    assert result.age_group == age_group


@pytest.mark.parametrize(
    ("text", "language"),
    [("ကျွန်တော့်ကို ကူညီပါ", "my"), ("ຊ່ວຍແດ່", "lo"), ("ជួយខ្ញុំផង", "km")],
)
def test_foreign_scripts_are_recognised_in_the_result(text: str, language: str) -> None:
    assert classify(text).language == language


@pytest.mark.parametrize(
    "text",
    [
        "อยากตายจังเลยวันนี้ การบ้านเยอะมาก 555 ล้อเล่นนะ",
        "เมื่อวานแฟนตบหน้าหนู ตอนนี้หนีมาอยู่บ้านพ่อแม่แล้ว ปลอดภัยแล้วค่ะ อยากปรึกษาเรื่องแจ้งความ",
    ],
)
def test_joke_or_safe_now_is_asked_not_declared(text: str) -> None:
    result = classify(text)
    assert result.urgency != "emergency"
    assert result.emergency_uncertain


def test_denied_self_harm_is_not_a_suicide_case() -> None:
    result = classify("ไม่ได้คิดจะฆ่าตัวตายนะคะ แค่เครียดเรื่องหนี้นอกระบบ อยากได้คนช่วยเจรจา")
    assert result.topic != "suicide_risk"
    assert result.urgency != "emergency"


@pytest.mark.parametrize(
    ("text", "not_topic"),
    [
        # "หย่า" (divorce) contains "ย่า" (grandmother): no elderly case
        ("อยากสอบถามเรื่องสิทธิ์การหย่าและค่าเลี้ยงดูลูกค่ะ", "elderly_care"),
        # "สามีด่า" contains "มีด" (knife): no weapon, no emergency
        ("สามีด่าทุกวันแต่ไม่เคยทำร้าย อยากปรึกษาเรื่องครอบครัว", "suicide_risk"),
    ],
)
def test_thai_substring_traps(text: str, not_topic: str) -> None:
    result = classify(text)
    assert result.topic != not_topic
    assert result.urgency != "emergency"


@pytest.mark.parametrize(
    "text",
    [
        "บ้านอยู่ ม.3 ต.หนองแวง อยากขอเบี้ยคนพิการให้พ่อที่อายุ 55 ค่ะ",  # ม.3 is a village number
        "ตื่นตีห้าไปขายของทุกวัน รายได้ไม่พอ ขอเงินช่วยเหลือค่ะ",  # ตีห้า is 5 a.m.
    ],
)
def test_addresses_and_times_are_not_children_or_violence(text: str) -> None:
    result = classify(text)
    assert result.topic not in {"child_protection", "domestic_violence"}
    assert result.urgency != "emergency"


def test_random_unicode_never_raises() -> None:
    rng = random.Random(1300)
    alphabet = [chr(c) for c in range(0x20, 0x250)] + [chr(c) for c in range(0xE00, 0xEFF)] + [
        chr(c) for c in range(0x1000, 0x10A0)] + ["\u200b", "\n", "\t", "😭", "🙏", "\x00", "\ufeff"]
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        result = classify(text)
        assert result.kind in KINDS and result.topic in TOPICS


def test_an_internal_error_still_answers_and_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    import intents.classifier as classifier

    def broken(text: str) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(classifier, "analyse", broken)
    result = classify("ผัวตีหนูอยู่ตอนนี้")
    assert result.emergency_uncertain and result.confidence == 0.0


def test_internal_failure_falls_back_to_a_problem_with_a_topic_and_asks_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from intents import classifier

    def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(classifier, "_classify", broken)
    result = classifier.classify("ช่วยด้วย")
    assert result.kind == "problem" and result.topic == "hardship"
    assert result.department == "DSDW" and result.urgency == "normal"
    assert result.emergency_uncertain
    json.dumps(result.to_dict())


@pytest.mark.parametrize(
    "text",
    ["my husband is hitting me right now please help",
     "he has a knife and says he will kill us",
     "my boss took my passport and won't let me go home",
     "grandma fell and can't get up, she is alone",
     "yak tai, mai yak yu laew",
     "i swallowed a bottle of pills"],
)
def test_english_and_romanised_emergencies(text: str) -> None:
    assert classify(text).urgency == "emergency"


@pytest.mark.parametrize(
    "text",
    ["years ago my father abused me, I want counselling",
     "I was hit by my ex husband last year, what are my rights?"],
)
def test_english_past_events_are_not_emergencies(text: str) -> None:
    # In Latin script a past marker scopes its whole sentence, not just the next word.
    assert classify(text).urgency != "emergency"


def test_not_safe_is_not_a_safe_now_cue() -> None:
    from intents.classifier import analyse

    assert "safe_now" not in analyse("i am not safe now, he is coming back").cues
    assert "safe_now" not in analyse("ตอนนี้ไม่ปลอดภัยแล้ว").cues
    assert "safe_now" in analyse("we are safe now").cues


@pytest.mark.parametrize("text", ["ต.แม่เหียะ อ.เมือง จ.เชียงใหม่", "ไม่ ยังปลอดภัย"])
def test_a_weak_crisis_topic_guess_without_cues_is_not_a_crisis(text: str) -> None:
    result = classify(text)
    assert result.topic not in taxonomy.always_emergency()
    assert result.urgency != "emergency"


def test_a_danger_cue_late_in_a_very_long_message_still_counts() -> None:
    # Voice-to-text can run past the n-gram limit; the cue lexicon must read it all.
    story = "เล่าเรื่องที่บ้านให้ฟังนะคะ เรื่องมันยาว " * 60
    assert len(story) > MAX_FEATURE_CHARS
    result = classify(story + " ตอนนี้อยากตายมากค่ะ")
    assert result.topic == "suicide_risk"
    assert result.urgency == "emergency"


LOAN_SHARK = [
    # (text, topic) — threats from a creditor are hardship (debt), not violence in the family;
    # a partner doing the harm, or a child's age written, still names the victim
    ("เจ้าหนี้นอกระบบขู่จะทำร้ายลูกเมียผม", "hardship"),
    ("ติดหนี้นอกระบบ โดนทวงหนี้ ขู่จะทำร้าย หนูเป็นผู้หญิงอยู่คนเดียวกับลูก", "hardship"),
    ("เจ้าหนี้ขู่จะทำร้ายภรรยา ถ้าไม่จ่ายดอก", "hardship"),
    ("ขู่ทวงหนี้ที่บ้าน ด่าแม่ด่าลูก ขู่จะตีลูก", "hardship"),
    ("โดนทวงหนี้นอกระบบ ขู่จะมาทำร้าย ตอนนี้มาอยู่หน้าบ้านแล้ว", "hardship"),
    ("ขู่ทวงหนี้ ทำร้ายร่างกายผมแล้ว", "hardship"),
    ("โดนแก๊งทวงหนี้ขู่ ส่งข้อความมาขู่จะทำร้ายครอบครัว", "hardship"),
    ("ผัวไปกู้หนี้นอกระบบ แล้วมาตีหนูเพราะเครียด", "domestic_violence"),
    ("ลูกอายุ 12 โดนเจ้าหนี้นอกระบบลากตัวไปขู่ ทำร้าย", "child_protection"),
]


@pytest.mark.parametrize("text,topic", LOAN_SHARK)
def test_loan_shark_threats_are_debt_unless_a_partner_or_a_child_is_harmed(text: str, topic: str) -> None:
    assert classify(text).topic == topic


@pytest.mark.parametrize("text,topic", [
    # a parent with the child: a homeless family (the child noted), not a child alone
    ("แม่ลูกอ่อนนอนข้างถนน", "homeless"),
    ("เห็นแม่ลูกอ่อนนอนข้างถนนหน้าเซเว่น", "homeless"),
    ("มีผู้หญิงอุ้มลูกเล็กนอนใต้สะพาน", "homeless"),
    # a child alone, or a child in danger beside the parent, is still child protection
    ("เด็กอายุ 8 ขวบนอนข้างถนนคนเดียว", "child_protection"),
    ("เด็กเร่ร่อนนอนข้างถนน", "child_protection"),
    ("มีแม่ลูกอ่อนอุ้มเด็กทารกมานั่งขอทานที่สะพานลอยทุกวัน เด็กตัวมอมแมม ตากแดดทั้งวัน", "child_protection"),
])
def test_a_homeless_parent_with_a_child_is_homeless_unless_the_child_is_alone_or_in_danger(text, topic):
    result = classify(text)
    assert result.topic == topic
    assert result.age_group == "child"
