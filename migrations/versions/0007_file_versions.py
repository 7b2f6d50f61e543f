"""One table of stored files: message attachments and document versions move into file_versions

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000

Every row of ``attachments`` and ``document_versions`` is copied into ``file_versions`` with
its storage key, size, sha256, type, name, uploader and date, so every stored object stays
referenced (``flask storage check`` finds no orphan after the upgrade), then the two tables
are dropped. ``kind`` says who owns a row: "attachment" (``message_id``) or "document"
(``document_id`` and version ``number``).

- Attachments keep their ids: they are in the addresses of their downloads
  (``/requests/<reference>/attachments/<id>``). Document versions are addressed by document and
  number, so their ids may change: each becomes its old id plus the largest attachment id.
- Attachments were never scanned: they start as "not_scanned", which is the truth. Document
  versions keep their scan status.
- An organization's storage quota now counts the files of its requests' messages as well as
  its documents (``extranet.files.quota``); nothing is stored for that, the usage is summed
  from the owners.

The downgrade splits the table back into the two it came from (attachments lose their scan
status, which the older code did not have).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ONE_OWNER = (
    "(kind = 'attachment' AND message_id IS NOT NULL AND document_id IS NULL AND number IS NULL)"
    " OR (kind = 'document' AND document_id IS NOT NULL AND number IS NOT NULL AND message_id IS NULL)"
)


def upgrade():
    op.create_table('file_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('scan_status', sa.String(length=20), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint(ONE_OWNER, name=op.f('ck_file_versions_one_owner')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_file_versions_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_file_versions_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_file_versions_uploader_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_versions')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_file_versions_document_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_file_versions_storage_key'))
    )
    with op.batch_alter_table('file_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_file_versions_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_versions_message_id'), ['message_id'], unique=False)

    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO file_versions (id, kind, message_id, scan_status, "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at) "
        "SELECT id, 'attachment', message_id, 'not_scanned', "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at "
        "FROM attachments"))
    offset = bind.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM attachments")).scalar_one()
    bind.execute(sa.text(
        "INSERT INTO file_versions (id, kind, document_id, number, scan_status, "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at) "
        "SELECT id + :offset, 'document', document_id, number, scan_status, "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at "
        "FROM document_versions"), {"offset": offset})
    if bind.dialect.name == 'postgresql':  # rows came with their ids: the sequence goes on after them
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('file_versions', 'id'), "
                             "COALESCE(MAX(id), 0) + 1, false) FROM file_versions"))

    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_versions_document_id'))
    op.drop_table('document_versions')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_message_id'))
    op.drop_table('attachments')


def downgrade():
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_attachments_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_attachments_uploader_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachments_storage_key'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_message_id'), ['message_id'], unique=False)
    op.create_table('document_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('scan_status', sa.String(length=20), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_versions_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_document_versions_uploader_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_versions')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_document_versions_document_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_document_versions_storage_key'))
    )
    with op.batch_alter_table('document_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_versions_document_id'), ['document_id'], unique=False)

    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO attachments (id, message_id, "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at) "
        "SELECT id, message_id, "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at "
        "FROM file_versions WHERE kind = 'attachment'"))
    bind.execute(sa.text(
        "INSERT INTO document_versions (id, document_id, number, scan_status, "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at) "
        "SELECT id, document_id, number, scan_status, "
        "  storage_key, filename, size, sha256, mime, uploader_id, created_at "
        "FROM file_versions WHERE kind = 'document'"))
    if bind.dialect.name == 'postgresql':
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('attachments', 'id'), "
                             "COALESCE(MAX(id), 0) + 1, false) FROM attachments"))
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('document_versions', 'id'), "
                             "COALESCE(MAX(id), 0) + 1, false) FROM document_versions"))

    with op.batch_alter_table('file_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_file_versions_message_id'))
        batch_op.drop_index(batch_op.f('ix_file_versions_document_id'))
    op.drop_table('file_versions')

