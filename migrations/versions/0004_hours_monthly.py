"""hours_monthly: the monthly roll-up of time entries, backfilled; a covering index for expert utilisation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def backfill_sql(dialect_name):
    """The INSERT … SELECT that fills hours_monthly from time_entries joined to requests."""
    if dialect_name == 'sqlite':
        year = "CAST(strftime('%Y', t.date) AS INTEGER)"
        month = "CAST(strftime('%m', t.date) AS INTEGER)"
    else:
        year = "CAST(EXTRACT(YEAR FROM t.date) AS INTEGER)"
        month = "CAST(EXTRACT(MONTH FROM t.date) AS INTEGER)"
    return (
        "INSERT INTO hours_monthly (organization_id, field, year, month, minutes, billable_minutes) "
        f"SELECT r.organization_id, r.field, {year}, {month}, SUM(t.minutes), "
        "SUM(CASE WHEN t.billable THEN t.minutes ELSE 0 END) "
        "FROM time_entries t JOIN requests r ON r.id = t.request_id "
        f"GROUP BY r.organization_id, r.field, {year}, {month}"  # noqa: S608 - constant SQL, no input
    )


def backfill(bind):
    bind.execute(sa.text(backfill_sql(bind.dialect.name)))


def upgrade():
    op.create_table('hours_monthly',
    sa.Column('organization_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('month', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('billable_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('organization_id', 'field', 'year', 'month', name=op.f('pk_hours_monthly'))
    )
    backfill(op.get_bind())
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.create_index('ix_time_entries_expert_usage', ['expert_id', 'date', 'billable', 'minutes', 'request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_time_entries_expert_usage')

    op.drop_table('hours_monthly')
