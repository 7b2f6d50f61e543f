"""indexes for the cooperative-wide reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 12:25:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_hours_monthly_year', 'hours_monthly', ['year', 'organization_id', 'field', 'month'])
    op.create_index('ix_agreements_year', 'agreements', ['year'])
    op.create_index('ix_requests_state_changed_at', 'requests', ['state_changed_at'])


def downgrade():
    op.drop_index('ix_requests_state_changed_at', table_name='requests')
    op.drop_index('ix_agreements_year', table_name='agreements')
    op.drop_index('ix_hours_monthly_year', table_name='hours_monthly')
