"""Webhook bodies built by simulator.events parse with the real SDK, signature verified."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import (
    AudioMessageContent,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    LocationMessageContent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
    PostbackEvent,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
    UserSource,
    VideoMessageContent,
)

from simulator import events
from simulator.ids import random_group_id
from simulator.platform import FakeLinePlatform
from tests.simulator.conftest import Receiver

SECRET = "webhook-test-secret"
USER = events.random_user_id()
GROUP = random_group_id()


def parse(event_list: list[dict[str, Any]], secret: str = SECRET) -> list[Any]:
    """Sign a body and parse it the way the bot does."""
    raw = events.body(event_list)
    return WebhookParser(secret).parse(raw.decode("utf-8"), events.sign(SECRET, raw))


BUILDERS = [
    pytest.param(lambda: events.text(USER, "ยายถูกทิ้งไว้คนเดียว"), MessageEvent, TextMessageContent, id="text"),
    pytest.param(
        lambda: events.location(USER, 18.7883, 98.9853, "เชียงใหม่", "บ้าน"),
        MessageEvent, LocationMessageContent, id="location",
    ),
    pytest.param(lambda: events.sticker(USER), MessageEvent, StickerMessageContent, id="sticker"),
    pytest.param(lambda: events.image(USER, "111"), MessageEvent, ImageMessageContent, id="image"),
    pytest.param(lambda: events.video(USER), MessageEvent, VideoMessageContent, id="video"),
    pytest.param(lambda: events.audio(USER), MessageEvent, AudioMessageContent, id="audio"),
    pytest.param(lambda: events.file(USER, "บันทึก.pdf", 2048), MessageEvent, FileMessageContent, id="file"),
    pytest.param(lambda: events.postback(USER, "action=confirm&case=1"), PostbackEvent, None, id="postback"),
    pytest.param(
        lambda: events.postback(USER, "pick", {"date": "2025-01-31"}), PostbackEvent, None, id="postback-params"
    ),
    pytest.param(lambda: events.follow(USER), FollowEvent, None, id="follow"),
    pytest.param(lambda: events.unfollow(USER), UnfollowEvent, None, id="unfollow"),
    pytest.param(lambda: events.join(GROUP), JoinEvent, None, id="join"),
    pytest.param(lambda: events.leave(GROUP), LeaveEvent, None, id="leave"),
    pytest.param(lambda: events.member_joined(GROUP, [USER]), MemberJoinedEvent, None, id="member-joined"),
    pytest.param(lambda: events.member_left(GROUP, [USER]), MemberLeftEvent, None, id="member-left"),
    pytest.param(lambda: events.unsend(USER, "123"), UnsendEvent, None, id="unsend"),
]


@pytest.mark.parametrize(("build", "event_class", "content_class"), BUILDERS)
def test_builder_parses_into_the_sdk_class(build: Any, event_class: type, content_class: type | None) -> None:
    (event,) = parse([build()])
    assert type(event) is event_class
    if content_class is not None:
        assert type(event.message) is content_class


def test_text_event_fields() -> None:
    (event,) = parse([events.text(USER, "สวัสดี", reply_token="tok")])
    assert event.message.text == "สวัสดี"
    assert event.reply_token == "tok"
    assert event.source == UserSource(type="user", user_id=USER)
    assert event.mode == "active"
    assert event.delivery_context.is_redelivery is False
    assert len(event.webhook_event_id) == 26


def test_location_and_postback_fields() -> None:
    pin, tap = parse([events.location(USER, 16.44, 102.83, address="ขอนแก่น"), events.postback(USER, "a=1", {"time": "10:00"})])
    assert (pin.message.latitude, pin.message.longitude, pin.message.address) == (16.44, 102.83, "ขอนแก่น")
    assert (tap.postback.data, tap.postback.params) == ("a=1", {"time": "10:00"})


def test_follow_carries_is_unblocked() -> None:
    (event,) = parse([events.follow(USER, unblocked=True)])
    assert event.follow.is_unblocked is True


def test_group_source_keeps_the_user() -> None:
    (event,) = parse([events.text(USER, "ในกลุ่ม", source_group=GROUP)])
    assert event.source == GroupSource(type="group", group_id=GROUP, user_id=USER)


def test_standby_events_have_no_reply_token() -> None:
    event = events.text(USER, "x", reply_token="tok", mode="standby")
    assert "replyToken" not in event
    (parsed,) = parse([event])
    assert parsed.mode == "standby"


def test_redelivery_keeps_the_event_id() -> None:
    first = events.text(USER, "x")
    again = events.redelivered(first)
    assert again["webhookEventId"] == first["webhookEventId"]
    assert again["deliveryContext"] == {"isRedelivery": True}
    assert first["deliveryContext"] == {"isRedelivery": False}
    same = events.text(USER, "x", event_id=first["webhookEventId"], redelivery=True)
    assert same["webhookEventId"] == first["webhookEventId"]


def test_event_ids_are_unique_and_ulid_shaped() -> None:
    ids = {events.text(USER, "x")["webhookEventId"] for _ in range(200)}
    assert len(ids) == 200
    crockford = set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert all(len(i) == 26 and set(i) <= crockford for i in ids)


def test_body_is_compact_raw_utf8() -> None:
    raw = events.body([events.text(USER, "ช่วยด้วย")])
    assert "ช่วยด้วย".encode() in raw
    assert b"\\u" not in raw and b", " not in raw
    assert json.loads(raw)["destination"].startswith("U")


def test_wrong_secret_fails_verification() -> None:
    raw = events.body([events.text(USER, "x")])
    with pytest.raises(InvalidSignatureError):
        WebhookParser("other-secret").parse(raw.decode(), events.sign(SECRET, raw))


def test_random_user_id_shape() -> None:
    user = events.random_user_id()
    assert len(user) == 33 and user[0] == "U" and int(user[1:], 16) >= 0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A signature-checking callback server for one test."""
    server = Receiver(SECRET)
    yield server
    server.close()


