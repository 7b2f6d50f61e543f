"""A search for one person: what the index matches, joined in SQL to the rows themselves under
the same rules as the pages (``visible_requests``, ``visible_messages``, ``findable_documents``,
``findable_resources``), so that nothing one may not open is returned, counted or excerpted;
then filtered, ordered (best match or newest first), grouped by kind and paginated. Members
search their current organization, as their lists do; staff search across the organizations
they serve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, literal, select, union_all

from extranet.documents.models import Document
from extranet.documents.rules import findable_documents
from extranet.extensions import db
from extranet.organizations.models import Organization
from extranet.requests.models import Message, ServiceRequest
from extranet.requests.rules import (
    reach_outside_fields,
    request_organizations,
    request_scope,
    visible_messages,
    visible_requests,
)
from extranet.resources.models import Resource
from extranet.resources.rules import findable_resources, readable_fields
from extranet.search.engines import (
    DOCUMENT,
    KINDS,
    MESSAGE,
    REQUEST,
    RESOURCE,
    assignee_token,
    engine_for,
    field_token,
    organization_token,
    resource_token,
)
from extranet.search.query import Query, parse
from extranet.web.pager import PageLinks

GROUP_SIZE = 5  # results of each kind shown together when no kind is chosen
PAGE_SIZE = 20
# Counted exactly up to here ("200+" beyond, 10 pages): a count reads the rules for every
# match it counts, and so does ranking for each candidate (``_best``); past a couple of hundred
# results, one adds a word or a filter rather than pages on. 500 cost an expert's common search
# at x10 on PostgreSQL 10-20 ms of its 100 (bench/RESULTS.md).
COUNT_CAP = 200
MAX_PAGE = COUNT_CAP // PAGE_SIZE
# Matches of a kind ranked at first, across organizations (``_ranked``): the newest, twice
# the count's cap, so that the rules leave enough of them to count without reading more.
CANDIDATES = 2 * COUNT_CAP
SORTS = ("best", "newest")
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Filters:
    """What the URL asks for, checked: unknown values are dropped, never an error."""

    text: str = ""
    kind: str = ""
    field: str = ""
    organization_id: int | None = None
    since: date | None = None
    until: date | None = None
    state: str = ""
    sort: str = "best"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        def day(name):
            try:
                return date.fromisoformat(args.get(name) or "")
            except ValueError:
                return None

        def number(name, default=None):
            value = args.get(name, "")
            return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else default

        kind = args.get("kind", "")
        sort = args.get("sort", "")
        return cls(
            text=(args.get("q") or "").strip()[:200],
            kind=kind if kind in KINDS else "",
            field=(args.get("field") or "")[:40],
            organization_id=number("org"),
            since=day("since"),
            until=day("until"),
            state=(args.get("state") or "")[:40],
            sort=sort if sort in SORTS else "best",
            page=min(number("page", 1), MAX_PAGE),
        )


@dataclass
class Found(PageLinks):
    """The hits of a search: ``hits[kind]`` as (kind, id) in order; ``counts[kind]`` up to
    ``COUNT_CAP`` (``capped`` when there are more)."""

    query: Query
    filters: Filters
    hits: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    cap = COUNT_CAP

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def capped(self, kind: str) -> bool:
        return self.counts.get(kind, 0) > COUNT_CAP

    # A kind's pages, as the pager macro reads them (``page`` and ``pages``; PageLinks the rest).
    @property
    def pages(self) -> int:
        count = min(self.counts.get(self.filters.kind, 0), COUNT_CAP)
        return max(1, -(-count // PAGE_SIZE))

    @property
    def page(self) -> int:
        return self.filters.page


def _bounds(filters: Filters):
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    since = datetime.combine(filters.since, time.min, tzinfo=zone) if filters.since else None
    until = datetime.combine(filters.until, time.max, tzinfo=zone) if filters.until else None
    return since, until


def _dated(query, column, since, until):
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column <= until)
    return query


def _bases(user, query: Query, filters: Filters, organization: Organization | None) -> dict[str, tuple]:
    """Per kind but a reference's, (select, id column, date column) of what ``user`` may open
    under ``filters``, before the index is read."""
    scope = request_scope(user)
    since, until = _bounds(filters)
    R, M, D = ServiceRequest, Message, Document
    bases = {}
    for name in _kinds(query, filters, organization):
        kind = KINDS[name]
        if kind in (REQUEST, MESSAGE):
            if kind == REQUEST:
                base, row, at = visible_requests(user, scope), R.id, R.created_at
            else:
                base, row, at = visible_messages(user, scope), M.id, M.created_at
            if filters.field:
                base = base.where(R.field == filters.field)
            if organization is not None:
                base = base.where(R.organization_id == organization.id)
            if filters.state:
                base = base.where(R.state == filters.state)
        elif kind == DOCUMENT:
            base, row, at = findable_documents(user, scope), D.id, D.updated_at
            if filters.field:
                base = base.where(D.field == filters.field)
            if organization is not None:
                base = base.where(D.organization_id == organization.id)
        else:
            base, row, at = findable_resources(user), Resource.id, Resource.published_at
            if filters.field:
                base = base.where(Resource.field == filters.field)
        bases[name] = (_dated(base, at, since, until), row, at)
    return bases


def _expert_scopes(user, query: Query, filters: Filters, organization: Organization | None) -> dict[int, list[str]]:
    """Per kind, the index's tokens an expert's search across organizations narrows its matches
    to (an engine whose index holds them, ``scoped``), all that the rules may let them see: of
    requests, messages and documents, their fields, the organizations they belong to and the
    requests they are assigned to (``reach_outside_fields``; ``findable_documents`` keeps an
    expert to their fields and organizations); of resources, the fields whose libraries they
    read. Empty for any other search. Without it every match of a common word, in every
    field, is read against the rules."""
    if (query.reference or user.is_admin or not user.field_slugs or request_scope(user) is not None
            or organization is not None or not getattr(engine_for(db.session.connection()), "scoped", False)):
        return {}
    fields = sorted(user.field_slugs)
    if filters.field:  # the other fields' rows are the organizations' and assignments'
        fields = [filters.field] if filters.field in user.field_slugs else []
    rows = ([field_token(f) for f in fields] + [organization_token(o) for o in reach_outside_fields(user)]
            + [assignee_token(user.id)])
    # A token no entry holds when no library is readable: an FTS5 "OR" of nothing is an error.
    resources = [resource_token(f) for f in readable_fields(user)] or ["none"]
    return {REQUEST: rows, MESSAGE: rows, DOCUMENT: rows, RESOURCE: resources}


def _selects(user, query: Query, filters: Filters, organization: Organization | None,
             from_keys: dict[str, int | None] | None = None) -> dict[str, object]:
    """Per kind, a select of (id, score, at) of what matches and ``user`` may open.
    ``from_keys``: per kind, where in the index to start reading (``_ranked``); for an expert
    (``_expert_scopes``), in the entries of their scope."""
    engine = engine_for(db.session.connection())
    scopes = _expert_scopes(user, query, filters, organization)
    # A member's rows (or one organization's) are few: the index is checked against them
    # rather than every match against the rules.
    narrow = request_scope(user) is not None or organization is not None
    if query.reference:
        R = ServiceRequest
        base = visible_requests(user, request_scope(user)).where(R.reference == query.reference)
        return {name: base.with_only_columns(R.id.label("id"), literal(1.0).label("score"), R.created_at.label("at"))
                for name in _kinds(query, filters, organization)}
    selects = {}
    for name, (base, row, at) in _bases(user, query, filters, organization).items():
        kind = KINDS[name]
        from_key = (from_keys or {}).get(name)
        if kind in scopes:
            matches = engine.matches(query, kind, from_key=from_key, scope=scopes[kind])
        else:
            matches = engine.matches(query, kind, within=base.with_only_columns(row) if narrow else None,
                                     from_key=from_key)
        selects[name] = (base.join(matches, matches.c.ref_id == row)
                         .with_only_columns(row.label("id"), matches.c.score.label("score"), at.label("at")))
    return selects


def _ranked_within(user, query: Query, filters: Filters, organization) -> dict[str, list[int]]:
    """A member's search (or one organization's), on an engine that scores every kind in one
    reading of the index (``within``): each kind's matches among the reader's rows, ranked here
    (few: one organization's), up to one past the count's cap."""
    engine = engine_for(db.session.connection())
    bases = _bases(user, query, filters, organization)
    scores = engine.within(db.session.connection(), query,
                           {KINDS[name]: base.with_only_columns(row) for name, (base, row, _at) in bases.items()},
                           **_within_scope(user, organization))
    found = {}
    for name, (_base, row, at) in bases.items():
        scored = scores.get(KINDS[name], {})
        dated = []
        ids = sorted(scored)
        for start in range(0, len(ids), 5000):  # the rules passed them: their dates by primary key
            dated += db.session.execute(select(row, at).where(row.in_(ids[start:start + 5000]))).all()

        def order(item, best=filters.sort == "best", scored=scored):
            i, when = item
            newest = (when is not None, when if when is not None else 0, i)
            return (scored[i], *newest) if best else newest

        found[name] = [i for i, _when in sorted(dated, key=order, reverse=True)[:COUNT_CAP + 1]]
    return found


def _within_scope(user, organization: Organization | None) -> dict:
    """``within``'s scope on an engine whose index holds one (``scoped``): the organizations a
    member's search (or one organization's) may show rows of, and the fields of the libraries
    one reads. Only a narrowing, as an expert's (``_expert_scopes``): the rules still decide."""
    if not getattr(engine_for(db.session.connection()), "scoped", False):
        return {}
    orgs = [organization.id] if organization is not None else request_organizations(user, request_scope(user))
    return {"scope": [organization_token(o) for o in orgs] + [resource_token(f) for f in readable_fields(user)]}


