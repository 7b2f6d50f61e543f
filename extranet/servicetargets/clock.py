"""The working-time clock: pure functions of a calendar and instants, no database, no app.

Working hours are wall-clock hours in the calendar's time zone (8:30–16:30 stays 8 hours on the
days daylight saving time begins or ends). Every instant taken or returned is aware; arithmetic
is done in UTC, since adding a timedelta to a zoned datetime adds wall-clock time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from extranet.servicetargets.holidays import quebec_holidays

# A calendar without a single working day in ten years cannot place a deadline.
SEARCH_DAYS = 3660


@dataclass(frozen=True)
class WorkingCalendar:
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday is 0
    opens: time = time(8, 30)
    closes: time = time(16, 30)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Montreal"))
    closed_days: frozenset[date] = frozenset()
    holidays: Callable[[int], Iterable[date]] = quebec_holidays

    def is_working_day(self, day: date) -> bool:
        return (day.weekday() in self.weekdays and day not in self.closed_days
                and day not in self._holidays_of(day.year))

    def _holidays_of(self, year: int) -> frozenset[date]:
        cache = self.__dict__.setdefault("_holiday_cache", {})
        if year not in cache:
            cache[year] = frozenset(self.holidays(year))
        return cache[year]

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of ``day`` in UTC, or None on a day off."""
        if not self.is_working_day(day) or self.closes <= self.opens:
            return None
        start = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return start, end

    def windows_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows that end after ``instant``, clipped to start no earlier."""
        instant = instant.astimezone(UTC)
        day = instant.astimezone(self.zone).date()
        for offset in range(SEARCH_DAYS):
            window = self.window(day + timedelta(days=offset))
            if window is None or window[1] <= instant:
                continue
            yield max(window[0], instant), window[1]


def working_time(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """The working time between two instants (zero when ``end`` is not after ``start``)."""
    end = end.astimezone(UTC)
    total = timedelta()
    for opens, closes in calendar.windows_from(start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def add_working_time(calendar: WorkingCalendar, start: datetime, amount: timedelta) -> datetime | None:
    """The instant ``amount`` of working time after ``start`` (None if the calendar has no
    working day to reach it). A deadline that lands on closing time stays there, rather than
    moving to the next opening."""
    left = amount
    last = start.astimezone(UTC)
    for opens, closes in calendar.windows_from(start):
        if left <= closes - opens:
            return opens + left
        left -= closes - opens
        last = closes
    return None if left > timedelta() else last


Segment = tuple[datetime, datetime | None]  # a running stretch of the clock; None: still running


def elapsed(calendar: WorkingCalendar, segments: Iterable[Segment], now: datetime) -> timedelta:
    """The working time the clock has run over its segments (an open one runs until ``now``)."""
    return sum((working_time(calendar, a, b or now) for a, b in segments), timedelta())


def deadline(calendar: WorkingCalendar, segments: list[Segment], target: timedelta) -> datetime | None:
    """When the clock reaches ``target``, if it keeps running: None while it is stopped (paused,
    or its last segment closed), since the deadline then depends on when it starts again."""
    if not segments or segments[-1][1] is not None:
        return None
    spent = elapsed(calendar, segments[:-1], segments[-1][0])
    return add_working_time(calendar, segments[-1][0], max(target - spent, timedelta()))
