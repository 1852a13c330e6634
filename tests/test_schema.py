"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from mailhub import models  # noqa: F401  (the tables)
from mailhub.db import ensure_schema, make_engine, ours


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        ensure_schema(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": ours})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
