"""The search index: an FTS5 table on SQLite, a tsvector table with a GIN index on PostgreSQL,
filled from the existing rows

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 19:00:00.000000

One entry per request (reference and title; description and the answers of its form), message
(body and attachments' names; internal notes too, which the search filters by the reader's
rules), document of an organization or a request (title and current file's name) and resource
(title; summary and file's name). ``extranet/search/engines.py`` describes the two structures;
this migration keeps its own copy of what it writes, as a migration must stay what it was when
the code moves on. On SQLite the text is stored as its stems (French and English snowball
stemmers, the shorter answer), the rowid packing the kind and the row's id (``id * 8 + kind``).
PostgreSQL needs the ``unaccent`` extension (a trusted extension: the database's owner may
create it). The index calls it through ``search_unaccent(text)``, a function created here in the
application's schema that names the extension's own schema: the extension may already live in
another schema of the database, off the application's search path.

The downgrade drops the index; nothing else depends on it.
"""
import json
import re
import unicodedata

import snowballstemmer
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

REQUEST, MESSAGE, DOCUMENT, RESOURCE = 1, 2, 3, 4
BATCH = 1000
WORD_RE = re.compile(r"\w+")
FRENCH, ENGLISH = snowballstemmer.stemmer("french"), snowballstemmer.stemmer("english")
VECTOR = (
    "setweight(to_tsvector('french', search_unaccent(:title)), 'A') || "
    "setweight(to_tsvector('english', search_unaccent(:title)), 'A') || "
    "to_tsvector('french', search_unaccent(:body)) || to_tsvector('english', search_unaccent(:body))"
)


def _stemmed(text):
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    stems = []
    for word in WORD_RE.findall(folded):
        french, english = FRENCH.stemWord(word), ENGLISH.stemWord(word)
        stems.append(english if len(english) < len(french) else french)
    return " ".join(stems)


def _answers(data):
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return ""
    if not isinstance(data, dict):
        return ""
    found = []
    for value in data.values():
        found += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v]
    return "\n".join(found)


def _current_files(bind, ids):
    if not ids:
        return {}
    rows = bind.execute(sa.text(
        "SELECT f.document_id, f.filename FROM file_versions f WHERE f.kind = 'document' "
        "AND f.document_id IN :ids AND f.number = (SELECT MAX(g.number) FROM file_versions g "
        "WHERE g.document_id = f.document_id)").bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})
    return dict(rows.all())


def _entries(bind, kind, last):
    """The next batch of (id, title, body) of ``kind`` after id ``last``."""
    page = {"last": last, "batch": BATCH}
    if kind == REQUEST:
        rows = bind.execute(sa.text("SELECT id, reference, title, description, data FROM requests "
                                    "WHERE id > :last ORDER BY id LIMIT :batch"), page).all()
        return [(i, f"{ref} {title}", f"{desc or ''}\n{_answers(data)}") for i, ref, title, desc, data in rows]
    if kind == MESSAGE:
        rows = bind.execute(sa.text("SELECT id, body FROM messages WHERE id > :last ORDER BY id LIMIT :batch"),
                            page).all()
        names = {}
        if rows:
            for message_id, filename in bind.execute(sa.text(
                "SELECT message_id, filename FROM file_versions WHERE kind = 'attachment' "
                "AND message_id IN :ids ORDER BY id").bindparams(sa.bindparam("ids", expanding=True)),
                {"ids": [i for i, _b in rows]},
            ):
                names.setdefault(message_id, []).append(filename)
        return [(i, "", "\n".join([body or "", *names.get(i, [])])) for i, body in rows]
    if kind == DOCUMENT:
        rows = bind.execute(sa.text("SELECT id, title, organization_id FROM documents WHERE id > :last "
                                    "ORDER BY id LIMIT :batch"), page).all()
        files = _current_files(bind, [i for i, _t, org in rows if org is not None])
        # A resource's document (no organization) is found through its resource: an empty entry
        # keeps the batches going.
        return [(i, f"{title} {files.get(i, '')}".strip(), "") if org is not None else (i, None, None)
                for i, title, org in rows]
    rows = bind.execute(sa.text("SELECT id, title, summary, document_id FROM resources WHERE id > :last "
                                "ORDER BY id LIMIT :batch"), page).all()
    files = _current_files(bind, [d for *_r, d in rows])
    return [(i, title, f"{summary or ''}\n{files.get(d, '')}") for i, title, summary, d in rows]


def upgrade():
    bind = op.get_bind()
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        schema = bind.execute(sa.text(
            "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'unaccent'")).scalar_one()
        op.execute(
            "CREATE OR REPLACE FUNCTION search_unaccent(text) RETURNS text "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
            f"AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$"
        )
        op.execute("CREATE TABLE search_index (kind smallint NOT NULL, ref_id integer NOT NULL, "
                   "document tsvector NOT NULL, PRIMARY KEY (kind, ref_id))")
        op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")
        insert = sa.text(f"INSERT INTO search_index (kind, ref_id, document) VALUES (:kind, :ref_id, {VECTOR})")
    else:
        op.execute("CREATE VIRTUAL TABLE search_index USING fts5("
                   "title, body, tokenize = 'unicode61 remove_diacritics 2')")
        insert = sa.text("INSERT INTO search_index (rowid, title, body) VALUES (:key, :title, :body)")
    for kind in (REQUEST, MESSAGE, DOCUMENT, RESOURCE):
        last = 0
        while True:
            entries = _entries(bind, kind, last)
            if not entries:
                break
            last = entries[-1][0]
            rows = [(i, t, b[:200_000]) for i, t, b in entries if t is not None]
            if not rows:
                continue
            if postgresql:
                bind.execute(insert, [{"kind": kind, "ref_id": i, "title": t, "body": b} for i, t, b in rows])
            else:
                bind.execute(insert, [{"key": i * 8 + kind, "title": _stemmed(t), "body": _stemmed(b)}
                                      for i, t, b in rows])


def downgrade():
    op.execute("DROP TABLE search_index")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION search_unaccent(text)")  # the extension stays: others may use it
