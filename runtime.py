"""The pieces every process shares: settings, database engine and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

import models
from settings import Settings


@dataclass
class Runtime:
    """Settings plus the database, built once per process (web or worker)."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker
    read_factory: sessionmaker

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        """Create the engine (and the SQLite file's folder) for these settings."""
        url = settings.database_url
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = models.make_engine(url)
        reader = engine.execution_options(readonly=True)
        return cls(settings, engine, models.make_session_factory(engine),
                   models.make_session_factory(reader))

    @contextmanager
    def transaction(self, busy_ms: int | None = None) -> Iterator[Session]:
        """One unit of work: commit at the end, roll back on any error. `busy_ms` bounds the
        wait for SQLite's write lock (the webhook must answer LINE within 2 s)."""
        if busy_ms is None:
            session = self.session_factory()
        else:
            session = self.session_factory(bind=self.engine.execution_options(busy_ms=busy_ms))
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Reads only: on SQLite it takes no write lock, so it never waits behind a writer."""
        session = self.read_factory()
        try:
            yield session
            session.rollback()
        finally:
            session.close()
