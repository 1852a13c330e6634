"""Directives, and the outbox as the delivery queue of every copy the hub sends

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('directive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Integer(), nullable=False),
    sa.Column('sender', AutoString(length=500), nullable=False),
    sa.Column('sender_unit', AutoString(length=64), nullable=False),
    sa.Column('staff', AutoString(length=500), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('number', AutoString(length=100), nullable=False),
    sa.Column('lists', AutoString(length=500), nullable=False),
    sa.Column('message_id', AutoString(length=500), nullable=False),
    sa.Column('door', AutoString(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ack_by', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message'], ['message.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message')
    )
    op.create_index(op.f('ix_directive_number'), 'directive', ['number'], unique=False)
    op.create_index(op.f('ix_directive_created_at'), 'directive', ['created_at'], unique=False)
    with op.batch_alter_table('outbox') as batch:
        batch.alter_column('raw', existing_type=sa.LargeBinary(), nullable=True)
        batch.alter_column('last_error', new_column_name='last_reply',
                           existing_type=sa.Text(), existing_nullable=False)
        batch.add_column(sa.Column('unit', AutoString(length=64), nullable=True))
        batch.add_column(sa.Column('directive', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('list_name', AutoString(length=100), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('message_id', AutoString(length=500), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('token', AutoString(length=32), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('claimed_by', AutoString(length=200), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column('ack_message', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_outbox_directive', 'directive', ['directive'], ['id'])
        batch.create_foreign_key('fk_outbox_ack_message', 'message', ['ack_message'], ['id'])
        batch.create_index(batch.f('ix_outbox_directive'), ['directive'], unique=False)
        batch.create_index(batch.f('ix_outbox_message_id'), ['message_id'], unique=False)
    with op.batch_alter_table('outbox') as batch:  # the defaults served the rows above only
        for name in ('list_name', 'message_id', 'token', 'claimed_by'):
            batch.alter_column(name, server_default=None)
    op.execute("UPDATE outbox SET state = 'pending' WHERE state = 'queued'")


def downgrade() -> None:
    op.execute("UPDATE outbox SET state = 'queued' WHERE state IN ('pending', 'deferred', "
               "'sending')")
    op.execute("DELETE FROM outbox WHERE directive IS NOT NULL OR raw IS NULL")
    with op.batch_alter_table('outbox') as batch:
        batch.drop_index(batch.f('ix_outbox_message_id'))
        batch.drop_index(batch.f('ix_outbox_directive'))
        batch.drop_constraint('fk_outbox_ack_message', type_='foreignkey')
        batch.drop_constraint('fk_outbox_directive', type_='foreignkey')
        for name in ('ack_message', 'acknowledged_at', 'claimed_until', 'claimed_by', 'token',
                     'message_id', 'list_name', 'directive', 'unit'):
            batch.drop_column(name)
        batch.alter_column('last_reply', new_column_name='last_error',
                           existing_type=sa.Text(), existing_nullable=False)
        batch.alter_column('raw', existing_type=sa.LargeBinary(), nullable=False)
    op.drop_index(op.f('ix_directive_created_at'), table_name='directive')
    op.drop_index(op.f('ix_directive_number'), table_name='directive')
    op.drop_table('directive')
