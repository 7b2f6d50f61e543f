"""One style for dates, times and sizes on every page and e-mail, from Babel in the reader's
language: dates never show seconds, the first of the month is « 1er » in French, and a size is
« 441 octets » or "441 bytes", never Jinja's "441 Bytes". The templates' ``datetimeformat``,
``dateformat``, ``timeformat`` and ``filesizeformat`` filters are these (``init_app``), so that
neither the core's templates nor a plugin's can slip back."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import Flask, current_app
from flask_babel import get_locale, get_timezone

from extranet.files.names import human_size

NAMED = ("short", "medium", "long", "full")
# A due date given as a day is due at the end of that day where the cooperative works
# (``requests.service.end_of_day``): that time is a default, not something anyone chose.
END_OF_DAY = time(23, 59)
# The day of the month standing alone before the month's name: "1 août 2026", "mardi 1 août".
_FIRST_DAY = re.compile(r"(?<![\d:])1(?= [^\W\d])")


def _aware(value: datetime) -> datetime:
    """A naive datetime is UTC, as Flask-Babel takes it."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _first_of_month(text: str, day: int) -> str:
    """French writes the first of the month as an ordinal (« 1er août »)."""
    if day == 1 and get_locale() is not None and get_locale().language == "fr":
        return _FIRST_DAY.sub("1er", text, count=1)
    return text


def format_day(value: date | datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value).astimezone(get_timezone()).date()
    text = babel_dates.format_date(value, format, locale=get_locale())
    return _first_of_month(text, value.day) if format in NAMED or "d" in format else text


def format_time(value: datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    # Every named style reads as hours and minutes: seconds are noise on a page.
    return babel_dates.format_time(_aware(value), "short" if format in NAMED else format,
                                   tzinfo=get_timezone(), locale=get_locale())


def format_when(value: datetime | None, format: str = "medium") -> str:
    """A moment in the reader's time zone: the date in ``format``, the time without seconds."""
    if value is None:
        return ""
    if format not in NAMED:  # an explicit pattern is taken as written
        return babel_dates.format_datetime(_aware(value), format, tzinfo=get_timezone(), locale=get_locale())
    local = _aware(value).astimezone(get_timezone())
    pattern = get_locale().datetime_formats[format].replace("'", "")
    return pattern.format(format_time(value), format_day(local.date(), format))


def format_due(value: datetime | None, format: str = "medium") -> str:
    """A due moment: the day alone when it is the end-of-day default (« 15 janv. 2027 », not
    "Jan 15, 2027, 11:59 PM"), read on the cooperative's calendar; otherwise day and time."""
    if value is None:
        return ""
    local = _aware(value).astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    if local.time().replace(second=0, microsecond=0) == END_OF_DAY:
        return format_day(local.date(), format)
    return format_when(value, format)


def format_answer(value, kind: str | None) -> str | None:
    """A form's answer as stored (JSON: ISO dates, plain numbers) in the reader's style, by the
    question's kind (``requests.presenters.answers``): "date", "datetime", "number" (with a
    thousands separator), "digits" (a year: without); None when there is nothing to format
    (the page shows the answer as text)."""
    try:
        if kind == "date" and isinstance(value, str):
            return format_day(date.fromisoformat(value))
        if kind == "datetime" and isinstance(value, str):
            return format_when(datetime.fromisoformat(value))
    except ValueError:  # an answer stored before its question changed kind
        return None
    if kind in ("number", "digits") and isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return babel_numbers.format_decimal(number, format="0.###" if kind == "digits" else None, locale=get_locale())
    return None


def file_size(size: int | None) -> str:
    return "" if size is None else human_size(size)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        datetimeformat=format_when, dateformat=format_day, timeformat=format_time, dueformat=format_due,
        filesize=file_size, filesizeformat=file_size,
    )
    app.jinja_env.globals["format_answer"] = format_answer
