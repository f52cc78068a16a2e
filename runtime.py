"""The pieces every process shares: settings, database engine and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import models
from models.inbox import InboxBase, inbox_url
from settings import Settings


@dataclass
class Runtime:
    """Settings plus the database, built once per process (web or worker)."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker
    read_factory: sessionmaker
    # SQLite only: the file the webhook stores events in (models/inbox.py); None on PostgreSQL.
    inbox_engine: Engine | None = None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Create the engine (and the SQLite file's folder) for these settings."""
        url = settings.database_url
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = models.make_engine(url)
        reader = engine.execution_options(readonly=True)
        inbox = None
        if (inbox_at := inbox_url(url)) is not None:
            inbox_engine = models.make_engine(inbox_at)
            InboxBase.metadata.create_all(inbox_engine)  # a queue, not a schema: no migrations
            inbox = inbox_engine
        return cls(settings, engine, models.make_session_factory(engine),
                   models.make_session_factory(reader), inbox)

    @contextmanager
    def inbox(self, busy_ms: int | None = None, readonly: bool = False) -> Iterator[Session]:
        """A transaction on the inbox file (SQLite only; see models/inbox.py)."""
        if self.inbox_engine is None:
            raise RuntimeError("this database has no inbox")
        bind = self.inbox_engine
        if readonly:
            bind = bind.execution_options(readonly=True)
        elif busy_ms is not None:
            bind = bind.execution_options(busy_ms=busy_ms)
        with _unit_of_work(Session(bind=bind, expire_on_commit=False)) as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection (the main file and the inbox)."""
        self.engine.dispose()
        if self.inbox_engine is not None:
            self.inbox_engine.dispose()

    @contextmanager
    def transaction(self, busy_ms: int | None = None) -> Iterator[Session]:
        """One unit of work: commit at the end, roll back on any error. `busy_ms` bounds the
        wait for SQLite's write lock (the webhook must answer LINE within 2 s)."""
        if busy_ms is None:
            session = self.session_factory()
        else:
            session = self.session_factory(bind=self.engine.execution_options(busy_ms=busy_ms))
        with _unit_of_work(session) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Reads only: on SQLite it takes no write lock, so it never waits behind a writer."""
        session = self.read_factory()
        try:
            yield session
            session.rollback()
        finally:
            session.close()


def keep_loaded(session: Session) -> Session:
    """Hold every object the session loads until it closes (SQLAlchemy's strong-reference
    recipe). The identity map holds unchanged objects weakly, so a row read by one handler
    and dropped was read again by the next one; the worker's batches hold their rows so
    each is read once. For short sessions only: nothing is released before the end."""
    held: list[object] = []
    session.info["held"] = held

    def hold(_session: Session, instance: object) -> None:
        held.append(instance)

    for name in ("loaded_as_persistent", "pending_to_persistent", "detached_to_persistent",
                 "deleted_to_persistent"):
        event.listen(session, name, hold)
    return session


@contextmanager
def _unit_of_work(session: Session) -> Iterator[Session]:
    """Commit the session at the end of the block, roll it back on any error, always close it."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