def test_sender_posts_signed_events_with_usable_reply_tokens(
    receiver: Receiver, fake_line: FakeLinePlatform
) -> None:
    sender = events.WebhookSender(receiver.url, SECRET, fake_line)
    assert sender.send_text(USER, "แม่ป่วยติดเตียง") == 200
    (raw, (event,)) = receiver.received[0]
    assert event.message.text == "แม่ป่วยติดเตียง"
    assert json.loads(raw)["destination"] == fake_line.bot_user_id
    with ApiClient(Configuration(host=fake_line.url, access_token=fake_line.access_token)) as client:
        request = ReplyMessageRequest(reply_token=event.reply_token, messages=[TextMessage(text="รับเรื่องแล้ว")])
        MessagingApi(client).reply_message(request)
    assert fake_line.texts_to(USER) == ["รับเรื่องแล้ว"]


def test_sender_reply_token_in_a_group_replies_to_the_group(
    receiver: Receiver, fake_line: FakeLinePlatform
) -> None:
    sender = events.WebhookSender(receiver.url, SECRET, fake_line)
    sender.send_text(USER, "รับทราบ", source_group=GROUP)
    (_, (event,)) = receiver.received[0]
    assert fake_line.use_reply_token(event.reply_token) == GROUP


def test_sender_covers_each_event_kind(receiver: Receiver, fake_line: FakeLinePlatform) -> None:
    sender = events.WebhookSender(receiver.url, SECRET, fake_line)
    statuses = [
        sender.send_follow(USER),
        sender.send_location(USER, 7.0086, 100.4747, "หาดใหญ่"),
        sender.send_postback(USER, "topic=elderly"),
        sender.send_sticker(USER),
        sender.send_image(USER),
        sender.send_unsend(USER, "1"),
        sender.send_join(GROUP),
        sender.send_leave(GROUP),
        sender.send_unfollow(USER),
        sender.redeliver(),
    ]
    assert statuses == [200] * 10
    kinds = [type(parsed[0]).__name__ for _, parsed in receiver.received]
    assert kinds == [
        "FollowEvent", "MessageEvent", "PostbackEvent", "MessageEvent", "MessageEvent",
        "UnsendEvent", "JoinEvent", "LeaveEvent", "UnfollowEvent", "UnfollowEvent",
    ]
    image_id = receiver.received[4][1][0].message.id
    assert fake_line.content(image_id)[0].startswith(b"\x89PNG")
    assert receiver.received[-1][1][0].delivery_context.is_redelivery is True


def test_sender_reports_bad_signature_and_unreachable_callback(receiver: Receiver) -> None:
    assert events.WebhookSender(receiver.url, "wrong-secret").send_text(USER, "x") == 400
    closed = Receiver(SECRET)
    closed.close()
    assert events.WebhookSender(closed.url, SECRET, timeout=1).send_text(USER, "x") == 0
