"""Numbers from outside that name rows: a path's id. It is read here, within what the database
can hold; a larger number sent to it fails (SQLite: ``OverflowError`` beyond 64 bits; PostgreSQL:
"integer out of range", as SQLAlchemy casts an id to the column's INTEGER), which would be a 500.

Ids are INTEGER columns: 32-bit on PostgreSQL, the smaller of the two databases, so no row of
either has an id above ``ID_MAX`` (raise it if the ids become BIGINT). A path's id out of range
(``<id:doc_id>``, the converter ``create_app`` registers as ``id``) matches no route, so it is a
404, as an id that does not exist.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

ID_MIN = 1
ID_MAX = 2**31 - 1  # PostgreSQL's INTEGER, what the id columns are
_ID_DIGITS = len(str(ID_MAX))


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: digits naming a row, ``ID_MIN`` to ``ID_MAX``. Anything
    else does not match, so the URL is a 404 like the URL of a row that does not exist. It is
    an ``IntegerConverter`` still, for the code that asks which of a route's parts are numbers."""

    def __init__(self, map):
        super().__init__(map, min=ID_MIN, max=ID_MAX)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("0")) > _ID_DIGITS:  # Python refuses to read thousands of digits
            raise ValidationError()
        return super().to_python(value)


def init_app(app) -> None:
    """Register the converter; before any blueprint, whose rules are compiled as they are added."""
    app.url_map.converters["id"] = IdConverter
