"""Webhook bodies exactly as LINE sends them, their signature, and a client that posts them."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from simulator.ids import BOT_USER_ID, message_id, random_user_id, webhook_event_id

if TYPE_CHECKING:
    from simulator.platform import FakeLinePlatform

__all__ = [
    "WebhookSender",
    "audio",
    "body",
    "file",
    "follow",
    "image",
    "join",
    "leave",
    "location",
    "member_joined",
    "member_left",
    "postback",
    "random_user_id",
    "redelivered",
    "sign",
    "sticker",
    "text",
    "unfollow",
    "unsend",
    "video",
]

Event = dict[str, Any]


def _source(user_id: str | None, source_group: str | None, source_room: str | None) -> dict[str, str]:
    """A user, group or room source; userId is included in groups when known."""
    if source_group:
        source = {"type": "group", "groupId": source_group}
    elif source_room:
        source = {"type": "room", "roomId": source_room}
    else:
        return {"type": "user", "userId": user_id or random_user_id()}
    if user_id:
        source["userId"] = user_id
    return source


def _event(
    kind: str,
    user_id: str | None,
    *,
    reply_token: str | None = None,
    replyable: bool = True,
    mode: str = "active",
    redelivery: bool = False,
    event_id: str | None = None,
    source_group: str | None = None,
    source_room: str | None = None,
    timestamp: int | None = None,
    **fields: Any,
) -> Event:
    """The fields every event has; replyToken only on replyable events in active mode."""
    event: Event = {
        "type": kind,
        "timestamp": timestamp if timestamp is not None else int(time.time() * 1000),
        "source": _source(user_id, source_group, source_room),
        "mode": mode,
        "webhookEventId": event_id or webhook_event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if replyable and mode == "active":
        event["replyToken"] = reply_token or secrets.token_hex(16)
    event.update(fields)
    return event


def _message(user_id: str, content: dict[str, Any], **common: Any) -> Event:
    """A message event carrying content (given an id when it has none)."""
    content = {"id": message_id(), **content}
    return _event("message", user_id, message=content, **common)


def text(user_id: str, text: str, reply_token: str | None = None, **common: Any) -> Event:
    """A text message event (with the quoteToken the SDK requires)."""
    content = {"type": "text", "text": text, "quoteToken": secrets.token_urlsafe(24)}
    return _message(user_id, content, reply_token=reply_token, **common)


def location(
    user_id: str,
    lat: float,
    lon: float,
    address: str | None = None,
    title: str | None = None,
    reply_token: str | None = None,
    **common: Any,
) -> Event:
    """A location message event (a shared pin)."""
    content: dict[str, Any] = {"type": "location", "latitude": lat, "longitude": lon}
    if title is not None:
        content["title"] = title
    if address is not None:
        content["address"] = address
    return _message(user_id, content, reply_token=reply_token, **common)


def sticker(
    user_id: str,
    package_id: str = "446",
    sticker_id: str = "1988",
    reply_token: str | None = None,
    keywords: list[str] | None = None,
    **common: Any,
) -> Event:
    """A sticker message event."""
    content: dict[str, Any] = {
        "type": "sticker",
        "packageId": package_id,
        "stickerId": sticker_id,
        "stickerResourceType": "STATIC",
        "quoteToken": secrets.token_urlsafe(24),
    }
    if keywords:
        content["keywords"] = keywords[:15]
    return _message(user_id, content, reply_token=reply_token, **common)


def image(user_id: str, message_id: str | None = None, reply_token: str | None = None, **common: Any) -> Event:
    """An image message event whose content is on LINE (GET .../content)."""
    content = {"type": "image", "contentProvider": {"type": "line"}, "quoteToken": secrets.token_urlsafe(24)}
    return _message(user_id, _with_id(content, message_id), reply_token=reply_token, **common)


def video(
    user_id: str, message_id: str | None = None, duration_ms: int = 5000, reply_token: str | None = None, **common: Any
) -> Event:
    """A video message event whose content is on LINE."""
    content = {
        "type": "video",
        "duration": duration_ms,
        "contentProvider": {"type": "line"},
        "quoteToken": secrets.token_urlsafe(24),
    }
    return _message(user_id, _with_id(content, message_id), reply_token=reply_token, **common)


def audio(
    user_id: str, message_id: str | None = None, duration_ms: int = 5000, reply_token: str | None = None, **common: Any
) -> Event:
    """An audio (voice) message event whose content is on LINE."""
    content = {"type": "audio", "duration": duration_ms, "contentProvider": {"type": "line"}}
    return _message(user_id, _with_id(content, message_id), reply_token=reply_token, **common)


def file(
    user_id: str,
    file_name: str = "document.pdf",
    file_size: int = 1024,
    message_id: str | None = None,
    reply_token: str | None = None,
    **common: Any,
) -> Event:
    """A file message event."""
    content = {"type": "file", "fileName": file_name, "fileSize": file_size}
    return _message(user_id, _with_id(content, message_id), reply_token=reply_token, **common)


def _with_id(content: dict[str, Any], given: str | None) -> dict[str, Any]:
    """Content with the caller's message id when given."""
    return {"id": given, **content} if given else content


