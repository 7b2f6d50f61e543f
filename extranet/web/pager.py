"""What the ``pager`` macro reads of a list's pages besides ``page`` and ``pages``: whether
there is a previous and a next page, and their numbers (as Flask-SQLAlchemy's pagination
names them), for a list that is not a query's pagination."""

from __future__ import annotations


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
