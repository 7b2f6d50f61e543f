"""What the ``pager`` macro reads of a list's pages besides ``page`` and ``pages``: whether
there is a previous and a next page, and their numbers (as Flask-SQLAlchemy's pagination
names them), for a list that is not a query's pagination."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select

from extranet.extensions import db


class PageLinks:
    """Mixed into a class that has ``page`` (from 1) and ``pages``."""

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# -- a query's pages whose count stops at a bound ----------------------------------------------
#
# ``db.paginate`` counts every row of the list to show "page 3 of 1,960": on the global request
# list at ×10 that ``count(*)`` over everything a reader may see was most of the page's time
# (≈ 250 of 318 ms for an expert). As the search page does (``COUNT_CAP`` in
# ``extranet/search/service.py``), ``BoundedPage`` counts at most ``COUNT_CAP`` rows past the page
# asked for, so the count costs the same on page 1 and on page 100, and the pager says "more
# than" when it stopped. The rows are read in the order of an index (migration 0027 indexes the
# ordering column with the list's filters), so a deep page skips index entries, not sorted rows.
# Page numbers stay the URLs' (``?page=``, read with ``web.ids.page_arg``).

COUNT_CAP = 1000  # rows counted past the page shown; beyond it the pager says "more than"

# -- keyset pages ------------------------------------------------------------------------------
#
# An offset still makes the database walk every row before the page: for an expert, whose
# visibility is tested row by row, page 100 cost 2.5× page 1 at ×10. So the "next" and
# "previous" links carry the position of the page's last or first row (``?after=`` or
# ``?before=``, with ``?page=`` for the number shown), and the query starts there in the order's
# index: any page reached by the links costs what the first does. A URL with ``?page=`` alone (typed,
# or shared) is still answered by its offset, with the same rows. ``Keys`` names the order
# (its columns, descending or not, all non-null, the last unique); the position is
# ``name~value~value`` so that one of another order is ignored rather than misread.


class Keys:
    """The columns a list is ordered by: ``(column, descending)`` pairs, the last unique."""

    def __init__(self, name: str, *columns):
        self.name, self.columns = name, columns

    def values(self, row) -> list:
        return [getattr(row, column.key) for column, _desc in self.columns]

    def token(self, row) -> str:
        values = self.values(row)
        return "~".join([self.name, *(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)])

    def read(self, token: str | None) -> list | None:
        """The values of a position, or None when it is not one of this order's."""
        name, *parts = (token or "").split("~")
        if name != self.name or len(parts) != len(self.columns):
            return None
        values = []
        for (column, _desc), text in zip(self.columns, parts, strict=True):
            kind = getattr(column.type, "impl", column.type).python_type  # UTCDateTime's is its impl's
            try:
                value = datetime.fromisoformat(text) if kind is datetime else kind(text)
            except (TypeError, ValueError):
                return None
            if kind is int and not -2**63 <= value < 2**63:
                return None
            values.append(value)
        return values

    def beyond(self, values: list, forward: bool = True):
        """Rows after the position in the order (``forward``) or before it. The first column
        is also bounded on its own (``<=``/``>=``) so the database seeks to the position in the
        index instead of testing every row before it."""
        def step(column, desc, value, strict):
            if desc == forward:
                return column < value if strict else column <= value
            return column > value if strict else column >= value
        (first, first_desc), first_value = self.columns[0], values[0]
        ties = []
        for index, ((column, desc), value) in enumerate(zip(self.columns, values, strict=True)):
            ties.append(and_(*(c == v for (c, _d), v in zip(self.columns[:index], values[:index], strict=True)),
                             step(column, desc, value, True)))
        return and_(step(first, first_desc, first_value, False), or_(*ties))

    def order(self, forward: bool = True):
        return [(c.desc() if d == forward else c.asc()) for c, d in self.columns]


class BoundedPage(PageLinks):
    """What the templates read of Flask-SQLAlchemy's ``Pagination`` (``items``, ``page``,
    ``pages``, ``total``, the links) plus ``capped``: ``total`` is a lower bound when set.
    With ``keys`` (the query's order), the page starts at ``after`` or ends at ``before`` (a
    neighbour's position) when given, and ``next_keys``/``prev_keys`` are what its links add."""

    def __init__(self, query, page: int, per_page: int, cap: int | None = None,
                 keys: Keys | None = None, after: str | None = None, before: str | None = None):
        self.page, self.per_page = page, per_page
        self.next_keys, self.prev_keys = {}, {}
        cap = COUNT_CAP if cap is None else cap
        start = keys.read(after) if keys and page > 1 else None
        end = keys.read(before) if keys and page > 1 and start is None else None
        if start is not None or end is not None:
            self._by_position(query, keys, start, end, cap)
        else:
            self._by_offset(query, cap)
        if keys and self.items:
            self.next_keys = {"after": keys.token(self.items[-1])}
            if self.page > 2:  # page 1 is its own plain URL
                self.prev_keys = {"before": keys.token(self.items[0])}

    def _by_position(self, query, keys: Keys, start, end, cap: int) -> None:
        """The page after ``start`` or before ``end``, read from the position in the order's
        index. No count: counting from the position walks that index reading every row at
        random (≈ 80 ms for 1,000 of an expert's rows at ×10), and counting from the start
        grows with the page; the page only tells whether there is a next one (one row more),
        and the pager says "of at least" the page after it."""
        forward = end is None
        found = list(db.session.scalars(
            query.where(keys.beyond(start if forward else end, forward)).order_by(None)
            .order_by(*keys.order(forward)).limit(self.per_page + 1)).unique())
        if forward:
            more = len(found) > self.per_page
            found = found[:self.per_page]
        else:
            found = found[:self.per_page][::-1]
            more = True  # the page it was asked from comes after it
            if len(found) < self.per_page:  # back at the start: the first page, whole
                self.page = 1
                return self._by_offset(query, cap)
        self.items = found
        self.capped = more
        self.total = (self.page - 1) * self.per_page + len(found) + (1 if more else 0)

    def _by_offset(self, query, cap: int) -> None:
        page, per_page = self.page, self.per_page
        offset = (page - 1) * per_page
        self.items = list(db.session.scalars(query.limit(per_page).offset(offset)).unique())
        self._count(query, cap)

    def _count(self, query, cap: int) -> None:
        """The rows up to ``cap`` past the page."""
        limit = self.page * self.per_page + cap
        # Counted even when the page is short, so a page sends as many statements at any size.
        # The order and the eager loads change no count: dropped, so the database reads the
        # cheapest index that answers the filters, and stops past the bound.
        bounded = query.order_by(None).limit(limit + 1).subquery()
        found = db.session.scalar(select(func.count()).select_from(bounded))
        self.capped = found > limit
        self.total = min(found, limit)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def bounded_page(query, keys: Keys | None = None, per_page: int | None = None) -> BoundedPage:
    """The page of ``query`` that the URL asks for (``?page=``, and ``?after=``/``?before=``
    with ``keys``), ``PAGE_SIZE`` rows by default: for the lists that may grow large."""
    from flask import current_app, request

    from extranet.web.ids import page_arg

    size = per_page or current_app.config["PAGE_SIZE"]
    return BoundedPage(query, page=page_arg(size), per_page=size, keys=keys,
                       after=request.args.get("after"), before=request.args.get("before"))
