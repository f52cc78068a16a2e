"""Fixtures for the simulator's own tests: a started fake platform and real SDK clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
)

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
