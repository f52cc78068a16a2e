"""One Flask app serving the fake LINE API and the chat simulator page."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.serving import make_server

from simulator import events
from simulator.api import create_api_blueprint
from simulator.chat import CITIZENS, SendError, Transcript, build_event, citizens_json
from simulator.platform import FakeLinePlatform
from simulator.richmenus import add_rich_menu_view

STATIC = Path(__file__).with_name("static")
DEFAULT_PORT = 8081
DEFAULT_CALLBACK = "http://127.0.0.1:8000/callback"
POLLING_PATHS = ("/sim/api/messages", "/sim/api/notifications")
log = logging.getLogger("simulator")


class _QuietPolling(logging.Filter):
    """Keep the page's once-a-second polling out of the request log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(path in record.getMessage() for path in POLLING_PATHS)


def create_app(platform: FakeLinePlatform, callback_url: str) -> Flask:
    """The simulator: LINE API routes backed by platform, plus the chat page at / and /sim/api/*."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/sim/static")
    app.register_blueprint(create_api_blueprint(platform))
    for citizen in CITIZENS:
        platform.set_profile(citizen.user_id, citizen.name, citizen.language)
    transcript = Transcript(platform, {c.user_id for c in CITIZENS})
    app.extensions["simulator"] = {"platform": platform, "transcript": transcript, "callback_url": callback_url}
    _add_chat_routes(app, platform, transcript, callback_url)
    _add_panel_routes(app, platform, transcript)
    return app


def _add_chat_routes(app: Flask, platform: FakeLinePlatform, transcript: Transcript, callback_url: str) -> None:
    """The page itself and the routes of the phone view."""

    @app.get("/")
    def page() -> Response:
        """The chat page."""
        return send_from_directory(STATIC, "index.html")

    @app.get("/sim/api/users")
    def users() -> Response:
        """Simulated citizens and where webhooks go."""
        return jsonify(users=citizens_json(), callback_url=callback_url, bot=platform.bot_info())

    @app.post("/sim/api/send")
    def send() -> tuple[Response, int]:
        """Build an event from the page's request, sign it and POST it to the bot."""
        return send_to_bot(platform, transcript, callback_url, request.get_json(silent=True) or {})

    add_rich_menu_view(app, platform)

    @app.get("/sim/api/messages")
    def messages() -> Response:
        """One citizen's chat since a sequence number."""
        since = request.args.get("since", 0, type=int)
        entries = transcript.for_chat(request.args.get("user_id", ""), since)
        return jsonify(entries=entries, last=transcript.last_seq())


def _add_panel_routes(app: Flask, platform: FakeLinePlatform, transcript: Transcript) -> None:
    """The staff panel and the page's switches."""

    @app.get("/sim/api/notifications")
    def notifications() -> Response:
        """Bot messages to staff groups, the hotline and other non-citizen targets."""
        since = request.args.get("since", 0, type=int)
        return jsonify(entries=transcript.notifications(since), last=transcript.last_seq())

    @app.post("/sim/api/down")
    def down() -> Response:
        """Switch the simulated LINE outage on or off."""
        platform.set_down(bool((request.get_json(silent=True) or {}).get("down")))
        return jsonify(down=platform.is_down)

    @app.post("/sim/api/clear")
    def clear() -> Response:
        """Forget one chat (or every chat) on the page."""
        transcript.clear((request.get_json(silent=True) or {}).get("user_id"))
        return jsonify(ok=True)


def send_to_bot(
    platform: FakeLinePlatform, transcript: Transcript, callback_url: str, payload: dict[str, Any]
) -> tuple[Response, int]:
    """Deliver one citizen action to the bot as a signed webhook; answer the callback's status."""
    user_id = payload.get("user_id")
    replyable = payload.get("type") != "unfollow" and isinstance(user_id, str)
    token = platform.issue_reply_token(user_id) if replyable else None
    try:
        event, bubble = build_event(payload, token)
    except SendError as exc:
        return jsonify(error=str(exc)), 400
    if payload["type"] == "image":
        platform.put_content(event["message"]["id"], events.tiny_png(), "image/png")
    if bubble is not None:
        transcript.add(user_id, "user", bubble)
    raw = events.body([event], platform.bot_user_id)
    status = events.post_webhook(callback_url, raw, events.sign(platform.channel_secret, raw))
    if not 200 <= status < 300:
        transcript.add(user_id, "system", {"type": "error", "status": status})
    log.info("webhook %s event %s -> HTTP %s", payload["type"], event["webhookEventId"], status)
    result = {"status": status, "event_id": event["webhookEventId"]}
    return jsonify(result), (200 if status else 502)


@dataclass(frozen=True)
class Options:
    """Command-line and environment settings."""

    host: str
    port: int
    callback_url: str
    channel_secret: str
    access_token: str


def parse_options(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> Options:
    """Read options from argv, falling back to SIM_PORT, SIM_CALLBACK_URL and the LINE_* variables."""
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Local LINE platform + chat page.")
    parser.add_argument("--host", default=env.get("SIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=_port(env.get("SIM_PORT"), parser))
    parser.add_argument("--callback", default=env.get("SIM_CALLBACK_URL", DEFAULT_CALLBACK))
    parser.add_argument("--secret", default=env.get("LINE_CHANNEL_SECRET"))
    parser.add_argument("--token", default=env.get("LINE_CHANNEL_ACCESS_TOKEN"))
    args = parser.parse_args(argv)
    if not args.secret or not args.token:
        parser.error("set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN (or --secret/--token), same as the bot's")
    return Options(args.host, args.port, args.callback, args.secret, args.token)


def _port(value: str | None, parser: argparse.ArgumentParser) -> int:
    """SIM_PORT as a number, failing clearly when it is not one."""
    if not value:
        return DEFAULT_PORT
    if not value.isdigit():
        parser.error(f"SIM_PORT must be a port number, got {value!r}")
    return int(value)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the simulator until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").addFilter(_QuietPolling())
    options = parse_options(argv)
    platform = FakeLinePlatform(options.access_token, options.channel_secret, options.host, options.port)
    app = create_app(platform, options.callback_url)
    server = make_server(options.host, options.port, app, threaded=True)
    base = f"http://{options.host}:{server.server_port}"
    print(f"LINE simulator: chat page {base}/  |  LINE API for the bot: LINE_API_BASE_URL={base}")
    print(f"Webhooks go to {options.callback_url}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
