"""The admin's figures at a glance: this month (to date) and the last twelve whole months, each
against the same period a year before, in a fixed number of aggregate queries whatever the
data size. Each figure carries the arguments of the list behind it, whose filters are the same
conditions, so that the list shows the count the dashboard gave."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import exists, func, select, tuple_

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.hours.balances import agreements_used_at_least
from extranet.hours.models import HoursMonthly, Satisfaction, Statement
from extranet.requests.models import RequestParticipant as P
from extranet.requests.models import ServiceRequest as R
from extranet.requests.views import LOW_RATING, is_open
from extranet.servicetargets.presenters import overdue

BANK_THRESHOLD = 80  # percent of an hour bank used


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Local days, both included: what the request list's ``since``/``until`` read."""

    first: date
    last: date

    def shifted(self, years: int) -> Period:
        return Period(_same_day(self.first, years), _same_day(self.last, years))


def _same_day(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # February 29th
        return day.replace(year=day.year + years, day=28)


@dataclass
class Glance:
    today: date
    month: Period
    year: Period  # the last twelve whole months
    opened: dict[str, int] = field(default_factory=dict)  # keys: month, month_before, year, year_before
    closed: dict[str, int] = field(default_factory=dict)
    minutes: dict[str, int] = field(default_factory=dict)
    cents: dict[str, int] = field(default_factory=dict)
    overdue_by_field: list[tuple[str, int]] = field(default_factory=list)
    unassigned: int = 0
    banks_above: int = 0
    statements_month: date | None = None
    statements_to_close: int = 0
    low_ratings: int = 0


def periods(today: date) -> tuple[Period, Period]:
    first = today.replace(day=1)
    return Period(first, today), Period(add_months(first, -12), first - timedelta(days=1))


def _bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (datetime.combine(period.first, time.min, tzinfo=zone).astimezone(UTC),
            datetime.combine(period.last, time.max, tzinfo=zone).astimezone(UTC))


def _counts(column, condition, named: dict[str, Period], zone: ZoneInfo, base) -> dict[str, int]:
    """One query: how many rows of ``base`` fall in each named period (by ``column``), a count
    per period over ``column``'s index (each reads its period's entries, ≈ 20,000 for a year
    at ×10, rather than every row since the earliest period through a sum of cases)."""
    counts = []
    for period in named.values():
        start, end = _bounds(period, zone)
        counts.append(base.with_only_columns(func.count(R.id)).where(condition, column >= start, column <= end)
                      .order_by(None).scalar_subquery())
    row = db.session.execute(select(*counts)).one()
    return {name: int(value) for name, value in zip(named, row, strict=True)}


def _hours(named: dict[str, Period]) -> tuple[dict[str, int], dict[str, int]]:
    """Minutes and cents per period from the monthly roll-up (whole months: the current month
    counts to date since the roll-up holds what is logged so far): the cooperative's total of
    each month, summed in month order from the roll-up's (year, month) index, then per period
    here (a few dozen months)."""
    m = HoursMonthly
    # Months counted from year 0 (January is 0), so that ``// 12`` gives a December its own year.
    months = {name: (p.first.year * 12 + p.first.month - 1, p.last.year * 12 + p.last.month - 1)
              for name, p in named.items()}
    lowest = min(low for low, _h in months.values())
    rows = db.session.execute(
        select(m.year, m.month, func.sum(m.minutes), func.sum(m.cents))
        .where(tuple_(m.year, m.month) >= (lowest // 12, lowest % 12 + 1)).group_by(m.year, m.month)).all()
    minutes = {name: 0 for name in named}
    cents = {name: 0 for name in named}
    for year, month, month_minutes, month_cents in rows:
        index = year * 12 + month - 1
        for name, (low, high) in months.items():
            if low <= index <= high:
                minutes[name] += int(month_minutes or 0)
                cents[name] += int(month_cents or 0)
    return minutes, cents


def glance(base, today: date | None = None) -> Glance:
    """``base``: the requests the admin sees (``visible_requests``)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = today or utcnow().astimezone(zone).date()
    month, year = periods(today)
    named = {"month": month, "month_before": month.shifted(-1), "year": year, "year_before": year.shifted(-1)}
    result = Glance(today=today, month=month, year=year)
    result.opened = _counts(R.created_at, True, named, zone, base)
    result.closed = _counts(R.state_changed_at, R.state == "closed", named, zone, base)
    result.minutes, result.cents = _hours(named)
    open_ = is_open()
    result.overdue_by_field = sorted((field, count) for field, count in db.session.execute(
        base.with_only_columns(R.field, func.count(R.id)).where(open_, overdue()).group_by(R.field).order_by(None)
    ).all())
    assigned = exists().where(P.request_id == R.id, P.role == "assignee")
    result.unassigned = db.session.scalar(
        base.with_only_columns(func.count(R.id)).where(open_, ~assigned).order_by(None))
    result.banks_above = db.session.scalar(
        select(func.count()).select_from(agreements_used_at_least(BANK_THRESHOLD, today.year).subquery()))
    result.statements_month = add_months(month.first, -1)
    result.statements_to_close = statements_to_close(result.statements_month)
    low = select(Satisfaction.request_id).where(Satisfaction.rating <= LOW_RATING)
    start, end = _bounds(Period(year.first, today), zone)
    result.low_ratings = db.session.scalar(
        base.with_only_columns(func.count(R.id)).where(
            R.state == "closed", R.state_changed_at >= start, R.state_changed_at <= end, R.id.in_(low)
        ).order_by(None))
    return result


def statements_to_close(month: date) -> int:
    """Organizations with time logged in ``month`` whose statement of it is not closed: the
    rows of the statements page for that month without a closed statement."""
    m = HoursMonthly
    active = (select(m.organization_id).where(m.year == month.year, m.month == month.month)
              .distinct())
    closed = select(Statement.organization_id).where(Statement.month == month, Statement.closed_at.is_not(None))
    return db.session.scalar(
        select(func.count()).select_from(active.where(m.organization_id.not_in(closed)).subquery()))


def growth(now: int, before: int) -> float | None:
    """The change in percent, or None when the base is nothing to compare with."""
    if before <= 0:
        return None
    return (now - before) * 100 / before
