"""The working-time clock and Québec's holidays: pure functions, no application."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from extranet.servicetargets.clock import (
    WorkingCalendar,
    add_working_time,
    deadline,
    elapsed,
    working_time,
)
from extranet.servicetargets.holidays import easter, quebec_holidays

MTL = ZoneInfo("America/Montreal")
CAL = WorkingCalendar()
H = timedelta(hours=1)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=MTL)


def test_holidays_of_2026_are_quebecs():
    days = set(quebec_holidays(2026))
    assert days == {
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 18), date(2026, 6, 24),
        date(2026, 7, 1), date(2026, 9, 7), date(2026, 10, 12), date(2026, 12, 25),
    }


@pytest.mark.parametrize(("year", "expected"), [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                                (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25))])
def test_easter(year, expected):
    assert easter(year) == expected


def test_patriots_day_is_the_monday_strictly_before_may_25():
    assert date(2020, 5, 18) in quebec_holidays(2020)  # May 25, 2020 was a Monday
    assert date(2025, 5, 19) in quebec_holidays(2025)


def test_fete_nationale_and_canada_day_on_a_sunday_move_to_monday():
    assert date(2029, 6, 25) in quebec_holidays(2029) and date(2029, 6, 24) not in quebec_holidays(2029)
    assert date(2029, 7, 2) in quebec_holidays(2029)


def test_working_time_within_a_day_and_outside_hours():
    assert working_time(CAL, at(2026, 3, 2, 9), at(2026, 3, 2, 11, 30)) == 2.5 * H
    assert working_time(CAL, at(2026, 3, 2, 6), at(2026, 3, 2, 20)) == 8 * H
    assert working_time(CAL, at(2026, 3, 2, 17), at(2026, 3, 3, 8)) == timedelta()
    assert working_time(CAL, at(2026, 3, 3), at(2026, 3, 2)) == timedelta()


def test_across_a_weekend():
    friday_3pm, monday_10am = at(2026, 3, 6, 15), at(2026, 3, 9, 10)
    assert working_time(CAL, friday_3pm, monday_10am) == 3 * H
    assert add_working_time(CAL, friday_3pm, 3 * H) == monday_10am


def test_across_a_holiday_and_a_closed_day():
    # Thursday April 2, 2026 → Good Friday and Easter Monday are off.
    assert add_working_time(CAL, at(2026, 4, 2, 16), 1 * H) == at(2026, 4, 7, 9)
    closed = WorkingCalendar(closed_days=frozenset({date(2026, 4, 7)}))
    assert add_working_time(closed, at(2026, 4, 2, 16), 1 * H) == at(2026, 4, 8, 9)
    assert working_time(closed, at(2026, 4, 2, 8), at(2026, 4, 8, 17)) == 16 * H


def test_across_the_change_to_daylight_saving_time():
    # Sunday March 8, 2026, clocks go forward: Friday 16:00 EST + 1 h lands Monday 9:00 EDT,
    # 64 real hours later rather than 65.
    friday = at(2026, 3, 6, 16)
    monday = add_working_time(CAL, friday, 1 * H)
    assert monday == at(2026, 3, 9, 9)
    assert monday.astimezone(UTC) - friday.astimezone(UTC) == 64 * H
    assert working_time(CAL, at(2026, 11, 2, 8, 30), at(2026, 11, 2, 16, 30)) == 8 * H  # day after fall back


def test_a_deadline_on_closing_time_stays_there():
    assert add_working_time(CAL, at(2026, 3, 2, 8, 30), 8 * H) == at(2026, 3, 2, 16, 30)
    assert add_working_time(CAL, at(2026, 3, 2, 20), 0 * H) == at(2026, 3, 3, 8, 30)


def test_a_pause_stops_the_clock_and_pushes_the_deadline():
    # Runs Monday 9–11 (2 h), paused until Wednesday 14:00, running since: 8 h target.
    segments = [(at(2026, 3, 2, 9), at(2026, 3, 2, 11)), (at(2026, 3, 4, 14), None)]
    assert elapsed(CAL, segments, at(2026, 3, 4, 15)) == 3 * H
    # 6 h left from Wednesday 14:00: 2.5 h Wednesday, 3.5 h Thursday → 12:00.
    assert deadline(CAL, segments, 8 * H) == at(2026, 3, 5, 12)
    assert deadline(CAL, segments[:1], 8 * H) is None  # paused: no deadline yet


def test_a_calendar_without_working_days_places_no_deadline():
    assert add_working_time(WorkingCalendar(weekdays=frozenset()), at(2026, 3, 2), H) is None


def test_other_hours_and_zone():
    cal = WorkingCalendar(weekdays=frozenset({5}), opens=time(10), closes=time(12), zone=ZoneInfo("UTC"),
                          holidays=lambda year: ())
    start = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    assert add_working_time(cal, start, 3 * H) == datetime(2026, 3, 14, 11, tzinfo=UTC)
