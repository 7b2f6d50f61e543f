"""The SQLite search index holds each entry's field, organization and assigned experts (a
``scope`` column of tokens), for an expert's search to narrow its matches inside FTS5

Revision ID: 0034
Revises: 0030
Create Date: 2026-12-06 02:30:00.000000

FTS5 adds no column to a table: the index is made again with a third column, ``scope``, and
every entry copied over, its stems as they were, with the tokens of its row's field
(``f`` and the slug in hexadecimal), organization (``o`` and its id) and assigned experts
(``a`` and each one's id); a message's are its request's; a resource's field is ``rf`` and
its slug in hexadecimal (``extranet/search/engines.py``, ``scope_tokens``;
this migration keeps its own copy, as a migration must stay what it was). Nothing is stemmed
again. PostgreSQL's index is unchanged: its searches read the rules as before.

The downgrade makes the index again without the column, the entries' text kept.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0030'
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"


def _tokens(field, organization, request="NULL"):
    assignees = ("(SELECT group_concat('a' || p.user_id, ' ') FROM request_participants p "
                 f"WHERE p.request_id = {request} AND p.role = 'assignee')")
    return (f"trim(coalesce('f' || lower(hex({field})), '') || coalesce(' o' || {organization}, '') "
            f"|| coalesce(' ' || {assignees}, ''))")


SCOPE = (
    "CASE o.rowid % 8"
    f" WHEN 1 THEN (SELECT {_tokens('r.field', 'r.organization_id', 'r.id')} FROM requests r"
    "   WHERE r.id = o.rowid / 8)"
    f" WHEN 2 THEN (SELECT {_tokens('r.field', 'r.organization_id', 'r.id')} FROM messages m"
    "   JOIN requests r ON r.id = m.request_id WHERE m.id = o.rowid / 8)"
    f" WHEN 3 THEN (SELECT {_tokens('d.field', 'd.organization_id')} FROM documents d WHERE d.id = o.rowid / 8)"
    " WHEN 4 THEN (SELECT 'rf' || lower(hex(s.field)) FROM resources s WHERE s.id = o.rowid / 8)"
    " END"
)


def _rebuild(columns, scope):
    op.execute("ALTER TABLE search_index RENAME TO search_index_before")
    op.execute(f"CREATE VIRTUAL TABLE search_index USING fts5({', '.join(columns)}, {TOKENIZE})")
    op.execute(f"INSERT INTO search_index (rowid, {', '.join(columns)}) "  # noqa: S608
               f"SELECT o.rowid, o.title, o.body{scope} FROM search_index_before o")
    op.execute("DROP TABLE search_index_before")


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(("title", "body", "scope"), f", coalesce({SCOPE}, '')")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild(("title", "body"), "")
