"""Full-text search index over the archive (audit search)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 14:00:00

Not a model: each database keeps it its own way (see mailhub/search.py), and the
migrations' comparison with the models leaves it out (db.ours). The messages already
in the database are indexed here.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from mailhub.search import reindex  # the index's own code: one format, old or new rows

    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE TABLE search_index (key bigint PRIMARY KEY, "
                   "words tsvector NOT NULL, tags text[] NOT NULL)")
        op.execute("CREATE INDEX search_index_words ON search_index USING gin (words, tags)")
    else:
        op.execute("CREATE VIRTUAL TABLE search_index USING fts5(words, tags, "
                   "tokenize = 'ascii')")
    reindex(op.get_bind())


def downgrade() -> None:
    op.execute("DROP TABLE search_index")
