"""The audit chain (tamper evidence) and the access log (who looked)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 14:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('audit_entry',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', AutoString(length=16), nullable=False),
    sa.Column('ref', AutoString(length=100), nullable=False),
    sa.Column('content', AutoString(length=64), nullable=False),
    sa.Column('previous', AutoString(length=64), nullable=False),
    sa.Column('hash', AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('hash')
    )
    op.create_index(op.f('ix_audit_entry_kind'), 'audit_entry', ['kind'], unique=False)
    op.create_index(op.f('ix_audit_entry_ref'), 'audit_entry', ['ref'], unique=False)
    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user', AutoString(length=200), nullable=False),
    sa.Column('action', AutoString(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_access_log_at'), 'access_log', ['at'], unique=False)
    op.create_index(op.f('ix_access_log_user'), 'access_log', ['user'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_access_log_user'), table_name='access_log')
    op.drop_index(op.f('ix_access_log_at'), table_name='access_log')
    op.drop_table('access_log')
    op.drop_index(op.f('ix_audit_entry_ref'), table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_kind'), table_name='audit_entry')
    op.drop_table('audit_entry')
