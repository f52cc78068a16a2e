"""LINE's own features through the real webhook and the fake platform: the rich menu, the Flex
case card and the loading animation."""

from __future__ import annotations

import io

import pytest
import requests
from linebot.v3.messaging import FlexMessage
from PIL import Image, ImageFont
from sqlalchemy import select

from handlers import flex, richmenu
from handlers.loading import loading_seconds
from models import Case
from tests.test_conversation import answer_questions, latest_case

STORY = "ตกงานมาสามเดือน ไม่มีเงินซื้อข้าว ค่าเช่าบ้านก็ค้าง ไม่รู้จะทำยังไงดี"


# ---------------------------------------------------------------- rich menu

def install(app):
    """Run `flask line rich-menu` against the fake platform."""
    return app.test_cli_runner().invoke(args=["line", "rich-menu"])


def test_rich_menu_command_creates_uploads_and_sets_default(app, line):
    result = install(app)
    assert result.exit_code == 0, result.output
    menus = line.rich_menus
    default = menus.default()
    assert default is not None and default.body["richMenuId"] in result.output
    assert default.content_type == "image/png"
    assert Image.open(io.BytesIO(default.image)).size == (2500, 1686)
    labels = [a["action"].get("label") for a in default.body["areas"]]
    assert labels == ["ขอความช่วยเหลือ", "ติดตามเรื่อง", "สอบถามข้อมูล", "โทร 1300", "ความเป็นส่วนตัว"]
    upload = line.calls(f"/v2/bot/richmenu/{default.body['richMenuId']}/content")
    assert upload[0]["headers"]["Content-Type"] == "image/png"


def test_rich_menu_command_twice_leaves_one_menu(app, line):
    install(app)
    second = install(app)
    assert second.exit_code == 0, second.output
    assert [m["richMenuId"] for m in line.rich_menus.listed()] == [line.rich_menus.default_id]


def test_rich_menu_command_reports_lines_refusal(app, line):
    line.fail_next("/v2/bot/richmenu", 400, body={"message": "The request body has 1 error(s)"})
    result = install(app)
    assert result.exit_code != 0 and "HTTP 400" in result.output
    assert line.rich_menus.default() is None


def test_rich_menu_image_only_option_writes_a_png_without_calling_line(app, line, tmp_path):
    out = tmp_path / "menu.png"
    result = app.test_cli_runner().invoke(args=["line", "rich-menu", "--image", str(out)])
    assert result.exit_code == 0, result.output
    assert Image.open(out).size == (2500, 1686) and not line.requests


def test_on_real_line_the_image_goes_to_the_data_host(settings):
    from dataclasses import replace

    assert richmenu.sdk_host(replace(settings, line_api_base_url="https://api.line.me/")) is None
    assert richmenu.sdk_host(settings) == settings.line_api_base_url


def test_rich_menu_areas_tile_the_image_without_overlap():
    boxes = [a.bounds for a in richmenu.areas()]
    assert sum(w * h for _, _, w, h in boxes) == richmenu.WIDTH * richmenu.HEIGHT
    for i, (x, y, w, h) in enumerate(boxes):
        assert 0 <= x and x + w <= richmenu.WIDTH and 0 <= y and y + h <= richmenu.HEIGHT
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y


def test_shipped_font_draws_thai():
    font = ImageFont.truetype(str(richmenu.FONT), 100)
    assert font.getbbox("ขอความช่วยเหลือ")[2] > 300  # real glyphs, not empty boxes of a Latin font
    assert richmenu.FONT.with_name("Loma-Bold.LICENSE.txt").exists()


def area_action(label: str) -> dict:
    return next(a.action for a in richmenu.areas() if a.action["label"] == label)


def tap_area(citizen, label: str):
    """Tap a rich menu area as LINE sends it: a message or a postback."""
    action = area_action(label)
    if action["type"] == "message":
        return citizen.say(action["text"])
    return citizen.postback(action["data"])


def test_help_area_starts_a_request(citizen, db):
    tap_area(citizen, "ขอความช่วยเหลือ")
    assert "เล่าให้ฟังได้เลย" in citizen.text()
    citizen.say(STORY)
    answer_questions(citizen, topic="hardship")
    assert latest_case(db, citizen.user_id) is not None


def test_track_area_lists_the_citizens_cases(citizen, db):
    tap_area(citizen, "ติดตามเรื่อง")
    assert "ยังไม่พบเรื่อง" in citizen.text()
    citizen.say(STORY)
    answer_questions(citizen, topic="hardship")
    tap_area(citizen, "ติดตามเรื่อง")
    assert latest_case(db, citizen.user_id).case_no in citizen.text()


def test_info_area_asks_what_they_want_to_know(citizen):
    tap_area(citizen, "สอบถามข้อมูล")
    assert "อยากสอบถามเรื่องอะไร" in citizen.text()


def test_call_area_dials_1300():
    assert area_action("โทร 1300") == {"type": "uri", "label": "โทร 1300", "uri": "tel:1300"}


def test_privacy_area_shows_the_notice_and_what_we_hold(citizen, db):
    tap_area(citizen, "ความเป็นส่วนตัว")
    assert "ความเป็นส่วนตัว" in citizen.text() and "0 เรื่อง" in citizen.text()
    citizen.say(STORY)
    answer_questions(citizen, topic="hardship")
    tap_area(citizen, "ความเป็นส่วนตัว")
    assert f"1 เรื่อง (ล่าสุด {latest_case(db, citizen.user_id).case_no})" in citizen.text()


