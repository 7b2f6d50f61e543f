"""The search index behind one interface, with two engines: SQLite FTS5 (embedded) and
PostgreSQL full-text search (production). Each keeps one entry per indexed row, keyed by its
kind and id, with a title (weighted higher) and a body; ``matches`` gives the (kind, ref_id,
score) of the entries a query matches, higher scores better, for the search service to join
to the rows themselves under the reader's rules.

The index is not a model: its structures differ by engine (an FTS5 virtual table and its
shadow tables; a table with a tsvector and its GIN index), so the migration (0013) builds
them and ``INDEX_TABLES`` tells Alembic's comparison and the tests which tables are the index's.
"""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import (
    Float,
    Integer,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, REGCONFIG, TSQUERY

from extranet.search.query import Query, stem, stemmed

# Kinds of entries, stored as small integers (the SQLite engine packs them into the rowid).
REQUEST, MESSAGE, DOCUMENT, RESOURCE = 1, 2, 3, 4
KINDS = {"request": REQUEST, "message": MESSAGE, "document": DOCUMENT, "resource": RESOURCE}
TABLE = "search_index"
TERMS = "search_terms"  # every word the index holds, to complete a prefix (``completed``)
INDEX_TABLES = {TABLE, TERMS, *(f"{TABLE}_{s}" for s in ("data", "idx", "content", "docsize", "config"))}
MAX_COMPLETIONS = 64  # words a prefix stands for, named; more are left to the engine's own prefix reading
MAX_BODY = 200_000  # characters of a body indexed: a longer file's text is cut (PostgreSQL caps a tsvector at 1 MB)


def is_index_table(name: str | None) -> bool:
    return name in INDEX_TABLES


def field_token(field: str) -> str:
    """A field as one token of the SQLite index's ``scope`` column: its slug in hexadecimal, so
    that a slug's hyphens or underscores (separators to the tokenizer) keep it one token."""
    return "f" + field.encode().hex()


def scope_tokens(field: str | None, organization_id: int | None, assignees=()) -> str:
    """An entry's scope, as both engines' ``scope`` columns hold it (``PostgresEngine.scope``
    prefixes each token with the kind): its field, organization and assigned experts (a
    message's are its request's), for a search to narrow its matches before the rules read
    them. Only ever a narrowing: the rules still decide what a reader may open."""
    tokens = [field_token(field)] if field else []
    if organization_id is not None:
        tokens.append(organization_token(organization_id))
    tokens += [assignee_token(user_id) for user_id in sorted(assignees)]
    return " ".join(tokens)


def resource_token(field: str) -> str:
    """A resource's field, apart from the other kinds' (an expert's resources are narrowed by
    other fields than their requests)."""
    return "r" + field_token(field)


def organization_token(organization_id: int) -> str:
    return f"o{int(organization_id)}"


def assignee_token(user_id: int) -> str:
    return f"a{int(user_id)}"


def completed(connection, query: Query) -> Query:
    """``query`` with the words of the index's list (``TERMS``) that begin with its prefix, when
    they are few enough to name (``MAX_COMPLETIONS``): a range of a B-tree, read in a moment."""
    if not query.prefix:
        return query
    high = query.prefix[:-1] + chr(ord(query.prefix[-1]) + 1)
    words = connection.scalars(text("SELECT DISTINCT term FROM search_terms WHERE term >= :low AND term < :high "
                                    "ORDER BY term LIMIT :limit"),
                               {"low": query.prefix, "high": high, "limit": MAX_COMPLETIONS + 1}).all()
    return query if len(words) > MAX_COMPLETIONS else replace(query, completions=tuple(words))


class SqliteEngine:
    """An FTS5 table (title, body, scope) with ``unicode61 remove_diacritics 2``, holding stems
    (``query.stemmed``): the rowid packs the kind and the row's id (``key``) so that writing an
    entry is a lookup by rowid, not a scan, and the kind in its high bits so that each kind's
    entries are one range of rowids, which FTS5 seeks to: a kind's newest matches are read
    without reading the other kinds' (``newest``). ``scope`` holds the entry's field and
    organization and assigned experts as tokens (``scope_tokens``), never matched by what a
    person types: an expert's search intersects its words with the tokens of what the rules may
    let them see inside FTS5 (``scoped``) rather than checking every match of a common word
    against the rules. Each scope token begins with ``MARK``, a character of Unicode's private
    use area, which the tokenizer keeps in a token (its categories L*, N* and Co) and no typed
    word holds (``query.WORD_RE``): titles and bodies are stems of typed-like words, so neither
    a word nor a scope token can match the other column, and the query needs no column
    filter (which made FTS5 read every match's positions: half of a common word's reading)."""

    name = "sqlite"
    scoped = True
    kinds_apart = True  # each kind's entries are one range of keys
    # bm25's weights per column: the title counts five times the body; the scope nothing.
    BM25 = "bm25(search_index, 5.0, 1.0, 0.0)"
    MARK = "\ue000"
    ID_BITS = 40

    @classmethod
    def key(cls, kind: int, ref_id: int) -> int:
        return (kind << cls.ID_BITS) + ref_id

    @classmethod
    def keys(cls, kind: int) -> tuple[int, int]:
        """The lowest and the highest key of ``kind``'s entries."""
        return cls.key(kind, 0), cls.key(kind + 1, 0) - 1

    @classmethod
    def split(cls, key: int) -> tuple[int, int]:
        """(kind, ref_id) of a key."""
        return key >> cls.ID_BITS, key & ((1 << cls.ID_BITS) - 1)

    @classmethod
    def _in_kind(cls, kind: int, from_key: int | None = None) -> str:
        low, high = cls.keys(kind)
        return f"rowid BETWEEN {max(low, int(from_key or 0))} AND {high}"

    def write(self, connection, kind: int, entries: list[tuple[int, str, str, str]]) -> None:
        if not entries:
            return
        self.delete(connection, kind, [ref_id for ref_id, *_rest in entries])
        rows = [{"key": self.key(kind, ref_id), "title": stemmed(title), "body": stemmed(body[:MAX_BODY]),
                 "scope": " ".join(self.MARK + token for token in scope.split())}
                for ref_id, title, body, scope in entries]
        connection.execute(
            text("INSERT INTO search_index (rowid, title, body, scope) VALUES (:key, :title, :body, :scope)"), rows)
        terms = {term for row in rows for column in ("title", "body") for term in row[column].split()}
        # One parameter: a row of parameters per word cost 5 µs each (16,000 words in a long file).
        connection.execute(text("INSERT OR IGNORE INTO search_terms (term) SELECT value FROM json_each(:terms)"),
                           {"terms": json.dumps(sorted(terms))})

    def delete(self, connection, kind: int, ref_ids: list[int]) -> None:
        if ref_ids:
            connection.execute(text("DELETE FROM search_index WHERE rowid = :key"),
                               [{"key": self.key(kind, ref_id)} for ref_id in ref_ids])

    def clear(self, connection) -> None:
        connection.execute(text("DELETE FROM search_index"))
        connection.execute(text("DELETE FROM search_terms"))

    @staticmethod
    def expression(query: Query, scope: list[str] | None = None) -> str:
        """The FTS5 query: every term quoted (only word characters reach it), all required (in
        the title or the body: only they hold words); with ``scope`` (tokens), only the entries
        holding one of them."""
        terms = [f'"{stem(w)}"' for w in query.words]
        terms += ['"' + " ".join(stem(w) for w in phrase) + '"' for phrase in query.phrases]
        if query.prefix and query.completions is not None:
            terms.append("(" + " OR ".join(f'"{w}"' for w in sorted({stem(query.prefix), *query.completions})) + ")")
        elif query.prefix:
            terms.append(f'("{stem(query.prefix)}" OR "{query.prefix}"*)')
        expression = "(" + " AND ".join(terms) + ")"
        if scope is not None:
            expression += " AND (" + " OR ".join(f'"{SqliteEngine.MARK}{token}"' for token in sorted(scope)) + ")"
        return expression

    def matches(self, query: Query, kind: int, within=None, from_key: int | None = None,
                scope: list[str] | None = None):
        """``within``: a select of the ids the reader may open, when they are few (a member's
        organization): the index is read once and each match checked against that set (the
        unary ``+`` keeps it out of FTS5, which would otherwise run the whole query again for
        each id and recompute bm25's statistics each time), so that only the reader's matches
        are scored. ``from_key``: read only the entries from that key up (``newest_keys``).
        ``scope``: only the entries holding one of those tokens (``scope_tokens``)."""
        # bm25 is lower for better matches.
        key = literal_column("search_index.rowid")
        matches = (
            select((key - self.key(kind, 0)).label("ref_id"),
                   literal_column(f"-{self.BM25}", Float).label("score"))
            .select_from(table(TABLE))
            .where(literal_column("search_index").op("MATCH")(self.expression(query, scope)),
                   key.between(max(self.keys(kind)[0], from_key or 0), self.keys(kind)[1]))
        )
        if within is not None:
            keys = within.with_only_columns(within.selected_columns[0] + self.key(kind, 0))
            matches = matches.where(literal_column("+search_index.rowid").in_(keys.scalar_subquery()))
        return matches.subquery(f"matches_{kind}")

    def prepare(self, connection, query: Query) -> Query:
        """``query`` with the indexed words its prefix stands for (``completions``), from the
        list of words (``search_terms``, a B-tree: a range read): FTS5 reads a prefix's words
        by merging their whole lists in memory, for every statement that reads the index (a
        common word's, ≈ 15 ms at ×10, four or five times a search), where the same words
        named are read like any other word, from where a statement starts."""
        return completed(connection, query)

    def within(self, connection, query: Query, rows: dict[int, object],
               scope: list[str] | None = None) -> dict[int, dict[int, float]]:
        """Per kind, the score of each of ``rows`` (a select of ids per kind) that matches, in one
        reading of the index for every kind: a member's rows are few, and each reading of a
        common word's matches costs as much as the next (rather than a reading per kind).
        ``scope``: only the entries holding one of those tokens (the reader's organizations),
        so that FTS5 skips through a common word's list rather than reading all of it."""
        keys = union_all(*(ids.with_only_columns(ids.selected_columns[0] + self.key(kind, 0)) for kind, ids in rows.items()))
        found: dict[int, dict[int, float]] = {kind: {} for kind in rows}
        for key, score in connection.execute(
            select(literal_column("search_index.rowid", Integer),
                   literal_column(f"-{self.BM25}", Float))
            .select_from(table(TABLE))
            .where(literal_column("search_index").op("MATCH")(self.expression(query, scope)),
                   literal_column("+search_index.rowid").in_(keys.scalar_subquery()))
        ):
            kind, ref_id = self.split(key)
            found[kind][ref_id] = score
        return found

    def scores(self, connection, query: Query, windows: dict[int, int | None],
               scope: list[str]) -> dict[int, dict[int, float]]:
        """Per kind of ``windows``, the score of each entry within ``scope`` that matches, from
        the kind's key up when one is given (``newest_keys``), in one statement for every kind:
        bm25 reads each term's whole list once per statement for its statistics (≈ 20 ms for a
        common word at ×10), and every statement reads the lists again."""
        kinds = [f"({self._in_kind(kind, key)})" for kind, key in windows.items()]
        # FTS5 seeks to one range of rowids, not to several: the one that holds every window.
        seek = (f" AND rowid BETWEEN {min(max(self.keys(k)[0], key or 0) for k, key in windows.items())}"
                f" AND {max(self.keys(kind)[1] for kind in windows)}") if windows else ""
        found: dict[int, dict[int, float]] = {kind: {} for kind in windows}
        for key, score in connection.execute(
            text(f"SELECT rowid, -{self.BM25} FROM search_index WHERE search_index MATCH :match{seek} "  # noqa: S608
                 f"AND ({' OR '.join(kinds)})").bindparams(match=self.expression(query, scope))
        ).all():  # at once: row by row, thousands of rows cost SQLAlchemy as much again
            kind, ref_id = self.split(key)
            found[kind][ref_id] = score
        return found

    def totals(self, connection, query: Query, kinds: list[int], scope: list[str] | None = None) -> dict[int, int]:
        """How many entries of each of ``kinds`` match (within ``scope``, when given), in one
        reading of the index and scoring none."""
        # Sums rather than GROUP BY: one pass, no sort of the matches.
        sums = ", ".join(f"SUM({self._in_kind(kind)})" for kind in kinds)
        row = connection.execute(text(f"SELECT {sums} FROM search_index WHERE search_index MATCH :match")  # noqa: S608
                                 .bindparams(match=self.expression(query, scope))).one()
        return {kind: total or 0 for kind, total in zip(kinds, row, strict=True)}

    def newest_keys(self, connection, query: Query, kind: int, count: int,
                    scope: list[str] | None = None) -> int | None:
        """The lowest key of the ``count`` newest entries of ``kind`` that match (within
        ``scope``, when given; rows are numbered in the order they are written), or None when fewer
        match: ranking reads entries in key order cheaply but scores each one it reads."""
        return connection.scalar(
            text(f"SELECT rowid FROM search_index WHERE search_index MATCH :match AND {self._in_kind(kind)} "  # noqa: S608
                 "ORDER BY rowid DESC LIMIT 1 OFFSET :offset")
            .bindparams(match=self.expression(query, scope), offset=count - 1))

    def newest(self, connection, query: Query, kind: int, count: int, scope: list[str]) -> tuple[int, int | None]:
        """How many of the ``count`` newest entries of ``kind`` match within ``scope``, and the
        lowest key among them: FTS5 seeks to the kind's range of keys and stops there, scoring
        none."""
        return tuple(connection.execute(
            text(f"SELECT count(*), min(rowid) FROM (SELECT rowid FROM search_index WHERE search_index "  # noqa: S608
                 f"MATCH :match AND {self._in_kind(kind)} ORDER BY rowid DESC LIMIT :count)")
            .bindparams(match=self.expression(query, scope), count=count)).one())

    @staticmethod
    def among(column, ids: list[int]):
        """``column IN ids`` as one parameter (``json_each``): a list of a thousand parameters
        made a statement of its own to compile, 7 ms, for a 3 ms reading."""
        return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(ids))))


