"""Three covering indexes of the admin reports widened: the time entries' date index holds the
expert, the monthly roll-up's month index the field and every sum, the closed requests' index
the request's id

Revision ID: 0037
Revises: 0035
Create Date: 2026-12-06 04:50:00.000000

- ``ix_time_entries_date_usage`` (date, request, billable, minutes) covered the days of a month
  begun; the report's billable minutes per expert over a year read ≈ 70,000 rows of the table
  through it at ×10 on PostgreSQL, which has no skip scan to use ``ix_time_entries_expert_usage``
  (it leads with the expert) as SQLite does. With ``expert_id`` last it covers both.
- ``ix_hours_monthly_month`` (year, month, minutes, cents) served the admin's dashboard; the
  report's totals per field and month sorted two years of the roll-up (≈ 41,000 rows at ×10,
  a temporary B-tree on SQLite: 80 ms) to group them. With the field and every sum after the
  month, they are grouped in the index's order, and the dashboard reads it as before.
- ``ix_requests_closed`` (closed at, state, organization, field) counts the requests closed in
  the annual report; their ratings are joined by the request's id, which a PostgreSQL index
  holds only when named (SQLite's hold the rowid): without it, ≈ 18,000 rows of the table were
  read at ×10 for the year under way (≈ 140 ms). With ``id`` last the count is read from it.

The downgrade makes both again as they were.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0037'
down_revision = '0035'
branch_labels = None
depends_on = None

BEFORE = {
    ('time_entries', 'ix_time_entries_date_usage'): ['date', 'request_id', 'billable', 'minutes'],
    ('hours_monthly', 'ix_hours_monthly_month'): ['year', 'month', 'minutes', 'cents'],
    ('requests', 'ix_requests_closed'): ['state_changed_at', 'state', 'organization_id', 'field'],
}
AFTER = {
    ('time_entries', 'ix_time_entries_date_usage'): ['date', 'request_id', 'billable', 'minutes', 'expert_id'],
    ('hours_monthly', 'ix_hours_monthly_month'): ['year', 'month', 'field', 'minutes', 'billable_minutes', 'cents',
                                                  'overage_minutes'],
    ('requests', 'ix_requests_closed'): ['state_changed_at', 'state', 'organization_id', 'field', 'id'],
}


def _replace(indexes):
    for (table, name), columns in indexes.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
        # Without statistics on the new index, SQLite would rather read the rows than use it.
        op.execute(f'ANALYZE {table}')


def upgrade():
    _replace(AFTER)


def downgrade():
    _replace(BEFORE)
