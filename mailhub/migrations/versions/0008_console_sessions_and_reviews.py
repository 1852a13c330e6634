"""The web console: staff teams, console sessions, reviews of quarantined mail

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table('staff') as batch:
        batch.add_column(sa.Column('team', AutoString(length=64), nullable=False,
                                   server_default=''))
    op.create_table('console_session',
    sa.Column('token_hash', AutoString(length=64), nullable=False),
    sa.Column('staff', sa.Integer(), nullable=False),
    sa.Column('csrf', AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_index(op.f('ix_console_session_staff'), 'console_session', ['staff'],
                    unique=False)
    op.create_index(op.f('ix_console_session_expires_at'), 'console_session', ['expires_at'],
                    unique=False)
    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff', AutoString(length=500), nullable=False),
    sa.Column('action', AutoString(length=16), nullable=False),
    sa.Column('topic', AutoString(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_review_message'), 'review', ['message'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_review_message'), table_name='review')
    op.drop_table('review')
    op.drop_index(op.f('ix_console_session_expires_at'), table_name='console_session')
    op.drop_index(op.f('ix_console_session_staff'), table_name='console_session')
    op.drop_table('console_session')
    with op.batch_alter_table('staff') as batch:
        batch.drop_column('team')
