"""Two-factor sign-in and the browsers a person signs in from

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 19:00:00.000000

- ``users`` gains the TOTP secret, when it was confirmed and the last time step a code was
  accepted for (all empty: nobody has a second factor until they set one up).
- ``organizations`` gains ``requires_second_factor`` (false for every existing organization).
- ``recovery_codes`` holds the hashes of each person's single-use recovery codes.
- ``known_browsers`` holds, per person, the browsers they signed in from (the hash of a random
  token kept in a signed cookie) and until when each is trusted to skip the second factor.

Nothing existing is changed; the downgrade drops what the upgrade added. It drops the columns
in place (``recreate="never"``: SQLite 3.35 and later drop a plain column themselves): rebuilding
``users`` the batch way would delete it with foreign keys on, and with it every row that
cascades from it (sessions, memberships).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # Columns are added in place: rebuilding a table on SQLite fails, or deletes rows through
    # cascades, as soon as other tables point at it.
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('organizations', schema=None, recreate='never') as batch_op:
        batch_op.add_column(
            sa.Column('requires_second_factor', sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_user_id'), ['user_id'], unique=False)

    op.create_table('known_browsers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('trusted_until', sa.DateTime(), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_known_browsers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_browsers')),
    sa.UniqueConstraint('user_id', 'token_hash', name=op.f('uq_known_browsers_user_id'))
    )
    with op.batch_alter_table('known_browsers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_known_browsers_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('known_browsers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_known_browsers_user_id'))
    op.drop_table('known_browsers')
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_user_id'))
    op.drop_table('recovery_codes')
    with op.batch_alter_table('organizations', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('requires_second_factor')
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
