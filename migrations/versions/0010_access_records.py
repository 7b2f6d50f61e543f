"""access_records: who read whose information (Law 25), one row per reader, thing read and hour;
audit_events indexed by target, so that a person reads what was done to their account

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 19:00:00.000000

A new table and an index only: no existing row changes, and the downgrade drops both again.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('viewer_id', sa.Integer(), nullable=True),
        sa.Column('viewer_role', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('detail', sa.String(length=20), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('hour', sa.DateTime(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['subject_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('viewer_id', 'kind', 'object_id', 'detail', 'hour', name='uq_access_records_read'),
    )
    with op.batch_alter_table('access_records', schema=None) as batch_op:
        batch_op.create_index('ix_access_records_hour', ['hour'], unique=False)
        batch_op.create_index('ix_access_records_subject', ['subject_id', 'hour'], unique=False)
        batch_op.create_index('ix_access_records_organization', ['organization_id', 'hour'], unique=False)
        batch_op.create_index('ix_access_records_request', ['request_id', 'hour'], unique=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_target', ['target'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_target')
    op.drop_table('access_records')
