"""Alembic environment: runs on the engine mailhub.db hands over."""

from alembic import context
from sqlmodel import SQLModel

import mailhub.models  # noqa: F401  (registers the tables)

config = context.config
engine = config.attributes["engine"]


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """apscheduler keeps its own table in the database: not ours to migrate."""
    return not (type_ == "table" and name == "apscheduler_jobs")


with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=SQLModel.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", include_name=ours)
    context.run_migrations()
