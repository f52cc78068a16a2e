"""POST /callback: verify LINE's signature, deduplicate, store the events, answer 200 fast."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, abort, current_app, request
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from handlers.events import HANDLED_TYPES
from models import InboundEvent, utcnow
from runtime import Runtime

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)


def _chat_id(event: dict[str, Any]) -> str:
    source = event.get("source") or {}
    return source.get("groupId") or source.get("roomId") or source.get("userId") or "-"


def _parse(runtime: Runtime, body: str, signature: str) -> list[dict[str, Any]]:
    """Verify and parse the body as the SDK does; any failure is the sender's fault (400)."""
    parser = WebhookParser(runtime.settings.line_channel_secret)
    try:
        parser.parse(body, signature)
        events = json.loads(body).get("events")
    except InvalidSignatureError:
        log.warning("webhook rejected: bad signature")
        abort(400, "invalid signature")
    except Exception as exc:  # malformed JSON or events the SDK's models reject
        log.warning("webhook rejected: unparsable request (%s)", type(exc).__name__)
        abort(400, "malformed body")
    if not isinstance(events, list):
        abort(400, "malformed body")
    return events


def _worth_storing(event: dict[str, Any]) -> bool:
    # Standby mode: another channel module is answering, so we send nothing — but a block
    # (unfollow) is still recorded, or we would keep pushing to someone who blocked us.
    # Unknown types are ignored by rule.
    if event.get("type") not in HANDLED_TYPES:
        return False
    return event.get("mode", "active") == "active" or event.get("type") == "unfollow"


def _store(runtime: Runtime, events: list[dict[str, Any]]) -> int:
    rows = [{
        "webhook_event_id": e["webhookEventId"], "event_type": e["type"], "chat_id": _chat_id(e),
        "timestamp_ms": int(e.get("timestamp") or 0),
        "is_redelivery": bool((e.get("deliveryContext") or {}).get("isRedelivery")),
        "payload": e, "status": "pending", "attempts": 0, "received_at": utcnow(),
    } for e in events if _worth_storing(e)]
    if not rows:
        return 0
    insert = pg_insert if runtime.engine.dialect.name == "postgresql" else sqlite_insert
    # A redelivered event has the same webhookEventId: the unique key drops it here.
    statement = insert(InboundEvent).on_conflict_do_nothing(index_elements=["webhook_event_id"])
    with runtime.transaction() as session:
        session.execute(statement, rows)
    return len(rows)


@bp.post("/callback")
def callback() -> tuple[str, int]:
    """LINE's webhook: nothing here calls LINE or does slow work."""
    signature = request.headers.get("X-Line-Signature")
    if not signature:
        abort(400, "missing signature")
    runtime: Runtime = current_app.extensions["runtime"]
    body = request.get_data(as_text=True)
    events = _parse(runtime, body, signature)
    stored = _store(runtime, events)
    log.info("webhook: %d event(s), %d queued or duplicate", len(events), stored)
    wake = current_app.extensions.get("wake_worker")
    if stored and wake is not None:
        wake()
    return "OK", 200
