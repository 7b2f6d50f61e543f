"""Québec's statutory holidays (Loi sur les normes du travail, Loi sur la fête nationale),
computed for any year, so that no list needs updating every January."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l


def easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _sunday_to_monday(day: date) -> date:
    # The Fête nationale and Canada Day falling on a Sunday are observed on the Monday.
    return day + timedelta(days=1) if day.weekday() == 6 else day


def quebec_holidays(year: int) -> dict[date, object]:
    """The days off of ``year`` with their (lazy, translatable) names."""
    easter_day = easter(year)
    may_25 = date(year, 5, 25)
    patriots = may_25 - timedelta(days=(may_25.weekday() - 0) % 7 or 7)  # the Monday before May 25
    return {
        date(year, 1, 1): _l("New Year's Day"),
        easter_day - timedelta(days=2): _l("Good Friday"),
        easter_day + timedelta(days=1): _l("Easter Monday"),
        patriots: _l("National Patriots' Day"),
        _sunday_to_monday(date(year, 6, 24)): _l("Fête nationale du Québec"),
        _sunday_to_monday(date(year, 7, 1)): _l("Canada Day"),
        _nth_weekday(year, 9, 0, 1): _l("Labour Day"),
        _nth_weekday(year, 10, 0, 2): _l("Thanksgiving"),
        date(year, 12, 25): _l("Christmas Day"),
    }
