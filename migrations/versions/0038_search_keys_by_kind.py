"""The SQLite search index keys each entry by its kind in the rowid's high bits, and marks its
scope tokens

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 09:20:00.000000

An entry's rowid was its row's id times eight plus its kind, so one kind's entries were spread
among the others' and reading a kind's newest matches read every kind's. It is now the kind
shifted left by 40 bits plus the id (``SqliteEngine.key``): each kind's entries are one range of
rowids, which FTS5 seeks to. Each scope token now begins with U+E000, a character of the
private use area that the tokenizer keeps in a token and no typed word holds, so that queries
need no column filter (``SqliteEngine.MARK``). FTS5 cannot change a rowid in place: the index is
made again and every entry copied over in the new order, its stems as they were (nothing is
stemmed again). PostgreSQL's index is keyed by (kind, ref_id) already and is unchanged.

The downgrade copies the entries back under the former keys, their scope tokens unmarked.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

COLUMNS = "title, body, scope"
TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"
BY_KIND = "((rowid % 8) << 40) + rowid / 8"
BY_ID = "(rowid & 1099511627775) * 8 + (rowid >> 40)"
MARKED = "ltrim(replace(' ' || scope, ' ', ' ' || char(57344)))"
UNMARKED = "replace(scope, char(57344), '')"


def _rekey(key, scope):
    op.execute("ALTER TABLE search_index RENAME TO search_index_before")
    op.execute(f"CREATE VIRTUAL TABLE search_index USING fts5({COLUMNS}, {TOKENIZE})")
    # In key order: FTS5 appends to its segments rather than merging them at every entry.
    op.execute(f"INSERT INTO search_index (rowid, {COLUMNS}) SELECT {key}, title, body, {scope} "  # noqa: S608
               f"FROM search_index_before ORDER BY {key}")
    op.execute("DROP TABLE search_index_before")


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rekey(BY_KIND, MARKED)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rekey(BY_ID, UNMARKED)
