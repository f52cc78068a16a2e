"""Fixtures for the simulator's own tests: a started fake platform and real SDK clients."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from simulator.platform import FakeLinePlatform

TOKEN = "test-access-token"
SECRET = "test-channel-secret"


@pytest.fixture
def fake_line() -> Iterator[FakeLinePlatform]:
    """A fake LINE platform serving on a free port for one test."""
    with FakeLinePlatform(TOKEN, SECRET) as platform:
        yield platform


def sdk_client(platform: FakeLinePlatform, token: str = TOKEN) -> ApiClient:
    """A real line-bot-sdk ApiClient pointed at the fake platform."""
    return ApiClient(Configuration(host=platform.url, access_token=token))


@pytest.fixture
def messaging(fake_line: FakeLinePlatform) -> Iterator[MessagingApi]:
    """The SDK's MessagingApi talking to the fake platform."""
    with sdk_client(fake_line) as client:
        yield MessagingApi(client)


@pytest.fixture
def blob(fake_line: FakeLinePlatform) -> Iterator[MessagingApiBlob]:
    """The SDK's MessagingApiBlob (content downloads) talking to the fake platform."""
    with sdk_client(fake_line) as client:
        yield MessagingApiBlob(client)


class Receiver:
    """A tiny webhook endpoint on 127.0.0.1 that verifies signatures like the bot."""

    def __init__(self, secret: str, status: int = 200) -> None:
        self.parser = WebhookParser(secret)
        self.status = status
        self.received: list[tuple[bytes, Any]] = []
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Verify and parse the webhook; 400 on a bad signature."""
        request = Request(environ)
        raw = request.get_data()
        try:
            parsed = self.parser.parse(raw.decode("utf-8"), request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            return Response("bad signature", 400)(environ, start_response)
        self.received.append((raw, parsed))
        self.after(parsed)
        return Response("OK", self.status)(environ, start_response)

    def after(self, parsed: list[Any]) -> None:
        """Called with each verified body's events (subclasses answer them)."""

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
