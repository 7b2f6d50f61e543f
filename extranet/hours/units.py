"""Units of service hours: durations (integer minutes), money (integer cents) and the periods
time is counted in (ISO weeks, months, years).

Everyone uses these functions (time logging, the hour bank, statements and reports), so that a
figure is parsed, priced and shown one way only. ``Decimal`` is used for parsing and arithmetic,
never ``float``."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import current_app
from flask_babel import format_currency, format_decimal, gettext

MAX_MINUTES_PER_ENTRY = 24 * 60


# -- durations -----------------------------------------------------------------------------------

_HM = re.compile(r"^(\d{1,4})\s*(?::|h)\s*(\d{1,2})?\s*(?:m|min)?$")
_MINUTES = re.compile(r"^(\d{1,6})\s*(?:m|min|mn)?$")
_HOURS = re.compile(r"^(\d{1,4}(?:[.,]\d+)?)\s*h?$")


def parse_duration(text: str) -> int:
    """Integer minutes from what a person types: ``"1:30"``, ``"1h30"``, ``"2h"`` (hours and
    minutes), ``"90"`` or ``"90 min"`` (minutes), ``"1.5"`` or ``"1,5"`` (decimal hours).

    Raises ``ValueError`` when the text is not a duration (a negative one included). Decimal
    hours are rounded to the nearest minute (half up). Bounds are checked by the form."""
    value = " ".join((text or "").strip().lower().split())
    if not value:
        raise ValueError("empty")
    match = _HM.match(value)
    if match and (":" in value or "h" in value):
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        if minutes >= 60:
            raise ValueError("minutes")
        return hours * 60 + minutes
    match = _MINUTES.match(value)
    if match:
        return int(match.group(1))
    match = _HOURS.match(value)
    if match:
        hours = Decimal(match.group(1).replace(",", "."))
        return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    raise ValueError(value)


def format_minutes(minutes: int | None) -> str:
    """``hours:minutes`` in the current language (``"1:30"``, ``"1 h 30"`` in French); the hours
    are grouped per locale (``"1,234:05"``). Negative values keep their sign."""
    minutes = int(minutes or 0)
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return sign + gettext("%(hours)s:%(minutes)s", hours=format_decimal(hours), minutes=f"{rest:02d}")


def hours_decimal(minutes: int) -> Decimal:
    """Minutes as decimal hours with two places (exports, statements): 90 → Decimal("1.50")."""
    return (Decimal(int(minutes)) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- money -----------------------------------------------------------------------------------------

_MONEY = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


def parse_money(text: str) -> int:
    """Integer cents from ``"95"``, ``"95.00"``, ``"95,00"``, ``"1 234,50"``, ``"$95"``.
    Raises ``ValueError`` for anything else (negative amounts and more than 2 decimals too)."""
    value = (text or "").strip().replace("$", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not _MONEY.match(value):
        raise ValueError(text)
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refuses it
        raise ValueError(text) from exc
    return int(amount * 100)


def money_decimal(cents: int) -> Decimal:
    """Cents as a ``Decimal`` amount with two places: 9500 → Decimal("95.00")."""
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def format_money(cents: int | None) -> str:
    """Cents as money in the current language (``"$95.00"``, ``"95,00 $"``)."""
    return format_currency(money_decimal(cents or 0), current_app.config.get("CURRENCY", "CAD"))


def amount_cents(minutes: int, rate_cents: int) -> int:
    """What ``minutes`` cost at an hourly rate, in cents, rounded half up (away from zero): exact
    integer arithmetic, ``floor((2·minutes·rate + 60) / 120)``, which a report does thousands of times."""
    value = int(minutes) * int(rate_cents)
    cents = (abs(value) * 2 + 60) // 120
    return cents if value >= 0 else -cents


def split_overage(used_before: int, minutes: int, allotted: int) -> tuple[int, int]:
    """``(within, over)``: how much of ``minutes`` (logged after ``used_before`` minutes were
    already used in the year) falls within the allotment and how much beyond it."""
    within = max(0, min(minutes, allotted - used_before))
    return within, minutes - within


def price(minutes: int, left: int, rate_cents: int, overage_rate_cents: int) -> tuple[int, int]:
    """``(cents, overage minutes)`` of ``minutes`` billable minutes logged while ``left`` minutes of
    the allotment remain: within it at the hourly rate, beyond it at the overage rate."""
    within = max(0, min(minutes, left))
    return amount_cents(within, rate_cents) + amount_cents(minutes - within, overage_rate_cents), minutes - within


# -- periods ---------------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of ``year`` (both included)."""
    return date(year, 1, 1), date(year, 12, 31)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month containing ``month``."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def parse_iso_week(text: str | None, today: date | None = None) -> date:
    """The Monday of an ISO week like ``"2026-W48"``; this week's for anything else."""
    match = re.fullmatch(r"(\d{4})-W(\d{1,2})", (text or "").strip())
    if match:
        try:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            pass
    today = today or date.today()
    return today - timedelta(days=today.weekday())


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
