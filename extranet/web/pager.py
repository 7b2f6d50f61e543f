"""What the ``pager`` macro reads of a list's pages besides ``page`` and ``pages``: whether
there is a previous and a next page, and their numbers (as Flask-SQLAlchemy's pagination
names them), for a list that is not a query's pagination."""

from __future__ import annotations

from sqlalchemy import func, select

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


class BoundedPage(PageLinks):
    """What the templates read of Flask-SQLAlchemy's ``Pagination`` (``items``, ``page``,
    ``pages``, ``total``, the links) plus ``capped``: ``total`` is a lower bound when set."""

    def __init__(self, query, page: int, per_page: int, cap: int | None = None):
        self.page, self.per_page = page, per_page
        offset = (page - 1) * per_page
        self.items = list(db.session.scalars(query.limit(per_page).offset(offset)).unique())
        limit = offset + per_page + (COUNT_CAP if cap is None else cap)
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
