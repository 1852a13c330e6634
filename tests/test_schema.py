"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from mailhub import models  # noqa: F401  (the tables)
from mailhub.db import ensure_schema, make_engine


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        ensure_schema(engine)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection),
                                    SQLModel.metadata) == []
    finally:
        engine.dispose()
