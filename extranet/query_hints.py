"""Hints to SQLite's query planner where its statistics mislead it.

``ANALYZE`` on SQLite keeps one figure per index column: the average number of rows per
distinct value. The requests' ``state`` has a handful of values, so the planner believes that
"open" (every state but the final ones) matches most of the table, when nearly every request of
a cooperative that has worked for years is closed. It then reads the whole table in date order
to find ten open requests (the dashboard's widgets: ≈ 300 ms at ×10) instead of the few open
ones through the state's index. PostgreSQL keeps the frequency of common values and needs no
hint; it gets the condition unchanged."""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean


class Selective(ColumnElement):
    """A condition true for about ``share`` of the rows (SQLite's ``likelihood()``)."""

    # The condition's parameters and the share both belong to the statement's cache key.
    _traverse_internals = [("condition", InternalTraversal.dp_clauseelement),
                           ("share", InternalTraversal.dp_plain_obj)]
    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition: no "= 1" after it, which would hide it from the planner

    def __init__(self, condition, share: float):
        self.condition = condition
        self.share = share


def selective(condition, share: float = 0.01) -> Selective:
    """``condition``, telling SQLite it keeps about ``share`` of the rows (a constant: SQLite
    needs a literal between 0 and 1)."""
    if not 0 < share < 1:
        raise ValueError(share)
    return Selective(condition, share)


@compiles(Selective)
def _plain(element, compiler, **kw):
    return compiler.process(element.condition, **kw)


@compiles(Selective, "sqlite")
def _likelihood(element, compiler, **kw):
    return f"likelihood({compiler.process(element.condition, **kw)}, {element.share!r})"
