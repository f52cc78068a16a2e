"""Discreet by design: no notification preview sent to a citizen names the danger or the story."""

from __future__ import annotations

import pytest
import yaml

from handlers import discreet
from handlers.messages import HERE
from tests.conftest import ADMIN_TOKEN
from tests.test_conversation import PHONE, answer_questions, latest_case

VIOLENCE = "ช่วยด้วย สามีกำลังเมาอาละวาด เอามีดไล่ฟันหนู ตอนนี้หนูล็อกห้องน้ำอยู่"
SUICIDE = "ไม่อยากอยู่แล้ว เหนื่อยมาก คืนนี้จะกินยาให้หมดแผงเลย"
ELDERLY = "ยายอยู่คนเดียว ล้มในห้องน้ำตั้งแต่เมื่อวาน ลุกไม่ได้ ไม่มีใครอยู่ด้วยเลย"
CHILD = "ครูสังเกตว่านักเรียนอายุ 9 ขวบมีรอยช้ำตามแขนบ่อยๆ สงสัยว่าถูกทำร้ายที่บ้าน อยากให้เจ้าหน้าที่เข้าไปตรวจสอบ"
NORMAL = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"
SAFETY_TIP_START = "เพื่อความปลอดภัยของคุณ"


@pytest.mark.parametrize("text,words", [
    ("สามีทุบตีหนูทุกวัน", ["ทุบตี", "ทุบ"]),
    ("คิดจะฆ่าตัวตาย", ["ฆ่าตัวตาย", "ฆ่า"]),
    ("เรื่องความรุนแรงในครอบครัว", ["ความรุนแรง", "รุนแรง"]),
    ("Domestic violence case", ["violence"]),
    ("He beat me", ["beat"]),
    ("Beatrice wrote to us", []),            # English words match whole words only
    ("เรื่องของคุณได้รับเลขที่ OSS-2569-000123 แล้ว", []),
])
def test_checker_finds_listed_words(text, words):
    assert discreet.sensitive_words(text) == words


def test_preview_is_the_alt_text_or_the_first_line():
    assert discreet.preview({"type": "text", "text": "สวัสดีค่ะ\nสามีทุบตี"}) == "สวัสดีค่ะ"
    assert discreet.preview({"type": "flex", "altText": "เลขที่ 1", "contents": {}}) == "เลขที่ 1"
    assert discreet.indiscreet([{"type": "template", "altText": "ความรุนแรง", "template": {}}]) == \
        [("ความรุนแรง", ["ความรุนแรง", "รุนแรง"])]


def texts_yaml_previews() -> list[tuple[str, str, str]]:
    with open(HERE / "texts.yaml", encoding="utf-8") as f:
        texts = yaml.safe_load(f)
    return [(key, lang, value.split("\n", 1)[0]) for key, entry in texts.items()
            if key not in discreet.not_previews() for lang, value in entry.items()]


def test_no_text_in_texts_yaml_leads_with_a_sensitive_word():
    bad = [(key, lang, discreet.sensitive_words(first)) for key, lang, first in texts_yaml_previews()
           if discreet.sensitive_words(first)]
    assert bad == []


def test_texts_exempt_from_the_check_exist():
    keys = {key for key, _, _ in texts_yaml_previews()}
    with open(HERE / "texts.yaml", encoding="utf-8") as f:
        assert discreet.not_previews() <= set(yaml.safe_load(f)) and keys


def previews_problems(line, user_id: str) -> list:
    return discreet.indiscreet(line.messages_to(user_id))


def run_emergency(citizen, story: str) -> None:
    """The emergency path a citizen at risk takes: story, pin, phone, then tracking the case."""
    citizen.say(story)
    citizen.share_location(13.618, 100.694, address="บางพลีใหญ่ บางพลี สมุทรปราการ")
    citizen.say(PHONE)
    citizen.say("ติดตามเรื่อง")


@pytest.mark.parametrize("story", [VIOLENCE, SUICIDE, ELDERLY], ids=["violence", "suicide", "elderly"])
def test_emergency_conversations_send_only_discreet_previews(citizen, line, story):
    run_emergency(citizen, story)
    assert len(line.messages_to(citizen.user_id)) >= 5
    assert previews_problems(line, citizen.user_id) == []
    assert not any(story[:12] in discreet.preview(m) for m in line.messages_to(citizen.user_id))


@pytest.mark.parametrize("story,topic", [(NORMAL, "hardship"), (CHILD, "child_protection")],
                         ids=["normal", "child_report"])
def test_ordinary_conversations_send_only_discreet_previews(citizen, line, story, topic):
    citizen.follow()
    citizen.say(story)
    answer_questions(citizen, topic=topic)
    citizen.say("ติดตามเรื่อง")
    citizen.postback("a=privacy")
    citizen.say("ยกเลิก")
    assert any(m["type"] == "flex" for m in line.messages_to(citizen.user_id))
    assert previews_problems(line, citizen.user_id) == []


def test_follow_up_status_keeps_the_topic_off_the_first_line(citizen, line):
    run_emergency(citizen, VIOLENCE)
    status = [m for m in citizen.last if m["type"] == "text" and "สถานะ" in m["text"]]
    assert status and "ความรุนแรง" in status[0]["text"]  # the topic is there, below the preview line
    assert previews_problems(line, citizen.user_id) == []


@pytest.mark.parametrize("story", [VIOLENCE, SUICIDE], ids=["violence", "suicide"])
def test_people_at_risk_are_told_how_to_delete_the_chat(citizen, story):
    first = citizen.say(story)
    tips = [m for m in first if m["type"] == "text" and m["text"].startswith(SAFETY_TIP_START)]
    assert len(tips) == 1 and "ลบแชท" in tips[0]["text"] and "ออกจากหน้านี้" in tips[0]["text"]
    assert first[-1].get("quickReply"), "the tip must not hide the next question's buttons"


def test_no_safety_tip_when_nobody_may_be_watching(citizen):
    replies = citizen.say(ELDERLY)
    assert not any(m["type"] == "text" and m["text"].startswith(SAFETY_TIP_START) for m in replies)


def test_staff_status_note_stays_below_the_preview_line(citizen, line, client, worker, db):
    run_emergency(citizen, VIOLENCE)
    case_no = latest_case(db, citizen.user_id).case_no
    answer = client.post(f"/api/v1/cases/{case_no}/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                         json={"status": "in_progress",
                               "citizen_note": "ผู้ถูกทำร้ายปลอดภัยแล้ว ตำรวจรับทราบ"})
    assert answer.status_code == 200
    worker.run_until_idle()
    update = line.messages_to(citizen.user_id)[-1]
    assert "ทำร้าย" in update["text"] and previews_problems(line, citizen.user_id) == []


def test_every_inquiry_answer_starts_with_a_line_that_reveals_nothing():
    from handlers import messages as m

    topics = [k for k in m._load("answers.yaml") if k not in ("services", "benefits")]
    for lang in ("th", "en"):
        texts = [m.inquiry_answer(topic, lang) for topic in topics]
        texts += [m.service_answer(name, lang) for name in m._services()]
        for text in texts:
            assert not discreet.sensitive_words(text.split("\n")[0]), text.split("\n")[0]
