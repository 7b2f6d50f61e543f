"""Each expert's weekly capacity, what the timesheet measures the week's total against

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 22:35:00.000000

``users.weekly_capacity_minutes``: 35 hours (2100 minutes) for everyone already there, as for
the new; changed in one's profile or by an admin.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', recreate='never') as batch:
        batch.add_column(sa.Column('weekly_capacity_minutes', sa.Integer(), nullable=False, server_default='2100'))


def downgrade():
    # In place (no batch copy): rebuilding users on SQLite would fail on the rows pointing at it.
    with op.batch_alter_table('users', recreate='never') as batch:
        batch.drop_column('weekly_capacity_minutes')
