"""The SQLite search index keeps the list of its words, to complete a prefix being typed

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 09:55:00.000000

``search_terms`` holds every word (stem) of the index's titles and bodies, once: a prefix is
completed by reading a range of it (``SqliteEngine.prepare``) rather than by FTS5's own prefix
reading, which merges every matching word's whole list in memory for each statement. It is
filled from the index's vocabulary (FTS5's ``fts5vocab``), scope tokens left out; the
application adds the words of each entry it writes and never removes one (a word no entry holds
any more completes a prefix to nothing). PostgreSQL completes prefixes in its own index.

The downgrade drops the list.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("CREATE TABLE search_terms (term TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID")
    op.execute("CREATE VIRTUAL TABLE temp.search_vocabulary USING fts5vocab(main, search_index, 'col')")
    op.execute("INSERT INTO search_terms (term) SELECT DISTINCT term FROM temp.search_vocabulary "
               "WHERE col IN ('title', 'body') ORDER BY term")
    op.execute("DROP TABLE temp.search_vocabulary")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE search_terms")
