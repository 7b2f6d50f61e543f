"""A person's exports of their data and requests for erasure (Law 25)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 21:00:00.000000

``data_exports`` holds the exports people ask for, built by the worker and kept in storage
until they expire; ``erasure_requests`` the requests to erase a person's information that an
administrator carries out; ``users.erased_at`` marks an anonymised account and
``users.is_privacy_officer`` the people who see those requests. Nothing existing is changed:
every account stays as it is (not erased, no privacy officer).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # In place (no batch copy): rebuilding users on SQLite would fail on the rows pointing at it.
    op.add_column('users', sa.Column('erased_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('is_privacy_officer', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('ready_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('storage_key', sa.String(length=100), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_data_exports_storage_key'))
    )
    op.create_index('ix_data_exports_status', 'data_exports', ['status', 'requested_at'], unique=False)
    op.create_index(op.f('ix_data_exports_user_id'), 'data_exports', ['user_id'], unique=False)
    op.create_index(op.f('ix_data_exports_expires_at'), 'data_exports', ['expires_at'], unique=False)
    op.create_table('erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_erasure_requests_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_erasure_requests_done_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests'))
    )
    op.create_index('ix_erasure_requests_status', 'erasure_requests', ['status', 'requested_at'], unique=False)
    op.create_index(op.f('ix_erasure_requests_user_id'), 'erasure_requests', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_erasure_requests_user_id'), table_name='erasure_requests')
    op.drop_index('ix_erasure_requests_status', table_name='erasure_requests')
    op.drop_table('erasure_requests')
    op.drop_index(op.f('ix_data_exports_expires_at'), table_name='data_exports')
    op.drop_index(op.f('ix_data_exports_user_id'), table_name='data_exports')
    op.drop_index('ix_data_exports_status', table_name='data_exports')
    op.drop_table('data_exports')
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('is_privacy_officer')
        batch_op.drop_column('erased_at')
