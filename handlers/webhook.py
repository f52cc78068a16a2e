"""POST /callback: verify LINE's signature, validate, deduplicate, store the events, answer 200."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from typing import Any

from flask import Blueprint, abort, current_app, request
from linebot.v3 import SignatureValidator
from sqlalchemy.exc import OperationalError

from handlers.events import HANDLED_TYPES
from handlers.inbound import InvalidEventError, clean_event
from models import InboundEvent, utcnow
from models.base import insert_ignore
from models.inbox import MOVED_COLUMNS, InboxEvent
from models.line import EventStatus
from runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)

# LINE allows 2 s for the answer: a database that blinks gets a few quick tries (each waiting
# at most STORE_WAIT_MS for SQLite's lock) before the webhook answers 503 and leaves the
# events to LINE's redelivery.
STORE_TRIES = (0.0, 0.05)
STORE_WAIT_MS = 850


def _chat_id(event: dict[str, Any]) -> str:
    source = event["source"]
    return source.get("groupId") or source.get("roomId") or source.get("userId") or "-"


def _verified_body(runtime: Runtime) -> dict[str, Any]:
    """The body as JSON, if LINE signed these exact bytes; any failure is the sender's (400)."""
    signature = request.headers.get("X-Line-Signature")
    if not signature:
        abort(400, "missing signature")
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, "body is not UTF-8")
    if not SignatureValidator(runtime.settings.line_channel_secret).validate(text, signature):
        log.warning("webhook rejected: bad signature")
        abort(400, "invalid signature")
    try:
        body = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        log.warning("webhook rejected: unparsable request (%s)", type(exc).__name__)
        abort(400, "malformed body")
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        abort(400, "malformed body")
    return body


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON LINE sends")


def _worth_storing(event: dict[str, Any]) -> bool:
    # Standby mode: another channel module is answering, so we send nothing — but a block
    # (unfollow) is still recorded, or we would keep pushing to someone who blocked us.
    return event["mode"] == "active" or event["type"] == "unfollow"


def valid_events(events: list[Any]) -> list[dict[str, Any]]:
    """The events worth storing, each rebuilt from its valid fields; bad ones are dropped."""
    kept, dropped = [], Counter()
    for event in events:
        kind = event.get("type") if isinstance(event, dict) else None
        if not isinstance(kind, str) or kind not in HANDLED_TYPES:
            continue  # unknown types are ignored by LINE's rule
        try:
            cleaned = clean_event(event)
        except InvalidEventError as exc:
            dropped[f"{kind}/{exc}"] += 1
            continue
        except (TypeError, ValueError, AttributeError) as exc:  # a shape no rule foresaw
            dropped[f"{kind}/{type(exc).__name__}"] += 1
            continue
        if _worth_storing(cleaned):
            kept.append(cleaned)
    for reason, count in dropped.items():
        log.warning("webhook dropped %d invalid event(s): %s", count, reason)
    return kept


def _rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    now = utcnow()
    return [{"webhook_event_id": e["webhookEventId"], "event_type": e["type"], "chat_id": _chat_id(e),
             "timestamp_ms": e["timestamp"], "is_redelivery": e["deliveryContext"]["isRedelivery"],
             "payload": e, "status": EventStatus.PENDING, "attempts": 0, "received_at": now}
            for e in events]


def _inbox_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in MOVED_COLUMNS}


def _store(runtime: Runtime, events: list[dict[str, Any]]) -> int:
    if not events:
        return 0
    rows = _rows(events)
    for pause in STORE_TRIES:
        time.sleep(pause)
        try:
            # A redelivered event has the same webhookEventId: the unique key drops it here
            # (and again when the worker moves it from the inbox).
            if runtime.inbox_engine is not None:  # SQLite: a file the worker never locks long
                with runtime.inbox(busy_ms=STORE_WAIT_MS) as session:
                    insert_ignore(session, InboxEvent, [_inbox_row(r) for r in rows], ["webhook_event_id"])
            else:
                with runtime.transaction(busy_ms=STORE_WAIT_MS) as session:
                    insert_ignore(session, InboundEvent, rows, ["webhook_event_id"])
            return len(rows)
        except OperationalError as exc:
            log.warning("webhook could not store events (%s)", type(exc).__name__)
    abort(503, "storage unavailable; LINE will redeliver")


@bp.post("/callback")
def callback() -> tuple[str, int]:
    """LINE's webhook: nothing here calls LINE or does slow work."""
    runtime: Runtime = current_app.extensions["runtime"]
    body = _verified_body(runtime)
    received = body["events"]
    stored = _store(runtime, valid_events(received))
    log.info("webhook: %d event(s), %d queued or duplicate", len(received), stored)
    wake = current_app.extensions.get("wake_worker")
    if stored and wake is not None:
        wake()
    return "OK", 200
