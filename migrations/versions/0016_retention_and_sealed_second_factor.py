"""Retention runs, and the second factor's secret encrypted at rest

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 22:00:00.000000

``retention_runs`` holds each day's application of the retention rules and its report (the
rules themselves are module settings, in ``modules.settings``). ``users.totp_secret`` (in
clear) becomes ``users.totp_secret_encrypted``: each existing secret is encrypted under the
application's key (``extranet/encryption.py``), so everyone enrolled keeps signing in with
the same app; the downgrade decrypts them back. A new column rather than a wider one: SQLite
cannot change a column's type without rebuilding ``users``, which the rows pointing at it forbid.
"""
import sqlalchemy as sa
from alembic import op

from extranet.encryption import decrypt, encrypt

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String),
                 sa.column('totp_secret_encrypted', sa.String))


def _convert(source: str, target: str, change) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c[source]).where(users.c[source].is_not(None))).all()
    for user_id, value in rows:
        bind.execute(users.update().where(users.c.id == user_id).values({target: change(value)}))


def upgrade():
    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('removed', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs')),
    sa.UniqueConstraint('day', name=op.f('uq_retention_runs_day'))
    )
    # In place (no batch copy): rebuilding users on SQLite would fail on the rows pointing at it.
    op.add_column('users', sa.Column('totp_secret_encrypted', sa.String(length=255), nullable=True))
    _convert('totp_secret', 'totp_secret_encrypted', encrypt)
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_secret')


def downgrade():
    op.add_column('users', sa.Column('totp_secret', sa.String(length=64), nullable=True))
    _convert('totp_secret_encrypted', 'totp_secret', decrypt)
    with op.batch_alter_table('users', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('totp_secret_encrypted')
    op.drop_table('retention_runs')
