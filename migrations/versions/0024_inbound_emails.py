"""Inbound e-mail: the messages received, and the Reply-To address of outgoing mail

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 22:40:00.000000

New table ``inbound_emails`` (each received message, its raw bytes in storage) and a nullable
``outbox_emails.reply_to`` column: existing rows keep no Reply-To, as before.
"""
import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('envelope_from', sa.String(length=254), nullable=True),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('sender', sa.String(length=254), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_emails'))
    )
    op.create_index(op.f('ix_inbound_emails_received_at'), 'inbound_emails', ['received_at'], unique=False)
    op.create_index(op.f('ix_inbound_emails_status'), 'inbound_emails', ['status'], unique=False)
    with op.batch_alter_table('outbox_emails', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))


def downgrade():
    # In place: rebuilding the table on SQLite drops it first, and a drop cascades to the rows
    # pointing at it.
    with op.batch_alter_table('outbox_emails', recreate='never') as batch_op:
        batch_op.drop_column('reply_to')
    op.drop_index(op.f('ix_inbound_emails_status'), table_name='inbound_emails')
    op.drop_index(op.f('ix_inbound_emails_received_at'), table_name='inbound_emails')
    op.drop_table('inbound_emails')
