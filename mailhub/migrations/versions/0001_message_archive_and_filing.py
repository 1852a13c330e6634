"""message archive and filing

Revision ID: 0001
Revises:
Create Date: 2026-11-26 06:54:22.097452
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('door', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('envelope_from', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('envelope_to', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('state_reason', sa.Text(), nullable=False),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('from_address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('from_name', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['duplicate_of'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_from_address'), ['from_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_state'), ['state'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['message'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_message'), ['message'], unique=False)

    op.create_table('filing',
    sa.Column('message', sa.Integer(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('team', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['message'], ['message.id'], ),
    sa.PrimaryKeyConstraint('message')
    )
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_team'), ['team'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_unit'), ['unit'], unique=False)

    op.create_table('filing_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['message'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message', 'topic')
    )
    with op.batch_alter_table('filing_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_filing_topic_message'), ['message'], unique=False)
        batch_op.create_index(batch_op.f('ix_filing_topic_topic'), ['topic'], unique=False)

    op.create_table('rule_hit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chain', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason_vi', sa.Text(), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rule_hit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rule_hit_message'), ['message'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rule_hit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rule_hit_message'))

    op.drop_table('rule_hit')
    with op.batch_alter_table('filing_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_topic_topic'))
        batch_op.drop_index(batch_op.f('ix_filing_topic_message'))

    op.drop_table('filing_topic')
    with op.batch_alter_table('filing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_filing_unit'))
        batch_op.drop_index(batch_op.f('ix_filing_team'))
        batch_op.drop_index(batch_op.f('ix_filing_period'))

    op.drop_table('filing')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_message'))

    op.drop_table('attachment')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_state'))
        batch_op.drop_index(batch_op.f('ix_message_received_at'))
        batch_op.drop_index(batch_op.f('ix_message_message_id'))
        batch_op.drop_index(batch_op.f('ix_message_from_address'))

    op.drop_table('message')
