"""The LINE Messaging API endpoints of the fake platform, as a Flask blueprint."""

from __future__ import annotations

import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, g, jsonify, request

from simulator.ids import is_chat_id
from simulator.platform import DEFAULT_ERROR_MESSAGES, FakeLinePlatform
from simulator.richmenus import add_rich_menu_routes
from simulator.validation import Detail, check_size, detail, validate_messages

MAX_MULTICAST = 500
LOADING_SECONDS = range(5, 61, 5)


def error(status: int, message: str | None = None, details: list[Detail] | None = None, **extra: Any) -> Response:
    """A LINE-style JSON error answer."""
    body: dict[str, Any] = {"message": message or DEFAULT_ERROR_MESSAGES.get(status, "Error")}
    if details:
        body["details"] = details
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def invalid(details: list[Detail]) -> Response:
    """400 "The request body has N error(s)" with details."""
    return error(400, f"The request body has {len(details)} error(s)", details)


def json_object() -> dict[str, Any] | None:
    """The request body as a JSON object, or None when it is not one."""
    body = request.get_json(silent=True, force=True)
    return body if isinstance(body, dict) else None


def create_api_blueprint(platform: FakeLinePlatform) -> Blueprint:
    """Routes for /v2/bot/... backed by one FakeLinePlatform."""
    bp = Blueprint("line_api", __name__)
    bp.before_request(lambda: _gate(platform))
    bp.after_request(lambda response: _finish(platform, response))
    routes = _Routes(platform)
    bp.add_url_rule("/v2/bot/message/reply", view_func=routes.reply, methods=["POST"])
    bp.add_url_rule("/v2/bot/message/push", view_func=routes.push, methods=["POST"])
    bp.add_url_rule("/v2/bot/message/multicast", view_func=routes.multicast, methods=["POST"])
    bp.add_url_rule("/v2/bot/chat/loading/start", view_func=routes.loading, methods=["POST"])
    bp.add_url_rule("/v2/bot/profile/<user_id>", view_func=routes.profile, methods=["GET"])
    bp.add_url_rule("/v2/bot/message/<message_id>/content", view_func=routes.content, methods=["GET"])
    bp.add_url_rule("/v2/bot/group/<chat_id>/leave", view_func=routes.leave, methods=["POST"])
    bp.add_url_rule("/v2/bot/room/<chat_id>/leave", view_func=routes.leave, methods=["POST"])
    bp.add_url_rule("/v2/bot/info", view_func=routes.info, methods=["GET"])
    add_rich_menu_routes(bp, platform.rich_menus)
    bp.add_url_rule("/v2/<path:rest>", view_func=routes.not_found, methods=["GET", "POST", "PUT", "DELETE"])
    return bp


def create_api_app(platform: FakeLinePlatform) -> Flask:
    """A Flask app serving only the fake LINE API."""
    app = Flask(__name__)
    app.register_blueprint(create_api_blueprint(platform))
    return app


def _gate(platform: FakeLinePlatform) -> Response | None:
    """Record the call, then apply delays, outage, injected faults and authentication."""
    g.line_request_id = platform.new_request_id()
    body = request.get_json(silent=True, force=True) if request.method == "POST" else None
    g.line_record = platform.record_request(request.method, request.path, dict(request.headers), body)
    pause = platform.take_delay(request.path)
    chaos_status, late = platform.take_chaos(request.path, body)
    if pause or late:
        time.sleep(pause + late)
    if platform.is_down:
        return error(503)
    if chaos_status:
        return error(chaos_status)
    fault = platform.take_fault(request.path)
    if fault is not None:
        response = jsonify(fault.body)
        response.status_code = fault.status
        response.headers.update(fault.headers)
        return response
    if request.headers.get("Authorization") != f"Bearer {platform.access_token}":
        return error(401)
    return None


def _finish(platform: FakeLinePlatform, response: Response) -> Response:
    """Stamp X-Line-Request-Id on every answer and record its status."""
    response.headers["X-Line-Request-Id"] = g.line_request_id
    g.line_record["status"] = response.status_code
    return response


def _retry_key() -> tuple[str | None, Response | None]:
    """The X-Line-Retry-Key header, or a 400 answer when it is not a UUID."""
    key = request.headers.get("X-Line-Retry-Key")
    if key is None:
        return None, None
    try:
        uuid.UUID(key)
    except ValueError:
        return None, error(400, "The retry key must be a UUID", [detail("Invalid format", "X-Line-Retry-Key")])
    return key.lower(), None


