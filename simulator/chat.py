"""The chat simulator's model: simulated citizens, the events they send, and the transcript."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from simulator import events
from simulator.ids import stable_id
from simulator.platform import FakeLinePlatform


@dataclass(frozen=True)
class Citizen:
    """A simulated LINE user with a stable user id."""

    user_id: str
    name: str
    language: str
    note: str


CITIZENS = (
    Citizen(stable_id("U", "sim-citizen-somchai"), "สมชาย ใจดี", "th", "ผู้ใหญ่ วัยทำงาน"),
    Citizen(stable_id("U", "sim-citizen-boonmee"), "ยายบุญมี ศรีสุข", "th", "ผู้สูงอายุ"),
    Citizen(stable_id("U", "sim-citizen-fah"), "น้องฟ้า", "th", "เยาวชน"),
    Citizen(stable_id("U", "sim-citizen-john"), "John Smith", "en", "English speaker"),
)
SEND_TYPES = ("text", "location", "postback", "follow", "unfollow", "sticker", "image")


class Transcript:
    """Everything shown in the page, numbered so the page can poll with ?since=."""

    def __init__(self, platform: FakeLinePlatform, user_ids: set[str]) -> None:
        self.user_ids = user_ids
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._seq = itertools.count(1)
        platform.subscribe(self._on_platform)

    def add(self, chat: str, sender: str, message: dict[str, Any], via: str = "") -> dict[str, Any]:
        """Append one bubble (sender: user, bot, system or loading) and return it."""
        with self._lock:
            entry = {"seq": next(self._seq), "chat": chat, "from": sender, "via": via,
                     "message": message, "at": time.time()}
            self._entries.append(entry)
        return entry

    def _on_platform(self, kind: str, entry: dict[str, Any]) -> None:
        """Turn platform deliveries and loading animations into bubbles."""
        if kind == "loading":
            self.add(entry["to"], "loading", {"seconds": entry["seconds"]})
            return
        for message in entry["messages"]:
            self.add(entry["to"], "bot", message, entry["via"])

    def for_chat(self, chat: str, since: int = 0) -> list[dict[str, Any]]:
        """Bubbles of one chat newer than since."""
        with self._lock:
            return [e for e in self._entries if e["seq"] > since and e["chat"] == chat]

    def notifications(self, since: int = 0) -> list[dict[str, Any]]:
        """Bot messages to anyone but the simulated citizens (staff groups, hotline)."""
        with self._lock:
            return [e for e in self._entries
                    if e["seq"] > since and e["from"] == "bot" and e["chat"] not in self.user_ids]

    def last_seq(self) -> int:
        """The newest sequence number (0 when empty)."""
        with self._lock:
            return self._entries[-1]["seq"] if self._entries else 0

    def clear(self, chat: str | None = None) -> None:
        """Forget one chat's bubbles, or all."""
        with self._lock:
            self._entries = [e for e in self._entries if chat is not None and e["chat"] != chat]


class SendError(ValueError):
    """The page asked for something the simulator cannot send."""


def build_event(payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The webhook event for a page request, and the bubble to show as the citizen's (or None)."""
    user_id, kind = payload.get("user_id"), payload.get("type")
    if not isinstance(user_id, str) or kind not in SEND_TYPES:
        raise SendError(f"type must be one of {', '.join(SEND_TYPES)} and user_id is required")
    return _BUILDERS[kind](user_id, payload, token)


def _text(user_id: str, payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A text message typed or tapped (message action)."""
    message = str(payload.get("text") or "").strip()
    if not message:
        raise SendError("text is empty")
    return events.text(user_id, message, token), {"type": "text", "text": message}


def _location(user_id: str, payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A location pin from the picker."""
    try:
        lat, lon = float(payload["latitude"]), float(payload["longitude"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SendError("latitude and longitude must be numbers") from exc
    address = payload.get("address") or None
    title = payload.get("title") or None
    bubble = {"type": "location", "latitude": lat, "longitude": lon, "address": address, "title": title}
    return events.location(user_id, lat, lon, address, title, token), bubble


def _postback(user_id: str, payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A tapped postback action; LINE shows displayText as the citizen's message."""
    data = payload.get("data")
    if not isinstance(data, str):
        raise SendError("data is required")
    params = payload.get("params") if isinstance(payload.get("params"), dict) else None
    shown = payload.get("display_text")
    bubble = {"type": "text", "text": shown} if shown else None
    return events.postback(user_id, data, params, token), bubble


def _follow(user_id: str, payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Add the bot as a friend."""
    return events.follow(user_id, token), {"type": "system", "text": "follow"}


def _unfollow(user_id: str, payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Block the bot."""
    return events.unfollow(user_id), {"type": "system", "text": "unfollow"}


def _sticker(user_id: str, payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sticker."""
    return events.sticker(user_id, reply_token=token), {"type": "sticker"}


def _image(user_id: str, payload: dict[str, Any], token: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A photo (a tiny PNG stored on the platform by the caller)."""
    return events.image(user_id, reply_token=token), {"type": "image"}


_BUILDERS = {
    "text": _text,
    "location": _location,
    "postback": _postback,
    "follow": _follow,
    "unfollow": _unfollow,
    "sticker": _sticker,
    "image": _image,
}


def citizens_json() -> list[dict[str, str]]:
    """The simulated citizens for the page's user picker."""
    return [asdict(c) for c in CITIZENS]
