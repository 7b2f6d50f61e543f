"""hours_monthly priced (cents, overage, allotment left), backfilled; covering indexes for the reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 15:00:00.000000

"""
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _cents(minutes, rate):
    return int((Decimal(minutes) * rate / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def backfill(bind):
    """Price every cell as ``extranet.hours.service.reprice`` did when this revision was written
    (a copy, so that later changes to the service cannot change what this migration does): the
    year's allotment, plus the previous year's unused minutes under the carry-over rule
    ``unused``, consumed from January at the hourly rate, the rest at the overage rate."""
    agreements = {
        (org, field, year): (minutes, rate, over_rate, carry)
        for org, field, year, minutes, rate, over_rate, carry in bind.execute(sa.text(
            "SELECT organization_id, field, year, minutes_allotted, hourly_rate_cents, overage_rate_cents, "
            "carry_over FROM agreements"))
    }
    cells = defaultdict(list)
    for org, field, year, month, billable in bind.execute(sa.text(
            "SELECT organization_id, field, year, month, billable_minutes FROM hours_monthly ORDER BY month")):
        cells[(org, field, year)].append((month, billable))
    changes = []
    for (org, field, year), months in cells.items():
        terms = agreements.get((org, field, year))
        if terms is None:
            continue
        allotted, rate, over_rate, carry = terms
        previous = agreements.get((org, field, year - 1))
        if carry == 'unused' and previous is not None:
            allotted += max(0, previous[0] - sum(b for _m, b in cells.get((org, field, year - 1), ())))
        left = allotted
        for month, billable in months:
            within = max(0, min(billable, left))
            changes.append({'o': org, 'f': field, 'y': year, 'm': month, 'left': left, 'over': billable - within,
                            'cents': _cents(within, rate) + _cents(billable - within, over_rate)})
            left = max(0, left - billable)
    if changes:
        bind.execute(sa.text(
            "UPDATE hours_monthly SET cents = :cents, overage_minutes = :over, allotment_left = :left "
            "WHERE organization_id = :o AND field = :f AND year = :y AND month = :m"), changes)


def upgrade():
    with op.batch_alter_table('hours_monthly', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('overage_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('allotment_left', sa.Integer(), nullable=True))
    backfill(op.get_bind())
    op.drop_index('ix_hours_monthly_year', table_name='hours_monthly')
    op.create_index('ix_hours_monthly_year', 'hours_monthly', ['year', 'organization_id', 'field', 'month', 'minutes',
                                                               'billable_minutes', 'cents', 'overage_minutes'])
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_state_changed_at')
        batch_op.drop_index('ix_requests_created_at')
        batch_op.create_index('ix_requests_opened', ['created_at', 'organization_id', 'field'], unique=False)
        batch_op.create_index('ix_requests_closed', ['state_changed_at', 'state', 'organization_id', 'field'],
                              unique=False)
        batch_op.create_index('ix_requests_scope', ['id', 'field', 'organization_id'], unique=False)
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_time_entries_date')
        batch_op.create_index('ix_time_entries_date_usage', ['date', 'request_id', 'billable', 'minutes'], unique=False)
    op.create_index('ix_satisfaction_rating', 'satisfaction', ['request_id', 'rating'])
    # Without statistics on the new indexes, SQLite would rather read the rows than use them.
    for table in ('hours_monthly', 'requests', 'time_entries', 'satisfaction'):
        op.execute(f'ANALYZE {table}')


def downgrade():
    op.drop_index('ix_satisfaction_rating', table_name='satisfaction')
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_time_entries_date_usage')
        batch_op.create_index('ix_time_entries_date', ['date'], unique=False)
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_scope')
        batch_op.drop_index('ix_requests_closed')
        batch_op.drop_index('ix_requests_opened')
        batch_op.create_index('ix_requests_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_requests_state_changed_at', ['state_changed_at'], unique=False)
    op.drop_index('ix_hours_monthly_year', table_name='hours_monthly')
    op.create_index('ix_hours_monthly_year', 'hours_monthly', ['year', 'organization_id', 'field', 'month'])
    with op.batch_alter_table('hours_monthly', schema=None) as batch_op:
        batch_op.drop_column('allotment_left')
        batch_op.drop_column('overage_minutes')
        batch_op.drop_column('cents')
