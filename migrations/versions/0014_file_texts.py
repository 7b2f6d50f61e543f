"""The text read from stored files, for search

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 20:00:00.000000

``file_texts`` holds, per stored file, what the worker read from it (PDF, DOCX, ODT, XLSX,
ODS, plain text) and whether it could. Nothing is copied: every existing file has no row yet,
which is what "still to be read" means, so the worker reads them all after the upgrade and
each one's owner (a message, a document, a resource) is indexed again with its text.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('file_texts',
    sa.Column('file_version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_version_id'], ['file_versions.id'], name=op.f('fk_file_texts_file_version_id_file_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('file_version_id', name=op.f('pk_file_texts'))
    )


def downgrade():
    op.drop_table('file_texts')
