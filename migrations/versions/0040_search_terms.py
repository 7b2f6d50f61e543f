"""The search index keeps the list of its words, to complete a prefix being typed

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 09:55:00.000000

``search_terms`` holds every word of the index once (SQLite: the stems of its titles and
bodies; PostgreSQL: the lexemes of its tsvectors): a prefix is completed by reading a range of
it (``extranet.search.engines.completed``) and its words named in the query, rather than read
by each engine's own prefix matching (FTS5 merges every matching word's whole list in memory for
each statement; the GIN index gathers them into a bitmap before intersecting anything). It is
filled from the index (FTS5's ``fts5vocab``, scope tokens left out; ``tsvector_to_array`` of
every entry, ≈ 5 s at ×10); the application adds the words of each entry it writes and never
removes one (a word no entry holds any more completes a prefix to nothing). On PostgreSQL the
list has no unique key, so that two writers adding the same new word never wait for each other:
a word may be there twice, and is read once.

The downgrade drops the list.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE TABLE search_terms (term TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID")
    else:
        # Ordered by code point, as a prefix's range is (the database's collation may not be).
        # No unique key: writers add a new word without waiting for each other (``PostgresEngine.write``).
        op.execute('CREATE TABLE search_terms (term TEXT COLLATE "C" NOT NULL)')
        op.execute("CREATE INDEX ix_search_terms_term ON search_terms (term)")
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE temp.search_vocabulary USING fts5vocab(main, search_index, 'col')")
        op.execute("INSERT INTO search_terms (term) SELECT DISTINCT term FROM temp.search_vocabulary "
                   "WHERE col IN ('title', 'body') ORDER BY term")
        op.execute("DROP TABLE temp.search_vocabulary")
    else:
        op.execute("INSERT INTO search_terms (term) SELECT DISTINCT unnest(tsvector_to_array(document)) AS term "
                   "FROM search_index ORDER BY term")


def downgrade():
    op.execute("DROP TABLE search_terms")
