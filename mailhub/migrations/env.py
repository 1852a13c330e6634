"""Alembic environment: runs on the engine mailhub.db hands over."""

from alembic import context
from sqlmodel import SQLModel

import mailhub.models  # noqa: F401  (registers the tables)
from mailhub.db import ours

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=SQLModel.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", include_name=ours)
    context.run_migrations()