# One object: two ``table()`` of the same name in a statement are two FROMs to SQLAlchemy.
_PG_INDEX = table(TABLE, column("kind"), column("ref_id"), column("document"), column("scope"))
# With each row's address, for ``newest_scores`` to fetch a window's rows again by it.
_PG_ROWS = table(TABLE, column("kind"), column("ref_id"), column("document"), column("scope"), column("ctid"))


class PostgresEngine:
    """A table (kind, ref_id, document tsvector, scope text[]) with one GIN index over both
    columns: the text without accents (``search_unaccent``, the migration's wrapper of the
    ``unaccent`` extension) under the french and the english configurations both, the title
    weighted A; the scope, the entry's ``scope_tokens`` each prefixed by its kind (``scope``).
    An expert's search asks for ``document @@ words AND scope && their tokens``: one scan of
    the index intersects the words' entries with the scope's (``scoped``), where checking
    every match of a common word against the rules read each match's row and tsvector. The
    scope is a column of its own, not lexemes of the tsvector: nothing typed can reach it."""

    name = "postgresql"
    scoped = True
    UPSERT = (
        "INSERT INTO search_index (kind, ref_id, document, scope) VALUES (:kind, :ref_id, "
        "setweight(to_tsvector('french', search_unaccent(:title)), 'A') || "
        "setweight(to_tsvector('english', search_unaccent(:title)), 'A') || "
        "to_tsvector('french', search_unaccent(:body)) || to_tsvector('english', search_unaccent(:body)), :scope) "
        "ON CONFLICT (kind, ref_id) DO UPDATE SET document = excluded.document, scope = excluded.scope"
    )

    @staticmethod
    def scope(kind: int, tokens) -> list[str]:
        """The ``scope`` column's elements for ``tokens`` of ``kind``: the kind in each, so that
        the index's scan of one kind's scope reads none of the other kinds' entries."""
        return [f"{kind}:{token}" for token in tokens]

    def write(self, connection, kind: int, entries: list[tuple[int, str, str, str]]) -> None:
        if not entries:
            return
        connection.execute(
            text(self.UPSERT),
            [{"kind": kind, "ref_id": ref_id, "title": title, "body": body[:MAX_BODY],
              "scope": self.scope(kind, scope.split())}
             for ref_id, title, body, scope in entries],
        )
        # The new words only, and no unique key: two writers adding the same new word both add
        # it (``completed`` reads each once) rather than one waiting for the other's commit,
        # a lock that a transaction writing the index at each flush would hold from then on.
        connection.execute(text(
            "INSERT INTO search_terms (term) SELECT DISTINCT word.term FROM search_index, "
            "unnest(tsvector_to_array(document)) AS word(term) WHERE kind = :kind AND ref_id = ANY(:ids) "
            "AND NOT EXISTS (SELECT FROM search_terms known WHERE known.term = word.term)"),
            {"kind": kind, "ids": [ref_id for ref_id, *_rest in entries]})

    def delete(self, connection, kind: int, ref_ids: list[int]) -> None:
        if ref_ids:
            connection.execute(text("DELETE FROM search_index WHERE kind = :kind AND ref_id = ANY(:ids)"),
                               {"kind": kind, "ids": list(ref_ids)})

    def clear(self, connection) -> None:
        connection.execute(text("TRUNCATE search_index, search_terms"))

    @staticmethod
    def lexeme(word: str) -> str:
        """``word`` as a tsquery's operand, as it stands (no parser nor dictionary)."""
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"

    @classmethod
    def tsquery(cls, query: Query):
        """The query as the index reads it: its text once ``prepare`` has written it, else
        written here."""
        if query.compiled is not None:
            return cast(bindparam(None, query.compiled), TSQUERY)
        return cls.written(query)

    @staticmethod
    def written(query: Query):
        """Every term under both configurations (either may match), all terms required; a term
        both stem alike once, so that each entry is checked against no word twice. Written by
        ``prepare`` once per search, whose statements then name the result: a ``CASE`` in
        each of them would leave the query unknown to the planner until it ran."""

        def both(function, value):
            parts = [getattr(func, function)(literal(config, REGCONFIG), func.search_unaccent(value))
                     for config in ("french", "english")]
            return case((cast(parts[0], Text) == cast(parts[1], Text), parts[0]), else_=parts[0].op("||")(parts[1]))

        terms = [both("plainto_tsquery", bindparam(None, w)) for w in query.words]
        terms += [both("phraseto_tsquery", bindparam(None, " ".join(p))) for p in query.phrases]
        if query.prefix:
            # The word itself, or the beginning of an indexed stem (to_tsquery's ":*"; only word
            # characters reach it), as typed, as SQLite's index reads it: the prefix's own stem
            # ("sign" for "signe") is often a common word, whose every entry the GIN index would
            # gather into a bitmap before intersecting anything (100 ms at x10).
            prefix = func.to_tsquery(literal("simple", REGCONFIG), func.search_unaccent(bindparam(None, query.prefix))
                                     .concat(":*"))
            own = both("plainto_tsquery", bindparam(None, query.prefix))
            if query.completions is None:
                terms.append(own.op("||")(prefix))
            elif query.completions:  # the index's words that begin with it, named (``prepare``)
                named = " | ".join(PostgresEngine.lexeme(w) for w in query.completions)
                terms.append(own.op("||")(cast(bindparam(None, named), TSQUERY)))
            else:
                terms.append(own)
        combined = terms[0]
        for term in terms[1:]:
            combined = combined.op("&&")(term)
        return combined

    def _where(self, query: Query, kind: int, scope: list[str] | None, by_kind: bool = True) -> list:
        """The conditions an entry of ``kind`` matches ``query`` by (within ``scope``, when given):
        in one scan of the GIN index. ``by_kind=False`` leaves the kind to the scope's elements,
        which name it."""
        index = self._index()
        conditions = [index.c.document.op("@@")(self.tsquery(query))]
        if by_kind:
            conditions.insert(0, index.c.kind == kind)
        if scope is not None:
            conditions.append(index.c.scope.op("&&")(literal(self.scope(kind, scope), ARRAY(Text))))
        return conditions

    def matches(self, query: Query, kind: int, within=None, from_key: int | None = None,
                scope: list[str] | None = None):
        """``within`` is left to the planner: a member's few rows join the index by its
        primary key (kind, ref_id). ``from_key``: only the entries from that id up.
        ``scope``: only the entries holding one of those tokens (``scope_tokens``)."""
        index = self._index()
        tsquery = self.tsquery(query)
        if scope is not None:
            # The scope's elements name the kind: the kind's own condition, multiplied in, made
            # the planner expect a few rows (a nested loop over every subscription, 5 s at x10).
            # A scope's matches are few and far between: read from the index, the range after.
            where = self._where(query, kind, scope, by_kind=False)
            if from_key is not None:
                where.append(index.c.ref_id >= from_key)
        elif from_key is not None:
            # The newest entries by the primary key, each checked: the planner would otherwise
            # read every match from the GIN index to intersect them with the range.
            index = (select(index.c.ref_id, index.c.document)
                     .where(index.c.kind == kind, index.c.ref_id >= from_key)
                     .cte(f"newest_{kind}").prefix_with("MATERIALIZED"))
            where = [index.c.document.op("@@")(tsquery)]
        else:
            where = self._where(query, kind, None)
        matches = (select(index.c.ref_id.label("ref_id"), func.ts_rank(index.c.document, tsquery).label("score"))
                   .where(*where))
        return matches.subquery(f"matches_{kind}")

    @staticmethod
    def _index():
        return _PG_INDEX

    def prepare(self, connection, query: Query) -> Query:
        """``query`` as this search's statements name it: its prefix's words listed and the
        whole query written once (``written``; None for a reference, read by its column). For
        this transaction only, no JIT compilation: the rules' subqueries make the planner's
        costs large enough to start it (seconds of compiling for a query of a few
        milliseconds), though they are bounded by the few entries they join."""
        # A prefix's words named (``completed``): the GIN index reads a prefix (":*") by
        # gathering every entry of each word it begins into a bitmap before intersecting
        # anything ("loc" in "bail loc": 30-45 ms at x10), named words from where they meet.
        query = completed(connection, query)
        # Nor parallel workers: starting them cost more (≈ 50 ms on a busy machine) than the
        # statements of a search they would share. Both as SET LOCAL, in the statement that
        # writes the query (``written``).
        written = None if query.reference else cast(self.written(query), Text)
        compiled = connection.execute(select(
            func.set_config("jit", "off", true()), func.set_config("max_parallel_workers_per_gather", "0", true()),
            written)).one()[2]
        return replace(query, compiled=compiled)

    def totals(self, connection, query: Query, kinds: list[int], scope: list[str] | None = None) -> dict[int, int | None]:
        """0 for the kinds that have no entry at all, None (some may match) for the others:
        counting the matches would read each one's row, and even whether one matches is a
        gamble for the planner (a common word is quicker found by the primary key, a rare one
        by the GIN index, and its estimates mistake one for the other). A kind with no entries
        would otherwise be ranked by a plan made for none (a whole-table scan). ``scope``
        changes nothing: ``newest_scores`` (or ``newest_keys``) reads within it."""
        index = self._index()
        some = [select(index.c.ref_id).where(index.c.kind == kind).limit(1).scalar_subquery() for kind in kinds]
        found = connection.execute(select(*some)).one()
        return {kind: None if key is not None else 0 for kind, key in zip(kinds, found, strict=True)}

    def scores(self, connection, query: Query, windows: dict[int, int | None],
               scope: list[str]) -> dict[int, dict[int, float]]:
        """Per kind of ``windows``, the ``ts_rank`` of each entry within ``scope`` that matches,
        from the kind's id up when one is given (``newest_keys``), in one statement for every
        kind: one scan of the GIN index for the words and the scope together, where a statement
        per kind joined to the rules read each candidate's rows in SQL (``_ranked``)."""
        index = self._index()
        tsquery = self.tsquery(query)
        kinds = [index.c.kind == kind if key is None else and_(index.c.kind == kind, index.c.ref_id >= key)
                 for kind, key in windows.items()]
        elements = [element for kind in windows for element in self.scope(kind, scope)]
        found: dict[int, dict[int, float]] = {kind: {} for kind in windows}
        for kind, ref_id, score in connection.execute(
            select(index.c.kind, index.c.ref_id, func.ts_rank(index.c.document, tsquery))
            .where(index.c.document.op("@@")(tsquery),
                   index.c.scope.op("&&")(literal(elements, ARRAY(Text))), or_(*kinds))
        ).all():
            found[kind][ref_id] = score
        return found

    # How many of a kind's newest entries ``newest_scores`` reads to tell a common query from a
    # rarer one, and the share of them that must match for its window to be read backwards
    # by the primary key, per kind (None: never). A backward reading costs each entry it reads
    # (≈ 0.4 µs a message, 2 µs a document, detoasted), the GIN index each match in scope
    # (≈ 3 µs, a heap page each): for the newest 1000 of 600,000 messages, backwards is
    # cheaper from a share of about 1.5 % (at x10: 7 ms rather than 110 ms for "contrat"); a
    # document's text makes it cheaper only for a word most of them hold (74 ms rather than
    # 11 ms for "contrat", 7 % of them).
    PROBE = 1000
    DENSE = {REQUEST: 0.025, MESSAGE: 0.025, DOCUMENT: 0.25}

    def newest_scores(self, connection, query: Query, windows: dict[int, int | None],
                      scope: list[str]) -> tuple[dict[int, int | None], dict[int, dict[int, float]]]:
        """``newest_keys`` and ``scores`` for every kind of ``windows`` in one statement: per kind,
        its ``count`` newest entries within ``scope`` that match (all of them when the count is
        None), scored; and the id of the lowest of them when there are ``count`` (None when
        fewer: they are all). The same results as the two, in one reading of each kind's
        matches rather than one to find the window and another to score it, and ``ts_rank``
        (≈ 2.5 µs an entry) for the window's entries only.

        Each window is read one of two ways, chosen in the statement by the share of the
        kind's ``PROBE`` newest entries that match (``DENSE``), not by the planner, whose
        estimate of two correlated words or of a prefix is off by several times (it read
        35,000 messages' matches from the GIN index for "bail loc", 130 ms, where reading the
        primary key backwards to the 1000th took 7 ms): backwards by the primary key, each
        entry checked, until ``count`` match; or every match from the GIN index (words and
        scope in one scan), sorted by id, the window's rows fetched again by their ``ctid``
        to be ranked (sorting the tsvectors themselves spilled to disk)."""
        tsquery = self.tsquery(query)
        branches = []
        dense = {}  # per kind read backwards when its probe says so: a boolean of the statement
        for kind, count in windows.items():
            if count is None or self.DENSE.get(kind) is None:
                continue
            elements = literal(self.scope(kind, scope), ARRAY(Text))
            rows = _PG_ROWS.alias(f"probed_{kind}")
            newest = (select(rows.c.document, rows.c.scope).where(rows.c.kind == kind)
                      .order_by(rows.c.ref_id.desc()).limit(self.PROBE).subquery(f"newest_{kind}"))
            probe = (select((func.count() >= max(1, round(self.PROBE * self.DENSE[kind]))).label("dense"))
                     .where(newest.c.scope.op("&&")(elements), newest.c.document.op("@@")(tsquery))
                     .cte(f"probe_{kind}").prefix_with("MATERIALIZED"))
            dense[kind] = select(probe.c.dense).scalar_subquery()
            # Backwards: the conditions as IS TRUE, which the GIN index cannot serve.
            rows = _PG_ROWS.alias(f"backwards_{kind}_rows")
            backwards = (select(rows.c.ref_id, rows.c.document)
                         .where(rows.c.kind == kind, rows.c.document.op("@@")(tsquery).is_(true()),
                                rows.c.scope.op("&&")(elements).is_(true()), dense[kind])
                         .order_by(rows.c.ref_id.desc()).limit(count).subquery(f"backwards_{kind}"))
            branches.append(select(literal(kind).label("kind"), backwards.c.ref_id,
                                   func.ts_rank(backwards.c.document, tsquery).label("score")))
        # The other kinds' matches in one scan of the GIN index: each scan reads the words'
        # whole lists again (≈ 20 ms for a common word at x10), whatever the kind.
        elements = literal([e for kind in windows if kind not in dense for e in self.scope(kind, scope)], ARRAY(Text))
        for kind in dense:
            elements = elements.op("||")(case((dense[kind], literal([], ARRAY(Text))),
                                              else_=literal(self.scope(kind, scope), ARRAY(Text))))
        rows = _PG_ROWS.alias("matching")
        gin = (select(rows.c.kind, rows.c.ref_id, rows.c.ctid)
               .where(rows.c.document.op("@@")(tsquery), rows.c.scope.op("&&")(elements))
               .cte("gin").prefix_with("MATERIALIZED"))
        for kind, count in windows.items():
            window = select(gin.c.ctid).where(gin.c.kind == kind)
            if count is not None:
                window = window.order_by(gin.c.ref_id.desc()).limit(count)
            ranked = _PG_ROWS.alias(f"ranked_{kind}")
            branches.append(select(literal(kind).label("kind"), ranked.c.ref_id,
                                   func.ts_rank(ranked.c.document, tsquery).label("score"))
                            .where(ranked.c.ctid == any_(func.array(window.scalar_subquery()))))
        found: dict[int, dict[int, float]] = {kind: {} for kind in windows}
        for kind, ref_id, score in connection.execute(union_all(*branches)).all():
            found[kind][ref_id] = score
        keys = {kind: min(found[kind]) if count is not None and len(found[kind]) >= count else None
                for kind, count in windows.items()}
        return keys, found

    @staticmethod
    def among(column, ids: list[int]):
        """``column IN (unnest(ids))``, one array parameter: a list of a thousand parameters is
        a statement of its own to compile and to plan. As a set to join rather than ``= ANY``,
        whose estimate made the planner AND the ids' bitmap with a whole index of the rules
        (every document's organization and field, 8 ms at x10) before reading the few rows."""
        return column.in_(select(func.unnest(literal(list(ids), ARRAY(Integer)))).scalar_subquery())

    def newest_keys(self, connection, query: Query, kind: int, count: int,
                    scope: list[str] | None = None) -> int | None:
        """The id of the ``count``-th newest entry of ``kind`` that matches (within ``scope``,
        when given), or None when fewer match: the primary key (kind, ref_id) read backwards,
        each entry checked, when the query is common; the GIN index and a sort when it is rare
        or scoped (the planner's choice, from the words' statistics)."""
        index = self._index()
        return connection.scalar(select(index.c.ref_id).where(*self._where(query, kind, scope))
                                 .order_by(index.c.ref_id.desc()).offset(count - 1).limit(1))


ENGINES = {"sqlite": SqliteEngine(), "postgresql": PostgresEngine()}


def engine_for(connection_or_engine) -> SqliteEngine | PostgresEngine:
    return ENGINES[connection_or_engine.dialect.name]
