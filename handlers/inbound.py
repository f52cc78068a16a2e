"""Validate webhook events before they are stored: types, lengths and ranges, field by field.

A signed body can still carry what LINE never sends (a list as userId, a 10**30 timestamp, a
lone surrogate, a NUL, 100k characters). Each event is rebuilt from the fields the service
reads, with limits LINE itself keeps; an event that cannot be rebuilt is dropped with the
reason logged by kind, and the good events beside it are stored.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ID = 64           # LINE ids: "U" + 32 hex, event ids are 26-character ULIDs
MAX_TOKEN = 128       # reply tokens are 32 hex characters
MAX_TEXT = 5000       # LINE's own limit for a text message
MAX_SHORT = 500       # addresses, titles, file names
MAX_POSTBACK = 300    # LINE's limit for postback data
MAX_TIMESTAMP = 2 ** 53  # milliseconds; LINE's are about 1.7e12
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
SOURCE_KEYS = {"user": "userId", "group": "groupId", "room": "roomId"}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidEventError(ValueError):
    """An event that cannot be stored; the message names the field (never its value)."""


def clean_text(value: Any, field: str, limit: int, required: bool = False) -> str | None:
    """A string without NULs or lone surrogates, cut to `limit` characters."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise InvalidEventError(f"{field}: not a string")
    value = _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    return value[:limit]


def clean_id(value: Any, field: str, required: bool = True) -> str | None:
    """A LINE identifier: short, plain ASCII."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise InvalidEventError(f"{field}: not an id")
    return value


def clean_number(value: Any, field: str, low: float, high: float) -> float | None:
    """A finite number within [low, high], or None when absent."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidEventError(f"{field}: out of range")
    return value


def _obj(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidEventError(f"{field}: not an object")
    return value


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != {}}


def clean_source(value: Any) -> dict[str, Any]:
    """`source`: its type and the ids that go with it."""
    source = _obj(value, "source")
    kind = source.get("type")
    if not isinstance(kind, str) or kind not in SOURCE_KEYS:
        raise InvalidEventError("source.type: unknown")
    out = {"type": kind, SOURCE_KEYS[kind]: clean_id(source.get(SOURCE_KEYS[kind]), "source.id")}
    out["userId"] = clean_id(source.get("userId"), "source.userId", required=kind == "user")
    return _drop_none(out)


def clean_message(value: Any) -> dict[str, Any]:
    """`message`: the fields the conversation and the attachment fetcher read."""
    m = _obj(value, "message")
    kind = clean_text(m.get("type"), "message.type", 32, required=True)
    out = {"type": kind, "id": clean_id(m.get("id"), "message.id")}
    out["text"] = clean_text(m.get("text"), "message.text", MAX_TEXT, required=kind == "text")
    if kind == "location":
        out["latitude"] = clean_number(m.get("latitude"), "message.latitude", -90, 90)
        out["longitude"] = clean_number(m.get("longitude"), "message.longitude", -180, 180)
        if out["latitude"] is None or out["longitude"] is None:
            raise InvalidEventError("message.location: no coordinates")
    for key in ("address", "title", "fileName"):
        out[key] = clean_text(m.get(key), f"message.{key}", MAX_SHORT)
    for key in ("quoteToken", "quotedMessageId", "packageId", "stickerId"):
        out[key] = clean_text(m.get(key), f"message.{key}", MAX_TOKEN)
    out["fileSize"] = clean_number(m.get("fileSize"), "message.fileSize", 0, 2 ** 40)
    out["duration"] = clean_number(m.get("duration"), "message.duration", 0, 2 ** 40)
    return _drop_none(out)


def clean_postback(value: Any) -> dict[str, Any]:
    """`postback`: its data and any date/time picker params."""
    p = _obj(value, "postback")
    params = {k: clean_text(v, "postback.params", 64)
              for k, v in _obj(p.get("params"), "postback.params").items()
              if k in ("date", "time", "datetime")}
    return _drop_none({"data": clean_text(p.get("data"), "postback.data", MAX_POSTBACK, required=True),
                       "params": _drop_none(params)})


def clean_event(event: Any) -> dict[str, Any]:
    """The event rebuilt from its valid fields; raises InvalidEventError naming the bad field."""
    e = _obj(event, "event")
    out: dict[str, Any] = {
        "type": clean_text(e.get("type"), "type", 32, required=True),
        "mode": _mode(e.get("mode", "active")),
        "timestamp": int(clean_number(e.get("timestamp"), "timestamp", 0, MAX_TIMESTAMP) or 0),
        "webhookEventId": clean_id(e.get("webhookEventId"), "webhookEventId"),
        "source": clean_source(e.get("source")),
        "replyToken": clean_text(e.get("replyToken"), "replyToken", MAX_TOKEN),
    }
    if out["mode"] is None:
        raise InvalidEventError("mode: unknown")
    redelivery = _obj(e.get("deliveryContext"), "deliveryContext").get("isRedelivery", False)
    out["deliveryContext"] = {"isRedelivery": redelivery is True}
    out.update(_details(out["type"], e))
    return _drop_none(out)


def _mode(value: Any) -> str | None:
    return value if isinstance(value, str) and value in ("active", "standby") else None


def _details(kind: str, e: dict[str, Any]) -> dict[str, Any]:
    if kind == "message":
        return {"message": clean_message(e.get("message"))}
    if kind == "postback":
        return {"postback": clean_postback(e.get("postback"))}
    if kind == "follow":
        return {"follow": {"isUnblocked": _obj(e.get("follow"), "follow").get("isUnblocked") is True}}
    if kind == "unsend":
        return {"unsend": {"messageId": clean_id(_obj(e.get("unsend"), "unsend").get("messageId"),
                                                 "unsend.messageId")}}
    return {}
