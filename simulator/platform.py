"""A fake LINE Messaging API platform: in-memory state plus a real HTTP server."""

from __future__ import annotations

import itertools
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, make_server

from simulator.ids import BOT_USER_ID
from simulator.richmenus import RichMenus

Listener = Callable[[str, dict[str, Any]], None]

DEFAULT_ERROR_MESSAGES = {
    400: "The request body has 1 error(s)",
    401: "Authentication failed. Confirm that the access token in the authorization header is valid.",
    403: "The request was not authorized",
    404: "Not found",
    409: "The retry key is already accepted",
    429: "The API rate limit has been exceeded. Try again later.",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}
QUOTABLE_TYPES = frozenset({"text", "sticker", "image", "video"})


@dataclass
class _ReplyToken:
    chat_id: str
    expires_at: float
    used: bool = False


@dataclass
class Fault:
    """An error the platform answers instead of doing the work."""

    prefix: str
    status: int
    times: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Delay:
    prefix: str
    seconds: float
    times: int


@dataclass
class Chaos:
    """Random trouble on message calls: errors before any work, or answers after the work."""

    fault_rate: float
    late_rate: float
    late_seconds: float
    statuses: tuple[int, ...]
    rng: random.Random
    max_streak: int
    prefix: str
    streaks: dict[str, int] = field(default_factory=dict)


@dataclass
class Accepted:
    """What LINE remembers about a request accepted with a retry key."""

    request_id: str
    sent_messages: list[dict[str, str]]