def test_privacy_area_mid_conversation_asks_the_open_question_again(citizen, db):
    citizen.say(STORY)
    asked = citizen.text()
    tap_area(citizen, "ความเป็นส่วนตัว")
    assert "ความเป็นส่วนตัว" in citizen.text() and asked.splitlines()[-1] in citizen.text()
    answer_questions(citizen, topic="hardship")
    assert latest_case(db, citizen.user_id) is not None


# ---------------------------------------------------------------- Flex case card

def test_case_card_is_a_valid_flex_message_with_a_discreet_alt_text():
    card = flex.case_confirmation("OSS-2569-000123", "กรมกิจการสตรีและสถาบันครอบครัว (สค.)",
                                  "ศูนย์ช่วยเหลือสังคมตำบลแม่เหียะ", "053-123-456",
                                  "เจ้าหน้าที่จะติดต่อกลับภายใน 1 วันทำการ")
    parsed = FlexMessage.from_dict(card)
    assert parsed.alt_text == "เรื่องของคุณได้รับเลขที่ OSS-2569-000123 แล้ว"
    actions = [b["action"] for b in card["contents"]["footer"]["contents"]]
    assert actions[0] == {"type": "message", "label": "ติดตามเรื่อง", "text": "ติดตามเรื่อง"}
    assert actions[1]["uri"] == "tel:053123456"
    assert parsed.to_dict()["contents"]["type"] == "bubble"


def test_fake_platform_accepts_the_case_card(line):
    card = flex.case_confirmation("OSS-2569-000123", "ดย.", "ศูนย์ฯ ตำบลแม่เหียะ", "053-123-456", "ภายใน 1 วันทำการ")
    response = requests.post(f"{line.url}/v2/bot/message/push", timeout=5,
                             json={"to": "U" + "a" * 32, "messages": [card]},
                             headers={"Authorization": f"Bearer {line.access_token}"})
    assert response.status_code == 200, response.text


def test_case_card_without_a_centre_phone_offers_1300():
    card = flex.case_confirmation("OSS-2569-000001", "ดย.", "พมจ. เชียงใหม่", "", "ภายใน 4 ชั่วโมง")
    assert card["contents"]["footer"]["contents"][1]["action"]["uri"] == "tel:1300"


def test_confirmation_is_the_flex_card_and_its_button_tracks_the_case(citizen, db, line):
    citizen.say(STORY)
    answer_questions(citizen, topic="hardship")
    card = citizen.last[-1]
    case = latest_case(db, citizen.user_id)
    assert card["type"] == "flex" and case.case_no in card["altText"]
    FlexMessage.from_dict(card)
    body = citizen.text()
    assert case.center.name_th in body and "ขั้นต่อไป" in body
    assert "เดือดร้อน" not in card["altText"]
    track = card["contents"]["footer"]["contents"][0]["action"]
    citizen.say(track["text"])
    assert case.case_no in citizen.text() and "สถานะ" in citizen.text()


def test_english_card_for_citizens_who_write_english():
    card = flex.case_confirmation("OSS-2569-000007", "DSDW", "Chiang Mai office", "", "Staff will call.", "en")
    FlexMessage.from_dict(card)
    assert card["altText"] == "Your request has number OSS-2569-000007"
    assert card["contents"]["footer"]["contents"][0]["action"]["text"] == "ติดตามเรื่อง"  # what the bot reads


# ---------------------------------------------------------------- loading animation

def text_event(text: str, source: dict | None = None, mode: str = "active") -> dict:
    return {"type": "message", "mode": mode, "source": source or {"type": "user", "userId": "U" + "1" * 32},
            "message": {"type": "text", "id": "1", "text": text}}


@pytest.mark.parametrize("event,queued,expected", [
    (text_event(STORY), 0, 10),
    (text_event(STORY), 1, None),                          # an answer is already queued
    (text_event("ใช่ค่ะ"), 0, None),                       # a short answer is quick
    (text_event("ติดตามเรื่อง"), 0, None),                 # a menu word needs no classifier
    (text_event(STORY, {"type": "group", "groupId": "C" + "1" * 32, "userId": "U" + "1" * 32}), 0, None),
    (text_event(STORY, mode="standby"), 0, None),
    ({"type": "follow", "source": {"type": "user", "userId": "U" + "1" * 32}}, 0, None),
    ({"type": "message", "source": {"type": "user", "userId": "U" + "1" * 32},
      "message": {"type": "sticker", "id": "2"}}, 0, None),
], ids=["story", "queued", "short", "menu", "group", "standby", "follow", "sticker"])
def test_loading_decision(event, queued, expected):
    assert loading_seconds(event, queued) == expected


def test_a_story_shows_the_loading_animation_before_the_answer(citizen, line):
    citizen.say(STORY)
    shown = [entry for entry in line.loading if entry["to"] == citizen.user_id]
    assert [entry["seconds"] for entry in shown] == [10]
    call = line.calls("/v2/bot/chat/loading/start")[0]
    answer = next(r for r in line.requests if r["path"].startswith("/v2/bot/message/"))
    assert call["at"] <= answer["at"] and call["status"] == 202


def test_short_answers_show_no_loading_animation(citizen, line):
    citizen.say(STORY)
    line.clear()
    citizen.say("ใช่ค่ะ")
    citizen.postback("a=subject&v=other")
    assert line.calls("/v2/bot/message/") and not line.loading


def test_loading_failure_does_not_stop_the_answer(citizen, line, db):
    line.fail_next("/v2/bot/chat/loading/start", 500)
    citizen.say(STORY)
    assert citizen.last and db.scalar(select(Case.id)) is None  # answered; no case before consent
