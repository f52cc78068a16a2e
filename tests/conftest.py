"""Shared fixtures: a real database, the fake LINE platform over HTTP, the app on a real
HTTP server, the real worker, and `citizen`, which talks to the bot as LINE would."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, select, text
from werkzeug.serving import make_server

from settings import Settings, normalize_database_url
from simulator.events import WebhookSender, random_user_id
from simulator.platform import FakeLinePlatform

# The app's modules are imported inside fixtures so that the pure packages' tests
# (intents, referral, simulator) run on their own.

# CI explores the same fuzz examples every run (a red CI then means a code change did it);
# locally hypothesis keeps looking for new ones.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
HOTLINE_GROUP = "C" + "a" * 32
FALLBACK_GROUP = "C" + "b" * 32
ADMIN_TOKEN = "test-admin-token"
_counter = itertools.count()


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return normalize_database_url(url) if url.startswith("postgres") else None


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin_engine(url: str) -> Any:
    return create_engine(_with_db(url, "postgres"), isolation_level="AUTOCOMMIT")


def _prepare(url: str) -> None:
    from commands import migrate, seed_centers
    from runtime import Runtime

    runtime = Runtime.build(Settings(database_url=url))
    migrate(runtime)
    seed_centers(runtime)
    runtime.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated and seeded database, copied for each test (fast and isolated)."""
    pg = _postgres_url()
    if pg is None:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _prepare(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"intake_tmpl_{os.getpid()}"
    admin = _admin_engine(pg)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _prepare(_with_db(pg, name))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database for one test, from the template."""
    pg = _postgres_url()
    if pg is None:
        path = tmp_path / "intake.sqlite3"
        shutil.copyfile(template_db, path)
        yield f"sqlite:///{path}"
        return
    name = f"intake_test_{os.getpid()}_{next(_counter)}"
    admin = _admin_engine(pg)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
    yield _with_db(pg, name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def line() -> Iterator[FakeLinePlatform]:
    """The fake LINE platform: a real HTTP server on 127.0.0.1."""
    platform = FakeLinePlatform(TOKEN, SECRET).start()
    yield platform
    platform.stop()


@pytest.fixture
def settings(database_url: str, line: FakeLinePlatform) -> Settings:
    """Test settings: the SDK points at the fake platform."""
    return Settings(
        line_channel_secret=SECRET, line_channel_access_token=TOKEN,
        line_api_base_url=line.url, database_url=database_url,
        hotline_line_to=HOTLINE_GROUP, staff_fallback_line_to=FALLBACK_GROUP,
        admin_api_token=ADMIN_TOKEN, environment="test", line_timeout_seconds=3.0,
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    """The Flask app built from the test settings."""
    from bot import create_app

    application = create_app(settings)
    yield application
    application.extensions["runtime"].dispose()


@pytest.fixture
def runtime(app: Any) -> Any:
    """The app's database and settings."""
    return app.extensions["runtime"]


@pytest.fixture
def db(runtime: Any) -> Iterator[Any]:
    """A session for reading what the service stored.

    On SQLite it uses its own plain connection: the service's engine takes the write lock at
    BEGIN, and a test holding a read open would then stall the webhook it is testing."""
    from sqlalchemy.orm import sessionmaker

    engine = runtime.engine
    if engine.dialect.name == "sqlite":
        engine = create_engine(runtime.settings.database_url, connect_args={"timeout": 15})
    session = sessionmaker(bind=engine, expire_on_commit=False)()
    yield session
    session.close()
    if engine is not runtime.engine:
        engine.dispose()


@pytest.fixture
def stored_events(runtime: Any, db: Any) -> Any:
    """Every event the webhook has stored, oldest first. On SQLite the webhook writes to an
    inbox file of its own (models/inbox.py); this first runs the worker's own step that
    moves those into `inbound_events`."""
    from jobs.events import take_inbox
    from models import InboundEvent

    def read() -> list[Any]:
        take_inbox(runtime)
        db.expire_all()
        return list(db.scalars(select(InboundEvent).order_by(InboundEvent.id)))
    return read


@pytest.fixture
def client(app: Any) -> Any:
    """Flask's test client (for the case API)."""
    return app.test_client()


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1; yields its base URL."""
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    http.server_close()


@pytest.fixture
def worker(runtime: Any) -> Iterator[Any]:
    """The real worker, run step by step by the tests."""
    from worker import Worker

    w = Worker(runtime)
    yield w
    w.close()


@pytest.fixture
def webhook(server: str, line: FakeLinePlatform) -> WebhookSender:
    """Plays LINE's side of the webhook: signed events to the app's /callback."""
    return WebhookSender(f"{server}/callback", SECRET, line)


class Citizen:
    """A LINE user talking to the bot: sends events like LINE, runs the worker, reads answers."""

    def __init__(self, webhook: WebhookSender, line: FakeLinePlatform, worker: Any,
                 user_id: str | None = None) -> None:
        self.webhook, self.line, self.worker = webhook, line, worker
        self.user_id = user_id or random_user_id()
        self.last: list[dict[str, Any]] = []

    def _exchange(self, send: Any) -> list[dict[str, Any]]:
        before = len(self.line.messages_to(self.user_id))
        status = send()
        assert status == 200, f"webhook answered {status}"
        self.worker.run_until_idle()
        self.last = self.line.messages_to(self.user_id)[before:]
        return self.last

    def say(self, words: str, **common: Any) -> list[dict[str, Any]]:
        """Send a text message and return the bot's new messages."""
        return self._exchange(lambda: self.webhook.send_text(self.user_id, words, **common))

    def share_location(self, lat: float, lon: float, address: str | None = None) -> list[dict[str, Any]]:
        """Send a location pin."""
        return self._exchange(lambda: self.webhook.send_location(self.user_id, lat, lon, address))

    def postback(self, data: str) -> list[dict[str, Any]]:
        """Send a postback as a tapped button would."""
        return self._exchange(lambda: self.webhook.send_postback(self.user_id, data))

    def follow(self) -> list[dict[str, Any]]:
        """Add the bot as a friend."""
        return self._exchange(lambda: self.webhook.send_follow(self.user_id))

    def send_image(self, data: bytes = b"\x89PNG fake") -> list[dict[str, Any]]:
        """Send a photo."""
        return self._exchange(lambda: self.webhook.send_image(self.user_id, data))

    def buttons(self) -> list[dict[str, Any]]:
        """The quick-reply actions offered in the bot's latest messages."""
        actions = []
        for message in self.last:
            for item in (message.get("quickReply") or {}).get("items", []):
                actions.append(item["action"])
        return actions

    def labels(self) -> list[str]:
        """The labels of the quick-reply buttons on offer."""
        return [a.get("label", "") for a in self.buttons()]

    def tap(self, label: str) -> list[dict[str, Any]]:
        """Tap the quick-reply button whose label starts with `label`."""
        for action in self.buttons():
            if action.get("label", "").startswith(label):
                if action["type"] == "postback":
                    return self.postback(action["data"])
                if action["type"] == "message":
                    return self.say(action["text"])
                raise AssertionError(f"button {label!r} is a {action['type']} action")
        raise AssertionError(f"no button {label!r} among {self.labels()}")

    def text(self) -> str:
        """All text of the bot's latest messages, joined."""
        parts = []
        for message in self.last:
            parts.append(message.get("text") or "")
            template = message.get("template") or {}
            parts.append(template.get("text") or "")
            parts.extend(flex_texts(message.get("contents")))
        return "\n".join(p for p in parts if p)


def flex_texts(node: Any) -> list[str]:
    """Every text of a Flex container or component, in reading order."""
    if isinstance(node, list):
        return [t for child in node for t in flex_texts(child)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "text" and node.get("text") else []
    parts = ("header", "hero", "body", "footer", "contents")
    return own + [t for key in parts for t in flex_texts(node.get(key))]


@pytest.fixture
def citizen(webhook: WebhookSender, line: FakeLinePlatform, worker: Any) -> Citizen:
    """A fresh citizen with a random LINE user id."""
    return Citizen(webhook, line, worker)


@pytest.fixture
def make_citizen(webhook: WebhookSender, line: FakeLinePlatform, worker: Any) -> Any:
    """Factory for more citizens in one test."""
    return lambda: Citizen(webhook, line, worker)


# ---------------------------------------------------------------- conversation helpers

PLACE = "ต.แม่เหียะ อ.เมือง จ.เชียงใหม่"
PLACE_CODE = "500109"
PHONE = "081-234-5678"


def latest_case(db: Any, user_id: str) -> Any:
    """The citizen's newest case, read fresh."""
    from sqlalchemy import select

    from models import Case

    db.expire_all()
    return db.scalar(select(Case).where(Case.reporter_line_user_id == user_id)
                     .order_by(Case.id.desc()))


def answer_questions(citizen: Citizen, topic: str | None = None, place: str = PLACE, phone: str = PHONE,
                     age: str | None = None, max_steps: int = 12) -> None:
    """Answer whatever the bot asks, as a cooperative citizen would, until it stops asking."""
    from handlers.messages import topic_label

    for _ in range(max_steps):
        labels = citizen.labels()
        if "ยืนยัน" in labels:
            citizen.tap("ยืนยัน")
        elif "ไม่ ยังปลอดภัย" in labels:
            citizen.tap("ไม่ ยังปลอดภัย")
        elif topic and topic_label(topic) in labels:
            citizen.tap(topic_label(topic))
        elif "แจ้งขอความช่วยเหลือ" in labels:
            citizen.tap("แจ้งขอความช่วยเหลือ")
        elif "คนอื่น" in labels:
            citizen.tap("คนอื่น")
        elif "เด็ก (ต่ำกว่า 18)" in labels:
            citizen.tap(age or "ผู้ใหญ่")
        elif "แชร์ตำแหน่ง" in labels:
            if not place or "หลายที่" in citizen.text():
                return  # the caller answers the place question (or chooses a place) itself
            citizen.say(place)
        elif "ไม่สะดวกให้เบอร์" in labels:
            citizen.say(phone)
        elif "ยินยอม" in labels:
            citizen.tap("ยินยอม")
        else:
            return


def answer_until(citizen: Citizen, label: str, topic: str = "hardship", max_steps: int = 10) -> None:
    """Answer the bot's questions one at a time until it offers the button `label`."""
    for _ in range(max_steps):
        if label in citizen.labels():
            return
        answer_questions(citizen, topic=topic, max_steps=1)
    raise AssertionError(f"the bot never offered {label!r}")



def new_id(prefix: str = "U") -> str:
    """A LINE-shaped id."""
    return prefix + uuid.uuid4().hex
