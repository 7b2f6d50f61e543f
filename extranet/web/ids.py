"""Numbers from outside that name rows or positions: a path's id, a query argument, a form's
choice. Each is read here, within what the database can hold; a larger number sent to it fails
(SQLite: ``OverflowError`` beyond 64 bits; PostgreSQL: "integer out of range", as SQLAlchemy
casts an id to the column's INTEGER), which would be a 500.

Ids are INTEGER columns: 32-bit on PostgreSQL, the smaller of the two databases, so no row of
either has an id above ``ID_MAX`` (raise it if the ids become BIGINT). A page's offset is a
BIGINT on both: ``OFFSET_MAX``.

- a path's id (``<id:doc_id>``, the converter ``create_app`` registers as ``id``): a number out of
  range matches no route, so it is a 404, as an id that does not exist;
- a query argument (``arg_number``, ``arg_id``, ``page_arg``): out of range reads as a word
  would, so each argument keeps the answer it already gives to something that is not a number
  (a filter or a page is ignored, an argument that chooses whose page it is answers 404);
- a form's id: ``web.forms.IdField`` and ``web.forms.to_id`` give the form an error.
"""

from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter, ValidationError

ID_MIN = 1
ID_MAX = 2**31 - 1  # PostgreSQL's INTEGER, what the id columns are
OFFSET_MAX = 2**63 - 1  # a signed 64-bit integer, SQLite's INTEGER and PostgreSQL's BIGINT
_ID_DIGITS = len(str(ID_MAX))


def number_in(value, low: int, high: int) -> int | None:
    """``value`` as a whole number within ``[low, high]``, else None (empty, a word, a
    fraction, too many digits for Python to read, out of range)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        # Longer than any number we accept, whatever its value: not even worth reading.
        if not text or len(text.lstrip("+-0")) > max(len(str(abs(low))), len(str(abs(high)))):
            return None
        try:
            number = int(text)
        except ValueError:
            return None
    return number if low <= number <= high else None


def read_id(value) -> int | None:
    """An id as a form or query sent it, or None when it cannot be one."""
    return number_in(value, ID_MIN, ID_MAX)


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


def arg_number(name: str, low: int, high: int, default=None, args=None):
    """The query argument ``name`` as a whole number within ``[low, high]``, else ``default``
    (absent, a word or out of range alike)."""
    found = number_in((request.args if args is None else args).get(name), low, high)
    return default if found is None else found


def arg_id(name: str, args=None) -> int | None:
    """A query argument that names a row (a filter: ``organization``, ``expert``…), or None."""
    return arg_number(name, ID_MIN, ID_MAX, args=args)


def page_arg(per_page: int, args=None) -> int:
    """The page of a list asked for in ``?page=``, the first when there is none to read. The
    last page that can be asked for is the last whose offset the database can hold; a page past
    the end of the list but within that is shown empty, as before."""
    return arg_number("page", 1, OFFSET_MAX // max(per_page, 1), default=1, args=args)
