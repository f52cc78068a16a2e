"""The chat simulator app: signed webhooks out, the bot's messages back to the page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from linebot.v3 import WebhookParser
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from linebot.v3.webhooks import (
    FollowEvent,
    LocationMessageContent,
    PostbackEvent,
    TextMessageContent,
)

from simulator.app import create_app, parse_options
from simulator.chat import CITIZENS
from simulator.ids import random_group_id
from simulator.platform import FakeLinePlatform
from tests.simulator.conftest import Receiver

SECRET = "sim-app-secret"
TOKEN = "sim-app-token"
CITIZEN = CITIZENS[0].user_id


class Bot(Receiver):
    """A stand-in bot: verifies the signature and, if asked, replies at once through the SDK."""

    def __init__(self, platform: FakeLinePlatform, answer: str | None = None) -> None:
        self.platform = platform
        self.answer = answer
        super().__init__(SECRET)

    @property
    def events(self) -> list[Any]:
        """Every verified event, in arrival order."""
        return [event for _, parsed in self.received for event in parsed]

    @property
    def raw(self) -> list[bytes]:
        """Every verified body as received."""
        return [body for body, _ in self.received]

    def after(self, parsed: list[Any]) -> None:
        """Reply to the first event when an answer is set."""
        token = getattr(parsed[0], "reply_token", None) if parsed else None
        if self.answer and token:
            self.reply(token)

    def reply(self, token: str) -> None:
        """Reply through the real SDK, pointed at the platform the simulator serves."""
        with ApiClient(Configuration(host=self.platform.url, access_token=TOKEN)) as client:
            request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=self.answer)])
            MessagingApi(client).reply_message(request)

@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    """A started platform; the simulator app shares its state."""
    with FakeLinePlatform(TOKEN, SECRET) as started:
        yield started


@pytest.fixture
def bot(platform: FakeLinePlatform) -> Iterator[Bot]:
    """A receiving callback server that answers every event."""
    server = Bot(platform, answer="สวัสดีค่ะ มีอะไรให้ช่วยคะ")
    yield server
    server.close()


@pytest.fixture
def sim(platform: FakeLinePlatform, bot: Bot) -> Flask:
    """The simulator app wired to the test bot."""
    return create_app(platform, bot.url)


@pytest.fixture
def page(sim: Flask) -> FlaskClient:
    """A test client for the simulator app."""
    return sim.test_client()


def messages(page: FlaskClient, user_id: str = CITIZEN, since: int = 0) -> list[dict[str, Any]]:
    """What the page would show for one citizen."""
    return page.get(f"/sim/api/messages?user_id={user_id}&since={since}").get_json()["entries"]


def test_send_text_posts_a_signed_event_and_shows_the_reply(page: FlaskClient, bot: Bot) -> None:
    response = page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "ยายอยู่คนเดียว"})
    assert response.status_code == 200
    assert response.get_json()["status"] == 200
    (event,) = bot.events
    assert isinstance(event.message, TextMessageContent)
    assert event.message.text == "ยายอยู่คนเดียว"
    assert event.source.user_id == CITIZEN
    assert "ยายอยู่คนเดียว".encode() in bot.raw[0]
    shown = [(e["from"], e["message"].get("text")) for e in messages(page)]
    assert shown == [("user", "ยายอยู่คนเดียว"), ("bot", "สวัสดีค่ะ มีอะไรให้ช่วยคะ")]


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        ({"type": "location", "latitude": "13.7649", "longitude": "100.5383", "address": "กรุงเทพมหานคร"},
         lambda e: isinstance(e.message, LocationMessageContent) and e.message.latitude == 13.7649),
        ({"type": "postback", "data": "topic=elderly", "display_text": "ผู้สูงอายุ"},
         lambda e: isinstance(e, PostbackEvent) and e.postback.data == "topic=elderly"),
        ({"type": "postback", "data": "when", "params": {"date": "2025-02-01"}},
         lambda e: e.postback.params == {"date": "2025-02-01"}),
        ({"type": "follow"}, lambda e: isinstance(e, FollowEvent) and e.follow.is_unblocked is False),
        ({"type": "sticker"}, lambda e: e.message.type == "sticker"),
        ({"type": "image"}, lambda e: e.message.type == "image"),
    ],
)
def test_each_page_action_becomes_the_right_event(page: FlaskClient, bot: Bot, payload: dict, check: Any) -> None:
    response = page.post("/sim/api/send", json={"user_id": CITIZEN, **payload})
    assert response.get_json()["status"] == 200
    assert check(bot.events[0])


def test_postback_display_text_is_shown_as_the_citizens_bubble(page: FlaskClient) -> None:
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "postback", "data": "x=1", "display_text": "ใช่"})
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "postback", "data": "x=2"})
    user_bubbles = [e["message"]["text"] for e in messages(page) if e["from"] == "user"]
    assert user_bubbles == ["ใช่"]


def test_image_content_is_downloadable(page: FlaskClient, bot: Bot, platform: FakeLinePlatform) -> None:
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "image"})
    data, content_type = platform.content(bot.events[0].message.id)
    assert data.startswith(b"\x89PNG") and content_type == "image/png"


def test_bad_send_requests_are_400(page: FlaskClient, bot: Bot) -> None:
    assert page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "video"}).status_code == 400
    assert page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": " "}).status_code == 400
    assert page.post("/sim/api/send", json={"type": "text", "text": "x"}).status_code == 400
    assert bot.events == []


def test_messages_since_returns_only_newer(page: FlaskClient) -> None:
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "หนึ่ง"})
    first = messages(page)
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "สอง"})
    newer = messages(page, since=first[-1]["seq"])
    assert [e["message"]["text"] for e in newer if e["from"] == "user"] == ["สอง"]


def test_chats_are_kept_apart(page: FlaskClient) -> None:
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "ของฉัน"})
    assert messages(page, CITIZENS[1].user_id) == []


def test_pushes_to_staff_groups_go_to_the_notifications_panel(page: FlaskClient, platform: FakeLinePlatform) -> None:
    group = random_group_id()
    with ApiClient(Configuration(host=platform.url, access_token=TOKEN)) as client:
        api = MessagingApi(client)
        api.push_message(PushMessageRequest(to=group, messages=[TextMessage(text="เคสใหม่ ต.แม่เหียะ")]))
        api.push_message(PushMessageRequest(to=CITIZEN, messages=[TextMessage(text="ส่งเรื่องแล้ว")]))
    notes = page.get("/sim/api/notifications?since=0").get_json()["entries"]
    assert [(n["chat"], n["message"]["text"], n["via"]) for n in notes] == [(group, "เคสใหม่ ต.แม่เหียะ", "push")]
    assert [e["message"]["text"] for e in messages(page)] == ["ส่งเรื่องแล้ว"]


def test_loading_animation_shows_in_the_chat(page: FlaskClient, platform: FakeLinePlatform) -> None:
    with ApiClient(Configuration(host=platform.url, access_token=TOKEN)) as client:
        request = ShowLoadingAnimationRequest(chat_id=CITIZEN, loading_seconds=10)
        MessagingApi(client).show_loading_animation(request)
    (entry,) = messages(page)
    assert entry["from"] == "loading" and entry["message"] == {"seconds": 10}


def test_callback_errors_are_reported(platform: FakeLinePlatform) -> None:
    failing = Bot(platform)
    failing.parser = WebhookParser("a-different-secret")
    try:
        page = create_app(platform, failing.url).test_client()
        response = page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "x"})
    finally:
        failing.close()
    assert response.get_json()["status"] == 400
    assert messages(page)[-1]["message"] == {"type": "error", "status": 400}
    unreachable = page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "x"})
    assert unreachable.status_code == 502


def test_app_serves_the_line_api_with_the_same_state(page: FlaskClient, platform: FakeLinePlatform) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    profile = page.get(f"/v2/bot/profile/{CITIZEN}", headers=auth)
    assert profile.get_json()["displayName"] == CITIZENS[0].name
    assert profile.headers["X-Line-Request-Id"]
    assert page.get("/v2/bot/info").status_code == 401
    body = {"to": CITIZEN, "messages": [{"type": "text", "text": "ผ่านหน้าเว็บ"}]}
    assert page.post("/v2/bot/message/push", json=body, headers=auth).status_code == 200
    assert platform.texts_to(CITIZEN) == ["ผ่านหน้าเว็บ"]


def test_outage_switch_and_clear(page: FlaskClient, platform: FakeLinePlatform) -> None:
    assert page.post("/sim/api/down", json={"down": True}).get_json() == {"down": True}
    assert page.get("/v2/bot/info", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 503
    page.post("/sim/api/down", json={"down": False})
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "x"})
    page.post("/sim/api/clear", json={"user_id": CITIZEN})
    assert messages(page) == []


def test_page_and_assets_are_served(page: FlaskClient) -> None:
    html = page.get("/")
    assert html.status_code == 200
    assert b'id="composer"' in html.data and b"/sim/static/sim.js" in html.data
    assert b"https://" not in html.data  # no CDN
    for asset in ("/sim/static/sim.js", "/sim/static/sim.css"):
        assert page.get(asset).status_code == 200
    users = page.get("/sim/api/users").get_json()
    assert [u["user_id"] for u in users["users"]] == [c.user_id for c in CITIZENS]


def test_options_come_from_args_then_environment() -> None:
    env = {"SIM_PORT": "9001", "SIM_CALLBACK_URL": "http://bot/callback",
           "LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}
    options = parse_options([], env)
    assert (options.port, options.callback_url, options.channel_secret, options.access_token) == (
        9001, "http://bot/callback", "s", "t")
    assert parse_options(["--port", "8099", "--secret", "x"], env).port == 8099


@pytest.mark.parametrize("env", [{}, {"LINE_CHANNEL_SECRET": "s"}, {"SIM_PORT": "abc", "LINE_CHANNEL_SECRET": "s",
                                                                    "LINE_CHANNEL_ACCESS_TOKEN": "t"}])
def test_missing_or_bad_options_fail_clearly(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_options([], env)
    assert "error" in capsys.readouterr().err


def test_page_does_not_log_message_text(page: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    page.post("/sim/api/send", json={"user_id": CITIZEN, "type": "text", "text": "ความลับของผู้ร้อง"})
    assert "ความลับของผู้ร้อง" not in caplog.text
    assert json.dumps("ความลับของผู้ร้อง") not in caplog.text


def test_page_shows_the_default_rich_menu_and_its_image(page: FlaskClient, platform: FakeLinePlatform) -> None:
    assert page.get("/sim/api/richmenu").get_json() == {"menu": None}
    body = {"size": {"width": 2500, "height": 843}, "selected": True, "name": "m", "chatBarText": "เมนู",
            "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                       "action": {"type": "message", "label": "ติดตามเรื่อง", "text": "ติดตามเรื่อง"}}]}
    menu_id = platform.rich_menus.create(body)
    platform.rich_menus.get(menu_id).image, platform.rich_menus.get(menu_id).content_type = b"\x89PNG", "image/png"
    platform.rich_menus.default_id = menu_id
    shown = page.get("/sim/api/richmenu").get_json()
    assert shown["menu"]["areas"] == body["areas"] and shown["menu"]["richMenuId"] == menu_id
    image = page.get(shown["image"])
    assert image.status_code == 200 and image.data == b"\x89PNG" and image.content_type == "image/png"
    assert page.get("/sim/api/richmenu/image?id=nope").status_code == 404
