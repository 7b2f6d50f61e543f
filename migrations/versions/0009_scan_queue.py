"""The scan's bookkeeping on every stored file, so that the worker scans pending files again

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 18:40:00.000000

``file_versions`` gains how many scans were attempted (``scan_attempts``), when the last one ran
(``scanned_at``), when the worker tries a pending file again (``next_scan_at``) and why the file
is pending or refused (``scan_detail``), with an index on (``scan_status``, ``next_scan_at``) for
the worker's queue. Existing rows keep their scan status; their next attempt is unset, which the
worker reads as "due now", so a file left pending before this revision is scanned on the
worker's first pass. The downgrade drops the columns and keeps the statuses.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (SQLite has it): a batch copy of the table would drop its CHECK constraint.
    op.add_column('file_versions', sa.Column('scan_attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('file_versions', sa.Column('scanned_at', sa.DateTime(), nullable=True))
    op.add_column('file_versions', sa.Column('next_scan_at', sa.DateTime(), nullable=True))
    op.add_column('file_versions', sa.Column('scan_detail', sa.String(length=255), server_default='', nullable=False))
    op.create_index('ix_file_versions_scan_queue', 'file_versions', ['scan_status', 'next_scan_at'])


def downgrade():
    op.drop_index('ix_file_versions_scan_queue', table_name='file_versions')
    for column in ('scan_detail', 'next_scan_at', 'scanned_at', 'scan_attempts'):
        op.drop_column('file_versions', column)
