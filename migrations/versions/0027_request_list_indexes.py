"""The request list's filters indexed with its order, so a deep page costs what the first does

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 22:40:00.000000

The list is ordered newest first (``created_at``, then ``id``). With the filters alone indexed
(``field, state``), page 100 of a field and state sorted every match (49,000 at ×10) to skip
2,475 of them; these indexes hand the rows over in order. ``ix_requests_field_state`` is a
prefix of the first one, so it goes.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_requests_field_state_created': ['field', 'state', 'created_at', 'id'],
    'ix_requests_field_created': ['field', 'created_at', 'id'],
    'ix_requests_state_created': ['state', 'created_at', 'id'],
    'ix_requests_org_created': ['organization_id', 'created_at', 'id'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'requests', columns)
    op.drop_index('ix_requests_field_state', table_name='requests')
    # Without statistics on the new indexes, SQLite may rather sort than use them.
    op.execute('ANALYZE requests')


def downgrade():
    op.create_index('ix_requests_field_state', 'requests', ['field', 'state'])
    for name in INDEXES:
        op.drop_index(name, table_name='requests')
