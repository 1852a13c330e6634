"""refusals in the SMTP dialogue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:37:05.201717
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('refusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('door', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('peer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('mail_from', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('header_from', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('refusal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refusal_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_refusal_header_from'), ['header_from'], unique=False)
        batch_op.create_index(batch_op.f('ix_refusal_mail_from'), ['mail_from'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('refusal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refusal_mail_from'))
        batch_op.drop_index(batch_op.f('ix_refusal_header_from'))
        batch_op.drop_index(batch_op.f('ix_refusal_at'))

    op.drop_table('refusal')
