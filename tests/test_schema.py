"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from mailhub import models  # noqa: F401  (the tables)
from mailhub.db import HEAD, ensure_schema, head_revision, make_engine, ours, stored_revision


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        ensure_schema(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_name": ours})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_the_newest_migration_is_the_one_ensure_schema_checks_for(database_url: str) -> None:
    # ensure_schema() compares the database with HEAD and loads Alembic only if they differ:
    # a new migration must move HEAD, or databases would never be upgraded to it.
    engine = make_engine(database_url)
    try:
        assert head_revision(engine) == HEAD
        ensure_schema(engine)
        assert stored_revision(engine) == HEAD
    finally:
        engine.dispose()