class _Routes:
    """View functions sharing one platform."""

    def __init__(self, platform: FakeLinePlatform) -> None:
        self.platform = platform

    def reply(self) -> Response:
        """POST /v2/bot/message/reply: deliver to the token's chat, once."""
        body = json_object()
        if body is None:
            return invalid([detail("Request body has invalid JSON format", "")])
        errors = validate_messages(body.get("messages"))
        if not isinstance(body.get("replyToken"), str):
            errors.append(detail("Must be specified", "replyToken"))
        if errors:
            return invalid(errors)
        chat_id = self.platform.use_reply_token(body["replyToken"])
        if chat_id is None:
            return error(400, "Invalid reply token")
        sent, _ = self.platform.deliver([chat_id], body["messages"], "reply", g.line_request_id)
        return jsonify(sentMessages=sent)

    def push(self) -> Response:
        """POST /v2/bot/message/push: deliver to `to`, at most once per retry key."""
        body = json_object()
        if body is None:
            return invalid([detail("Request body has invalid JSON format", "")])
        errors = validate_messages(body.get("messages"))
        errors += self._check_targets([body.get("to")], "to")
        if errors:
            return invalid(errors)
        return self._send([body["to"]], body["messages"], "push")

    def multicast(self) -> Response:
        """POST /v2/bot/message/multicast: deliver to each user in `to` (≤ 500)."""
        body = json_object()
        if body is None:
            return invalid([detail("Request body has invalid JSON format", "")])
        errors = validate_messages(body.get("messages"))
        targets = body.get("to")
        errors += check_size(targets, "to", MAX_MULTICAST) or self._check_targets(targets, "to", users_only=True)
        if errors:
            return invalid(errors)
        return self._send(targets, body["messages"], "multicast")

    def _check_targets(self, targets: list[Any], prop: str, users_only: bool = False) -> list[Detail]:
        """Check recipient ids look like LINE's (when the platform is strict)."""
        if any(not isinstance(t, str) or not t for t in targets):
            return [detail("Must be specified", prop)]
        if not self.platform.strict_ids:
            return []
        bad = [t for t in targets if not is_chat_id(t) or (users_only and not t.startswith("U"))]
        return [detail("The property, 'to', in the request body is invalid", prop)] if bad else []

    def _send(self, targets: list[str], messages: list[dict[str, Any]], via: str) -> Response:
        """Deliver with retry-key semantics: 409 for a key already accepted."""
        key, bad_key = _retry_key()
        if bad_key is not None:
            return bad_key
        sent, accepted = self.platform.deliver(targets, messages, via, g.line_request_id, key)
        if accepted is not None:
            extra = {"sentMessages": accepted.sent_messages} if via == "push" else {}
            response = error(409, "The retry key is already accepted", **extra)
            response.headers["X-Line-Accepted-Request-Id"] = accepted.request_id
            return response
        return jsonify(sentMessages=sent) if via == "push" else jsonify({})

    def loading(self) -> Response:
        """POST /v2/bot/chat/loading/start: 202 for a user chat and 5–60 s in steps of 5."""
        body = json_object() or {}
        chat_id, seconds = body.get("chatId"), body.get("loadingSeconds", 5)  # LINE's default
        errors = []
        if not (isinstance(chat_id, str) and chat_id.startswith("U")):
            errors.append(detail("Must be a user ID", "chatId"))
        if seconds not in LOADING_SECONDS or isinstance(seconds, bool):
            errors.append(detail("Must be a multiple of 5 between 5 and 60", "loadingSeconds"))
        if errors:
            return invalid(errors)
        self.platform.record_loading(chat_id, seconds)
        response = jsonify({})
        response.status_code = 202
        return response

    def profile(self, user_id: str) -> Response:
        """GET /v2/bot/profile/{userId}."""
        profile = self.platform.profile(user_id)
        return jsonify(profile) if profile else error(404, "Not found")

    def content(self, message_id: str) -> Response:
        """GET /v2/bot/message/{messageId}/content: the stored bytes."""
        stored = self.platform.content(message_id)
        if stored is None:
            return error(404, "Not found")
        return Response(stored[0], content_type=stored[1])

    def leave(self, chat_id: str) -> Response:
        """POST /v2/bot/group|room/{id}/leave."""
        self.platform.record_leave(chat_id)
        return jsonify({})

    def info(self) -> Response:
        """GET /v2/bot/info."""
        return jsonify(self.platform.bot_info())

    def not_found(self, rest: str) -> Response:
        """Any other /v2 path."""
        return error(404, "Not found")
