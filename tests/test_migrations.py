"""The Alembic migrations build exactly the schema the models declare, in one line of history."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from models import Base
from settings import BASE_DIR


def test_migrations_have_a_single_head():
    script = ScriptDirectory.from_config(Config(str(BASE_DIR / "alembic.ini")))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_migrated_schema_matches_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diffs = [d for d in compare_metadata(context, Base.metadata)
                 if not (isinstance(d, tuple) and d[0] == "remove_table" and d[1].name == "alembic_version")]
    engine.dispose()
    assert diffs == []