class FakeLinePlatform:
    """The parts of the LINE Messaging API the bot uses, served on 127.0.0.1, thread-safe."""

    def __init__(
        self,
        access_token: str,
        channel_secret: str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_user_id: str = BOT_USER_ID,
        strict_ids: bool = True,
    ) -> None:
        self.access_token = access_token
        self.channel_secret = channel_secret
        self.host, self.port = host, port
        self.bot_user_id = bot_user_id
        self.strict_ids = strict_ids
        self._lock = threading.RLock()
        self._message_ids = itertools.count(int(time.time() * 1000) * 1000)
        self._listeners: list[Listener] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._profiles: dict[str, dict[str, str]] = {}
        self._contents: dict[str, tuple[bytes, str]] = {}
        self.rich_menus = RichMenus()
        self._reset_traffic()

    def _reset_traffic(self) -> None:
        """Forget recorded traffic, tokens, retry keys and pending faults."""
        with self._lock:
            self._requests: list[dict[str, Any]] = []
            self._delivered: list[dict[str, Any]] = []
            self._tokens: dict[str, _ReplyToken] = {}
            self._accepted: dict[str, Accepted] = {}
            self._faults: list[Fault] = []
            self._delays: list[_Delay] = []
            self._chaos: Chaos | None = None
            self._down = False
            self.loading: list[dict[str, Any]] = []
            self.left_chats: list[str] = []
            self._seen_users: set[str] = set()

    # -- server -----------------------------------------------------------------------

    def start(self) -> FakeLinePlatform:
        """Serve the API in a daemon thread and return self."""
        from simulator.api import create_api_app

        if self._server is not None:
            return self
        self._server = make_server(self.host, self.port, create_api_app(self), threaded=True)
        # A short poll interval keeps stop() (and so each test's teardown) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-line-platform", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        """Start serving for the duration of a with block."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop serving at the end of a with block."""
        self.stop()

    @property
    def url(self) -> str:
        """Base URL for `Configuration(host=...)`, e.g. http://127.0.0.1:PORT."""
        if self._server is None:
            raise RuntimeError("FakeLinePlatform is not started")
        return f"http://{self.host}:{self._server.server_port}"

    # -- recording --------------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A snapshot of every API request: method, path, headers, json, status, at."""
        with self._lock:
            return list(self._requests)

    @property
    def delivered(self) -> list[dict[str, Any]]:
        """A snapshot of deliveries: to, messages, via, request_id, at."""
        with self._lock:
            return list(self._delivered)

    def calls(self, path_prefix: str) -> list[dict[str, Any]]:
        """Recorded requests whose path starts with path_prefix."""
        return [r for r in self.requests if r["path"].startswith(path_prefix)]

    def messages_to(self, to: str) -> list[dict[str, Any]]:
        """Every message object delivered to one user or group, in order."""
        return [m for d in self.delivered if d["to"] == to for m in d["messages"]]

    def texts_to(self, to: str) -> list[str]:
        """The text of every text message delivered to one user or group, in order."""
        return [m["text"] for m in self.messages_to(to) if m.get("type") == "text"]

    def clear(self) -> None:
        """Forget traffic, tokens, retry keys, faults and the outage flag (keeps profiles and content)."""
        self._reset_traffic()

    def record_request(self, method: str, path: str, headers: dict[str, str], body: Any) -> dict[str, Any]:
        """Store one incoming request and return its record (status is filled in later)."""
        record = {"method": method, "path": path, "headers": headers, "json": body, "status": None, "at": time.time()}
        with self._lock:
            self._requests.append(record)
        return record

    def subscribe(self, listener: Listener) -> None:
        """Call listener(kind, entry) on each delivery ("delivered") and loading animation ("loading")."""
        with self._lock:
            self._listeners.append(listener)

    def _notify(self, kind: str, entries: list[dict[str, Any]]) -> None:
        """Tell listeners about new entries, outside the lock."""
        with self._lock:
            listeners = list(self._listeners)
        for entry in entries:
            for listener in listeners:
                listener(kind, entry)

    # -- reply tokens -----------------------------------------------------------------

    def issue_reply_token(self, chat_id: str, ttl_seconds: float = 60) -> str:
        """Create a single-use reply token whose reply goes to chat_id."""
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = _ReplyToken(chat_id, time.monotonic() + ttl_seconds)
            if chat_id.startswith("U"):
                self._seen_users.add(chat_id)
        return token

    def expire_reply_token(self, token: str) -> None:
        """Make a reply token unusable, as if a minute had passed."""
        with self._lock:
            if token in self._tokens:
                self._tokens[token].expires_at = 0.0

    def use_reply_token(self, token: str) -> str | None:
        """Consume a reply token and return its chat, or None if unknown, used or expired."""
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None or entry.used or entry.expires_at < time.monotonic():
                return None
            entry.used = True
            return entry.chat_id

    # -- faults -----------------------------------------------------------------------

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        times: int = 1,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` calls under path_prefix with this error instead of working."""
        default = {"message": DEFAULT_ERROR_MESSAGES.get(status, "Error")}
        with self._lock:
            self._faults.append(Fault(path_prefix, status, times, body or default, dict(headers or {})))

    def take_fault(self, path: str) -> Fault | None:
        """Return (and count down) the first pending fault matching path."""
        return self._take(self._faults, path)

    def set_down(self, down: bool = True) -> None:
        """Simulate a LINE outage: every API call answers 503 while down."""
        with self._lock:
            self._down = down

    @property
    def is_down(self) -> bool:
        """Whether the outage switch is on."""
        with self._lock:
            return self._down

    def delay_next(self, path_prefix: str, seconds: float, times: int = 1) -> None:
        """Answer the next calls under path_prefix late (the work is still done, as on LINE)."""
        with self._lock:
            self._delays.append(_Delay(path_prefix, seconds, times))

    def set_chaos(self, fault_rate: float = 0.3, late_rate: float = 0.05, late_seconds: float = 2.0,
                  statuses: tuple[int, ...] = (500, 429), seed: int = 0,
                  path_prefix: str = "/v2/bot/message/", max_streak: int = 2) -> None:
        """Make a share of message calls fail (an error, nothing done) or answer late (done);
        the same request body fails or answers late at most `max_streak` times in a row."""
        with self._lock:
            self._chaos = Chaos(fault_rate, late_rate, late_seconds, statuses, random.Random(seed),
                                max_streak, path_prefix)

    def clear_chaos(self) -> None:
        """Stop random faults."""
        with self._lock:
            self._chaos = None

    def take_chaos(self, path: str, body: Any = None) -> tuple[int, float]:
        """(error status or 0, seconds to answer late) for one call under the chaos prefix."""
        with self._lock:
            chaos = self._chaos
            if chaos is None or not path.startswith(chaos.prefix):
                return 0, 0.0
            roll, key = chaos.rng.random(), repr(body)
            # A late answer is a failure too from the caller's side (it timed out), so both
            # count towards the streak: however unlucky, a body gets through on its
            # (max_streak + 1)-th try, as a real platform's outages end.
            if chaos.streaks.get(key, 0) >= chaos.max_streak or roll >= chaos.fault_rate + chaos.late_rate:
                chaos.streaks.pop(key, None)
                return 0, 0.0
            chaos.streaks[key] = chaos.streaks.get(key, 0) + 1
            if roll < chaos.fault_rate:
                return chaos.rng.choice(chaos.statuses), 0.0
            return 0, chaos.late_seconds

    def take_delay(self, path: str) -> float:
        """Return (and count down) the delay for path, 0 when none."""
        delay = self._take(self._delays, path)
        return delay.seconds if delay else 0.0

    def _take(self, pending: list[Any], path: str) -> Any:
        """Count down and return the first pending fault or delay whose prefix matches path."""
        with self._lock:
            for item in pending:
                if path.startswith(item.prefix):
                    item.times -= 1
                    if item.times <= 0:
                        pending.remove(item)
                    return item
        return None

    # -- deliveries -------------------------------------------------------------------

    def _sent_message(self, message: dict[str, Any]) -> dict[str, str]:
        """The sentMessages item LINE returns for one message."""
        sent = {"id": str(next(self._message_ids))}
        if message.get("type") in QUOTABLE_TYPES:
            sent["quoteToken"] = secrets.token_urlsafe(24)
        return sent

    def deliver(
        self,
        targets: list[str],
        messages: list[dict[str, Any]],
        via: str,
        request_id: str,
        retry_key: str | None = None,
    ) -> tuple[list[dict[str, str]], Accepted | None]:
        """Deliver messages once per retry key; return (sentMessages, earlier acceptance or None)."""
        with self._lock:
            if retry_key and retry_key in self._accepted:
                return [], self._accepted[retry_key]
            sent = [self._sent_message(m) for m in messages]
            now = time.time()
            entries = [
                {"to": to, "messages": messages, "via": via, "request_id": request_id, "at": now}
                for to in targets
            ]
            self._delivered.extend(entries)
            if retry_key:
                self._accepted[retry_key] = Accepted(request_id, sent)
        self._notify("delivered", entries)
        return sent, None

    def record_loading(self, chat_id: str, seconds: int) -> None:
        """Remember that a loading animation was shown in a chat."""
        entry = {"to": chat_id, "seconds": seconds, "at": time.time()}
        with self._lock:
            self.loading.append(entry)
        self._notify("loading", [entry])

    def record_leave(self, chat_id: str) -> None:
        """Remember that the bot left a group or room."""
        with self._lock:
            self.left_chats.append(chat_id)

    # -- profiles and content ---------------------------------------------------------

    def set_profile(self, user_id: str, display_name: str, language: str | None = "th") -> None:
        """Define the profile GET /v2/bot/profile/{userId} returns."""
        profile = {"userId": user_id, "displayName": display_name}
        if language:
            profile["language"] = language
        with self._lock:
            self._profiles[user_id] = profile

    def profile(self, user_id: str) -> dict[str, str] | None:
        """A user's profile: set explicitly, or made up for users who have written to the bot."""
        with self._lock:
            if user_id in self._profiles:
                return dict(self._profiles[user_id])
            if user_id in self._seen_users:
                return {"userId": user_id, "displayName": f"ผู้ใช้ {user_id[-4:]}", "language": "th"}
        return None

    def put_content(self, message_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        """Store the bytes GET /v2/bot/message/{id}/content returns."""
        with self._lock:
            self._contents[message_id] = (data, content_type)

    def content(self, message_id: str) -> tuple[bytes, str] | None:
        """Stored (bytes, content type) for a message id, or None."""
        with self._lock:
            return self._contents.get(message_id)

    def bot_info(self) -> dict[str, str]:
        """The body of GET /v2/bot/info."""
        return {
            "userId": self.bot_user_id,
            "basicId": "@000msdhs",
            "displayName": "พม. ช่วยได้ (จำลอง)",
            "chatMode": "bot",
            "markAsReadMode": "auto",
        }

    @staticmethod
    def new_request_id() -> str:
        """A fresh X-Line-Request-Id value."""
        return str(uuid.uuid4())
