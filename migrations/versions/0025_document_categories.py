"""The document category a document was filed under

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 22:45:00.000000

``documents.category``: the slug of the field's category chosen at upload (issue 10 §3), so
that the document space can be filtered by it. Nullable: the documents already there were
filed under none, and keep no category.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=40), nullable=True))


def downgrade():
    # In place: rebuilding the table on SQLite drops it first, and the drop cascades to the rows
    # pointing at it (a document's versions).
    with op.batch_alter_table('documents', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('category')