def postback(
    user_id: str, data: str, params: dict[str, str] | None = None, reply_token: str | None = None, **common: Any
) -> Event:
    """A postback event (a tapped postback action; params for date/time pickers)."""
    content: dict[str, Any] = {"data": data}
    if params:
        content["params"] = params
    return _event("postback", user_id, reply_token=reply_token, postback=content, **common)


def follow(user_id: str, reply_token: str | None = None, unblocked: bool = False, **common: Any) -> Event:
    """A follow event (friend added, or unblocked)."""
    return _event("follow", user_id, reply_token=reply_token, follow={"isUnblocked": unblocked}, **common)


def unfollow(user_id: str, **common: Any) -> Event:
    """An unfollow event (the user blocked the bot); it has no reply token."""
    return _event("unfollow", user_id, replyable=False, **common)


def join(group_id: str, reply_token: str | None = None, **common: Any) -> Event:
    """A join event: the bot was added to a group."""
    return _event("join", None, reply_token=reply_token, source_group=group_id, **common)


def leave(group_id: str, **common: Any) -> Event:
    """A leave event: the bot was removed from a group."""
    return _event("leave", None, replyable=False, source_group=group_id, **common)


def member_joined(group_id: str, user_ids: list[str], reply_token: str | None = None, **common: Any) -> Event:
    """A memberJoined event: users joined a group the bot is in."""
    joined = {"members": [{"type": "user", "userId": u} for u in user_ids]}
    return _event("memberJoined", None, reply_token=reply_token, source_group=group_id, joined=joined, **common)


def member_left(group_id: str, user_ids: list[str], **common: Any) -> Event:
    """A memberLeft event: users left a group the bot is in."""
    left = {"members": [{"type": "user", "userId": u} for u in user_ids]}
    return _event("memberLeft", None, replyable=False, source_group=group_id, left=left, **common)


def unsend(user_id: str, message_id: str, **common: Any) -> Event:
    """An unsend event: the user took back a message."""
    return _event("unsend", user_id, replyable=False, unsend={"messageId": message_id}, **common)


def redelivered(event: Event) -> Event:
    """The same event as LINE redelivers it: same webhookEventId, isRedelivery true."""
    again = copy.deepcopy(event)
    again["deliveryContext"] = {"isRedelivery": True}
    return again