def _kinds(query: Query, filters: Filters, organization: Organization | None) -> list[str]:
    wanted = [filters.kind] if filters.kind else list(KINDS)
    if query.reference:  # a reference is a request, found by its own column
        wanted = [k for k in wanted if k == "request"]
    if filters.state:  # a state is a request's: messages follow their request's
        wanted = [k for k in wanted if k in ("request", "message")]
    if organization is not None:  # resources belong to no organization
        wanted = [k for k in wanted if k != "resource"]
    return wanted


def _ordered(select_, sort: str):
    sub = select_.subquery()
    order = [sub.c.at.desc().nulls_last()] if sort == "newest" else [sub.c.score.desc(), sub.c.at.desc().nulls_last()]
    return select(sub.c.id).order_by(*order, sub.c.id.desc())


def _count(select_) -> int:
    """How many rows ``select_`` gives, up to one past the cap: read in no order, it stops there
    and scores nothing."""
    capped = select_.with_only_columns(literal(1)).limit(COUNT_CAP + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(capped))


def _windowed(total: int | None, candidates: int) -> bool:
    """Whether a kind's matches are ranked from its newest ``candidates`` rather than all: when
    they are more, or may be (an engine's total of None, ``PostgresEngine.totals``)."""
    return total is None or candidates < total


