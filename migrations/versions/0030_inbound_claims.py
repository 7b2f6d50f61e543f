"""Inbound e-mail: when a message was claimed, and where an IMAP message came from

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-06 01:20:00.000000

Two nullable columns of ``inbound_emails``: ``claimed_at`` (a message left "processing" by a
worker that died is taken again after a timeout; rows claimed before have none, and count as
left long ago) and ``source_id`` (unique: an IMAP message fetched twice is stored once).
"""
import sqlalchemy as sa
from alembic import op


revision = '0030'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_emails', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_inbound_emails_source_id'), 'inbound_emails', ['source_id'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_inbound_emails_source_id'), table_name='inbound_emails')
    with op.batch_alter_table('inbound_emails', recreate='never') as batch_op:
        batch_op.drop_column('source_id')
        batch_op.drop_column('claimed_at')