def body(events: list[Event], destination: str = BOT_USER_ID) -> bytes:
    """A webhook body: compact JSON, Thai as raw UTF-8 (as LINE sends it)."""
    payload = {"destination": destination, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(channel_secret: str, body_bytes: bytes) -> str:
    """The X-Line-Signature for a body: base64(HMAC-SHA256(secret, body))."""
    digest = hmac.new(channel_secret.encode("utf-8"), body_bytes, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def post_webhook(url: str, body_bytes: bytes, signature: str | None, timeout: float = 10) -> int:
    """POST a webhook body like LINE does and return the HTTP status (0 if unreachable)."""
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "LineBotWebhook/2.0"}
    if signature is not None:
        headers["X-Line-Signature"] = signature
    req = urllib.request.Request(url, data=body_bytes, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


class WebhookSender:
    """Plays LINE's side of the webhook: builds events, issues reply tokens, signs and posts."""

    def __init__(
        self, callback_url: str, channel_secret: str, platform: FakeLinePlatform | None = None, timeout: float = 10
    ) -> None:
        self.callback_url = callback_url
        self.channel_secret = channel_secret
        self.platform = platform
        self.timeout = timeout
        self.sent: list[Event] = []

    @property
    def destination(self) -> str:
        """The bot's user id, as in the body's destination."""
        return self.platform.bot_user_id if self.platform else BOT_USER_ID

    @property
    def last_event(self) -> Event:
        """The most recent event sent (for redelivery tests)."""
        return self.sent[-1]

    def send(self, events: list[Event]) -> int:
        """Sign and POST events in one body; return the HTTP status (0 if unreachable)."""
        raw = body(events, self.destination)
        self.sent.extend(events)
        return post_webhook(self.callback_url, raw, sign(self.channel_secret, raw), self.timeout)

    def _token(self, chat_id: str, common: dict[str, Any]) -> str | None:
        """A reply token the platform will honour for chat_id (none in standby)."""
        if self.platform is None or common.get("mode", "active") != "active":
            return None
        return self.platform.issue_reply_token(common.get("source_group") or chat_id)

    def send_text(self, user_id: str, message: str, **common: Any) -> int:
        """Send a text message from user_id."""
        return self.send([text(user_id, message, self._token(user_id, common), **common)])

    def send_location(self, user_id: str, lat: float, lon: float, address: str | None = None,
                      title: str | None = None, **common: Any) -> int:
        """Send a location pin from user_id."""
        return self.send([location(user_id, lat, lon, address, title, self._token(user_id, common), **common)])

    def send_postback(self, user_id: str, data: str, params: dict[str, str] | None = None, **common: Any) -> int:
        """Send a postback from user_id."""
        return self.send([postback(user_id, data, params, self._token(user_id, common), **common)])

    def send_follow(self, user_id: str, unblocked: bool = False, **common: Any) -> int:
        """Send a follow (add friend) from user_id."""
        return self.send([follow(user_id, self._token(user_id, common), unblocked, **common)])

    def send_unfollow(self, user_id: str, **common: Any) -> int:
        """Send an unfollow (block) from user_id."""
        return self.send([unfollow(user_id, **common)])

    def send_sticker(self, user_id: str, package_id: str = "446", sticker_id: str = "1988", **common: Any) -> int:
        """Send a sticker from user_id."""
        return self.send([sticker(user_id, package_id, sticker_id, self._token(user_id, common), **common)])

    def send_image(self, user_id: str, data: bytes = b"", content_type: str = "image/jpeg", **common: Any) -> int:
        """Send an image from user_id; its bytes are stored on the platform for download."""
        event = image(user_id, reply_token=self._token(user_id, common), **common)
        if self.platform is not None:
            self.platform.put_content(event["message"]["id"], data or tiny_png(), content_type)
        return self.send([event])

    def send_audio(self, user_id: str, duration_ms: int = 5000, **common: Any) -> int:
        """Send a voice message from user_id."""
        return self.send([audio(user_id, duration_ms=duration_ms, reply_token=self._token(user_id, common),
                                **common)])

    def send_join(self, group_id: str, **common: Any) -> int:
        """Send a join event: the bot was added to group_id."""
        return self.send([join(group_id, self._token(group_id, common), **common)])

    def send_leave(self, group_id: str, **common: Any) -> int:
        """Send a leave event: the bot was removed from group_id."""
        return self.send([leave(group_id, **common)])

    def send_unsend(self, user_id: str, message_id: str, **common: Any) -> int:
        """Send an unsend event for one of user_id's messages."""
        return self.send([unsend(user_id, message_id, **common)])

    def redeliver(self, event: Event | None = None) -> int:
        """Send an event again as a redelivery (same webhookEventId); the last one by default."""
        return self.send([redelivered(event or self.last_event)])


def tiny_png() -> bytes:
    """A valid 1×1 PNG, standing in for a photo."""
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
