"""Declarative base, time helpers and the engine factory shared by every model."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Base(DeclarativeBase):
    """Base of every table; constraint names are fixed so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process read while the worker writes; busy_timeout waits for locks
    # instead of failing; autocommit off at the driver so SQLAlchemy's BEGIN below rules.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a crash of the process
    # loses nothing; only a power cut can lose the last commits (production uses PostgreSQL).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # PDPA: what is erased or deleted (a story, a phone, the inbox's copies of messages) is
    # overwritten with zeros in the file, not left readable in free space (the default of
    # some SQLite builds only).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


BUSY_MS = 15000


def _sqlite_begin(conn: Any) -> None:
    # Taking the write lock at BEGIN avoids SQLite's deadlock between two readers that both
    # want to write (e.g. two workers numbering cases); they queue on busy_timeout instead.
    # Read-only work (Runtime.read) takes no lock, so it never queues behind a writer.
    options = conn.get_execution_options()
    if options.get("readonly", False):
        conn.exec_driver_sql("BEGIN")
    elif "busy_ms" in options:
        _begin_eagerly(conn, options["busy_ms"] / 1000, WEBHOOK_POLL_SECONDS)
    else:
        _begin_eagerly(conn, BUSY_MS / 1000, WRITER_POLL_SECONDS)


# SQLite's own busy handler sleeps longer and longer between tries (25-100 ms once a wait
# passes 80 ms), so a writer waiting on it loses every short gap between other writers'
# transactions: the worker and the sender, each in its own process, lost seconds that way
# in a surge. Every writer tries again after a short sleep instead; the webhook (LINE waits
# for it) tries twice as often, so it takes the first gap. A process has one or two writing
# threads, so the tries cost little CPU.
WEBHOOK_POLL_SECONDS = 0.0005
WRITER_POLL_SECONDS = 0.001


def _begin_eagerly(conn: Any, limit: float, poll: float) -> None:
    """BEGIN IMMEDIATE, tried every `poll` seconds for at most `limit` (then it raises).

    Straight to the driver: through SQLAlchemy each statement here cost ~80 µs against ~5 µs
    (a sixth of the webhook's CPU per request went to these three), and each failed try
    ~40 µs of exception wrapping while a writer waits out a 0.25 s batch. A driver error is
    raised as SQLAlchemy's OperationalError, as the callers expect (the webhook answers 503)."""
    raw = conn.connection.dbapi_connection
    deadline = time.monotonic() + limit
    try:
        raw.execute("PRAGMA busy_timeout=0")
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(poll)
        # Statements inside the transaction (and later reads on this connection) wait the
        # usual way: a checkpoint can hold them for a moment.
        raw.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    except sqlite3.Error as exc:
        raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc


def make_engine(url: str) -> Engine:
    """Create an engine for SQLite (file) or PostgreSQL (psycopg 3)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # hide_parameters: a database error in a log must not carry a citizen's words or phone.
    # The worker runs up to OUTBOX_CONCURRENCY sending threads beside its event loop.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         hide_parameters=True)


_INSERT_IGNORE: dict[tuple[str, Any, tuple[str, ...]], Any] = {}


def insert_ignore(session: Any, model: type, rows: dict[str, Any] | list[dict[str, Any]],
                  index_elements: list[str]) -> Any:
    """INSERT that skips rows whose unique key already exists (SQLite and PostgreSQL).

    A Core statement on the model's table, built once per dialect and run with the rows as
    parameters: SQLAlchemy compiles it once and reuses it. The ORM's bulk path, or a
    statement with the rows inlined as VALUES, was compiled anew on every webhook request
    (two fifths of the webhook's CPU in cProfile)."""
    dialect = session.bind.dialect.name
    key = (dialect, model, tuple(index_elements))
    statement = _INSERT_IGNORE.get(key)
    if statement is None:
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = _INSERT_IGNORE[key] = insert(model.__table__).on_conflict_do_nothing(
            index_elements=index_elements)
    return session.execute(statement, rows if isinstance(rows, list) else [rows])


def get_without_flush(session: Any, model: type, key: Any) -> Any:
    """session.get, without the autoflush its SELECT would start when the row is not in the
    session yet. That flush is only needed to see an object of the same model added but not
    written; with none pending, a worker's batch writes its rows in one flush at the end
    instead of one flush per lookup (SQLAlchemy then also groups the INSERTs)."""
    if any(isinstance(obj, model) for obj in session.new):
        return session.get(model, key)
    with session.no_autoflush:
        return session.get(model, key)


def make_session_factory(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded attributes after commit (handlers read them afterwards)."""
    return sessionmaker(bind=engine, expire_on_commit=False)

