"""The index of file versions by message holds attachments only

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 09:40:00.000000

Most file versions are documents' (no message). SQLite's statistics keep one average of rows
per value, NULL counted as one value, so the planner took the message index for useless and read
the whole table to find a page's attachments (≈ 10 ms at ×10 for five messages, on the search
page and the request page alike). Without the NULLs the index is smaller on PostgreSQL too, which
uses it for any ``message_id = …`` as before.

The downgrade makes the whole index again.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None

NAME = "ix_file_versions_message_id"
ONLY = "message_id IS NOT NULL"


def upgrade():
    op.drop_index(NAME, table_name="file_versions")
    op.create_index(NAME, "file_versions", ["message_id"], sqlite_where=sa.text(ONLY), postgresql_where=sa.text(ONLY))


def downgrade():
    op.drop_index(NAME, table_name="file_versions")
    op.create_index(NAME, "file_versions", ["message_id"])
