"""The PostgreSQL search index holds each entry's field, organization and assigned experts (a
``scope`` text[] column, in the GIN index with the text), for an expert's search to narrow its
matches inside the index as SQLite's does since 0034

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 05:00:00.000000

Each entry's scope is its row's tokens as SQLite's ``scope`` column holds them (``f`` and the
field's slug in hexadecimal, ``o`` and the organization's id, ``a`` and each assigned expert's
id; a message's are its request's; a resource's field is ``rf`` and its slug in hexadecimal),
each prefixed by the entry's kind and a colon (``1:f6872``): ``extranet/search/engines.py``,
``scope_tokens`` and ``PostgresEngine.scope``; this migration keeps its own copy, as a migration
must stay what it was. The GIN index on the text is made again over (document, scope), so that
one scan intersects the words with the scope. Filled in SQL, one statement a kind: the text
index is dropped first, or each row's new version would add all its words to it again.
SQLite's index is unchanged (0034 gave it its scope).

The downgrade drops the column and makes the index on the text alone again.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

REQUEST, MESSAGE, DOCUMENT, RESOURCE = 1, 2, 3, 4


def _field(kind, column, prefix="f"):
    return f"'{kind}:{prefix}' || encode(convert_to({column}, 'UTF8'), 'hex')"


def _scope(kind, field, organization, request=None):
    """The scope of an entry of ``kind``: NULLs (no field, no organization) left out."""
    tokens = f"array_remove(ARRAY[{_field(kind, field)}, '{kind}:o' || {organization}], NULL)"
    if request is None:
        return tokens
    return (f"{tokens} || coalesce((SELECT array_agg('{kind}:a' || p.user_id ORDER BY p.user_id) "
            f"FROM request_participants p WHERE p.request_id = {request} AND p.role = 'assignee'), '{{}}')")


FILLS = (
    f"UPDATE search_index s SET scope = {_scope(REQUEST, 'r.field', 'r.organization_id', 'r.id')} "
    f"FROM requests r WHERE s.kind = {REQUEST} AND r.id = s.ref_id",
    f"UPDATE search_index s SET scope = {_scope(MESSAGE, 'r.field', 'r.organization_id', 'r.id')} "
    f"FROM messages m JOIN requests r ON r.id = m.request_id WHERE s.kind = {MESSAGE} AND m.id = s.ref_id",
    f"UPDATE search_index s SET scope = {_scope(DOCUMENT, 'd.field', 'd.organization_id')} "
    f"FROM documents d WHERE s.kind = {DOCUMENT} AND d.id = s.ref_id",
    f"UPDATE search_index s SET scope = array_remove(ARRAY[{_field(RESOURCE, 'x.field', 'rf')}], NULL) "
    f"FROM resources x WHERE s.kind = {RESOURCE} AND x.id = s.ref_id",
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX ix_search_index_document")
    op.execute("ALTER TABLE search_index ADD COLUMN scope text[] NOT NULL DEFAULT '{}'")
    for fill in FILLS:
        op.execute(fill)
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the index built in fewer, larger runs
    op.execute("CREATE INDEX ix_search_index_document_scope ON search_index USING gin (document, scope)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("ALTER TABLE search_index DROP COLUMN scope")  # and the index over it
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")
