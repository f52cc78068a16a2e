"""The database going away and coming back: 503 only while it is gone, nothing accepted lost."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from models import InboundEvent
from models.inbox import inbox_url
from simulator import events as ev
from tests.test_outbox_faults import assert_delivered_exactly_once_in_order


class TcpProxy:
    """A TCP relay to PostgreSQL that can be cut (refuse and drop connections) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._up = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self._up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every connection and refuse new ones, as a database that went away."""
        self._up = False
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self._open.clear()

    def restore(self) -> None:
        """Accept connections again."""
        self._up = True

    def close(self) -> None:
        """Stop relaying."""
        self.cut()
        self._server.close()


@pytest.fixture
def outage(database_url: str) -> Iterator[object]:
    """A way to take the database away: a cut relay (PostgreSQL) or a held lock (SQLite) on the
    file the webhook writes, its inbox (models/inbox.py)."""
    if database_url.startswith("sqlite"):
        yield SqliteLock(inbox_url(database_url)[len("sqlite:///"):])
        return
    parts = urlsplit(database_url)
    proxy = TcpProxy((parts.hostname, parts.port or 5432))
    yield proxy
    proxy.close()


class SqliteLock:
    """Holds SQLite's write lock from another connection, as a long backup or a stuck writer."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def cut(self) -> None:
        """Take the write lock and keep it."""
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        """Let go of the lock."""
        self._conn.execute("ROLLBACK")
        self._conn.close()


@pytest.fixture
def settings(settings, outage):
    """Point the app at the relay when there is one."""
    if isinstance(outage, TcpProxy):
        parts = urlsplit(settings.database_url)
        netloc = f"{parts.username or 'postgres'}@127.0.0.1:{outage.port}"
        return settings.with_overrides(database_url=urlunsplit(parts._replace(netloc=netloc)))
    return settings


def test_webhook_answers_503_while_the_database_is_gone_and_loses_nothing_after(webhook, outage, worker,
                                                                                line, db):
    users = [ev.random_user_id() for _ in range(3)]
    events = [ev.text(u, "ตาข้างบ้านเป็นอัมพาต ลูกหลานไม่มาดูแลเลย", line.issue_reply_token(u))
              for u in users]
    outage.cut()
    try:
        assert webhook.send(events) == 503
        if isinstance(outage, TcpProxy):  # (on SQLite it would wait out each lock for 15 s)
            worker.run_once()  # the worker carries on through the outage without dying
    finally:
        outage.restore()
    # LINE redelivers what was not acknowledged, with the same webhookEventId.
    assert webhook.send([ev.redelivered(e) for e in events]) == 200
    assert webhook.send([ev.redelivered(e) for e in events]) == 200  # and perhaps twice
    worker.run_until_idle()
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(InboundEvent)) == len(events)
    for user in users:
        assert line.messages_to(user), "a citizen got no answer after the outage"
        assert_delivered_exactly_once_in_order(db, line, user)