def _ranked(user, query: Query, filters: Filters, organization, needed: int) -> tuple[dict[str, list[int]], set[str]]:
    """Per kind, the ids of the first ``needed`` results in order, and the kinds whose count is
    the number of ids returned. Ranking scores every match it reads, and a common word matches a
    large share of the index. A member's matches (one organization's) are few once checked
    against their rows: all of them are ranked, up to the count's cap (on SQLite, every kind's
    in one reading of the index, ``_ranked_within``). Across organizations (staff), when a
    kind's matches are more than ``CANDIDATES``, only its newest ``CANDIDATES`` are ranked
    at first, more while the reader's rules leave fewer than ``needed`` of them, all when that
    is all. A reference ranks everything. PostgreSQL's totals say only which kinds have entries
    (counting reads every match's row): ``newest_keys`` alone bounds its ranking."""
    engine = engine_for(db.session.connection())
    connection = db.session.connection()
    narrow = request_scope(user) is not None or organization is not None
    kinds = _kinds(query, filters, organization)
    # A member's search on SQLite reads the index once for all kinds anyway: totals would add
    # a reading. PostgreSQL's say which kinds have no entries to leave out, in a lookup each.
    one_reading = narrow and hasattr(engine, "within")
    # An expert's matches: those within their scope counted, bounded and ranked (``_expert_scopes``).
    scopes = _expert_scopes(user, query, filters, organization)
    totals = None
    if not (query.reference or one_reading or not kinds):
        totals = {}
        for scope in {tuple(scopes.get(KINDS[name], ())) for name in kinds}:
            alike = [KINDS[name] for name in kinds if tuple(scopes.get(KINDS[name], ())) == scope]
            totals.update(engine.totals(connection, query, alike, **({"scope": list(scope)} if scope else {})))
    found: dict[str, list[int]] = {name: [] for name in kinds}
    # A kind nothing matches needs no rules read: none, and counted.
    todo = kinds if totals is None else [name for name in kinds if totals.get(KINDS[name]) != 0]
    exact = set(kinds) - set(todo)
    if one_reading and not query.reference:
        return _ranked_within(user, query, filters, organization), set(kinds)
    if narrow or query.reference or not kinds:
        selects = _selects(user, query, filters, organization)
        for name in todo:
            found[name] = list(db.session.scalars(_ordered(selects[name], filters.sort).limit(COUNT_CAP + 1)))
        return found, set(kinds)
    candidates = dict.fromkeys(todo, CANDIDATES)
    while todo:
        from_keys = {name: engine.newest_keys(connection, query, KINDS[name], candidates[name],
                                              **({"scope": scopes[KINDS[name]]} if scopes else {}))
                     if _windowed(totals[KINDS[name]], candidates[name]) else None for name in todo}
        selects = _selects(user, query, filters, organization, from_keys)
        for name in todo:
            found[name] = list(db.session.scalars(_ordered(selects[name], filters.sort).limit(needed)))
            if from_keys[name] is None and len(found[name]) < needed:
                exact.add(name)
            # As many more as the share the rules left suggests, twice over.
            candidates[name] *= max(4, 2 * needed // max(len(found[name]), 1))
        todo = [name for name in todo if len(found[name]) < needed and from_keys[name] is not None]
    return found, exact


def _scored(user, query: Query, filters: Filters, organization) -> bool:
    """Whether ``_ranked_scored`` answers: an expert's search by best match (``_expert_scopes``)
    on an engine that scores every kind in one statement."""
    return (filters.sort == "best" and hasattr(engine_for(db.session.connection()), "scores")
            and bool(_expert_scopes(user, query, filters, organization)))


def _ranked_scored(user, query: Query, filters: Filters, organization,
                   needed: int) -> tuple[dict[str, list[int]], dict[str, int]]:
    """``_ranked`` and the counts for an expert's search, with the same results: each kind's
    matches within the expert's scope, its newest ``CANDIDATES`` when they are more (always,
    when the engine's total is None), scored in one statement for all kinds (bm25's statistics
    are a reading of each word's whole list, per statement; PostgreSQL's ``newest_scores``
    finds the windows in that statement too); then the rules read for the best-scored only, as
    many as give ``needed`` results, and for as many as the count needs (up to one past its
    cap) rather than for every candidate in SQL (3.5–7.5 µs each, thousands per kind)."""
    connection = db.session.connection()
    engine = engine_for(connection)
    scopes = _expert_scopes(user, query, filters, organization)
    kinds = _kinds(query, filters, organization)
    # Each kind's tokens are its own (a resource holds only ``rf…``), so one reading serves all.
    scope = sorted({token for name in kinds for token in scopes[KINDS[name]]})
    # Where each kind's entries are a range of keys (``SqliteEngine.key``), a kind's newest
    # matches are listed without reading the others': less than counting every kind's matches.
    # A total of None is "some may match" (``PostgresEngine.totals``): the kind is windowed.
    apart = getattr(engine, "kinds_apart", False)
    totals = ({} if apart or not kinds
              else engine.totals(connection, query, [KINDS[name] for name in kinds], scope=scope))
    bases = _bases(user, query, filters, organization)
    found: dict[str, list[int]] = {name: [] for name in kinds}
    counts = {name: 0 for name in kinds if totals.get(KINDS[name]) == 0}
    todo = [name for name in kinds if name not in counts]
    candidates = dict.fromkeys(todo, CANDIDATES)
    while todo:
        scored = None  # an engine may score each window as it finds it (``newest_scores``)
        if apart:
            newest = {name: engine.newest(connection, query, KINDS[name], candidates[name], scope) for name in todo}
            counts.update({name: 0 for name in todo if not newest[name][0]})
            todo = [name for name in todo if newest[name][0]]
            from_keys = {name: newest[name][1] if newest[name][0] == candidates[name] else None for name in todo}
        elif hasattr(engine, "newest_scores"):  # the windows and their scores in one reading of the index
            keys, scored = engine.newest_scores(connection, query, {
                KINDS[name]: candidates[name] if _windowed(totals[KINDS[name]], candidates[name]) else None
                for name in todo}, scope)
            from_keys = {name: keys[KINDS[name]] for name in todo}
        else:
            from_keys = {name: engine.newest_keys(connection, query, KINDS[name], candidates[name], scope=scope)
                         if _windowed(totals[KINDS[name]], candidates[name]) else None for name in todo}
        if not todo:
            break
        scores = scored if scored is not None else engine.scores(
            connection, query, {KINDS[name]: from_keys[name] for name in todo}, scope)
        best = _best(engine, {name: bases[name] for name in todo}, {name: scores[KINDS[name]] for name in todo},
                     needed)
        for name in todo:
            found[name], passed = best[name]
            if passed > COUNT_CAP or from_keys[name] is None:
                counts[name] = passed  # enough to cap the count, or every match was a candidate
            # As many more as the share the rules left suggests, twice over (``_ranked``).
            candidates[name] *= max(4, 2 * needed // max(len(found[name]), 1))
        todo = [name for name in todo if len(found[name]) < needed and from_keys[name] is not None]
    uncounted = [name for name in kinds if name not in counts]
    if uncounted:  # fewer than the cap among the newest, more matches before them: counted in SQL
        selects = _selects(user, query, filters, organization)
        counts.update({name: _count(selects[name]) for name in uncounted})
    return found, counts


def _best(engine, bases: dict[str, tuple], scored: dict[str, dict[int, float]],
          needed: int) -> dict[str, tuple[list[int], int]]:
    """Per kind, the ``needed`` best of ``scored[kind]`` (id: score) that the rules (``bases``)
    let through, by score, date and id as ``_ordered``; and how many pass among all of them,
    up to one past the count's cap. The rules are read for the best-scored first, as many as
    the count needs, with every candidate tied with the last one read: any other scores less,
    so the best of those that pass are the first results. Every kind's in one statement (a
    statement per kind cost each its own round trip and plan), in most searches one in all."""
    ranked = {name: sorted(ids, key=ids.__getitem__, reverse=True) for name, ids in scored.items()}
    dated: dict[str, list] = {name: [] for name in scored}
    read = dict.fromkeys(scored, 0)
    wanted = max(needed, COUNT_CAP + 1)
    while True:
        chunks = {}
        for name, ids in ranked.items():
            if read[name] < len(ids) and len(dated[name]) < wanted:
                end = min(read[name] + wanted - len(dated[name]), len(ids))
                while end < len(ids) and scored[name][ids[end]] == scored[name][ids[end - 1]]:
                    end += 1
                chunks[name], read[name] = ids[read[name]:end], end
        if not chunks:
            break
        names, selects = list(chunks), []
        for part, (name, chunk) in enumerate(chunks.items()):
            base, row, at = bases[name]
            selects.append(base.with_only_columns(literal(part).label("part"), row, at).where(engine.among(row, chunk)))
        for part, ref_id, when in db.session.execute(union_all(*selects) if len(selects) > 1 else selects[0]):
            dated[names[part]].append((ref_id, when))

    def best(name):
        score = scored[name]

        def order(item):
            i, when = item
            return (score[i], when is not None, when if when is not None else 0, i)

        return ([i for i, _when in sorted(dated[name], key=order, reverse=True)[:needed]],
                min(len(dated[name]), COUNT_CAP + 1))

    return {name: best(name) for name in scored}


def search(user, filters: Filters, organization: Organization | None = None) -> Found:
    """Run ``filters`` for ``user``. ``organization`` narrows it (staff's filter, checked by
    the caller); a member's search is always within the current organization."""
    query = parse(filters.text)
    found = Found(query, filters)
    if query.empty:
        return found
    query = engine_for(db.session.connection()).prepare(db.session.connection(), query)
    start = (filters.page - 1) * PAGE_SIZE if filters.kind else 0
    needed = start + (PAGE_SIZE if filters.kind else GROUP_SIZE)
    if _scored(user, query, filters, organization):
        ranked, counts = _ranked_scored(user, query, filters, organization, needed)
    else:
        ranked, exact = _ranked(user, query, filters, organization, needed)
        # Counting needs the selects unbounded; a member's search never counts apart.
        selects = _selects(user, query, filters, organization) if set(ranked) - exact else {}
        # Otherwise counted apart, up to the cap, in no order and unscored.
        counts = {name: len(ids) if name in exact else _count(selects[name]) for name, ids in ranked.items()}
    for name, ids in ranked.items():
        found.counts[name] = counts[name]
        if ids[start:]:
            found.hits[name] = ids[start:start + (PAGE_SIZE if filters.kind else GROUP_SIZE)]
    return found
