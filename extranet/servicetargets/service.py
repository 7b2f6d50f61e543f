"""What admins change: the calendar, the closed days and the targets (each audited)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from sqlalchemy import delete, select

from extranet.audit.service import record
from extranet.extensions import db
from extranet.servicetargets.calendar import forget, targets_for
from extranet.servicetargets.models import CalendarSettings, ClosedDay, ServiceTarget
from extranet.servicetargets.tracking import recompute_open, retarget


def save_calendar(weekdays: list[str], opens: time, closes: time, timezone: str) -> None:
    row = db.session.get(CalendarSettings, 1) or CalendarSettings(id=1)
    row.weekdays = ",".join(sorted(set(weekdays)))
    row.opens, row.closes, row.timezone = opens, closes, timezone.strip()
    db.session.add(row)
    record("servicetargets.calendar_changed", weekdays=row.weekdays, opens=opens.isoformat(),
           closes=closes.isoformat(), timezone=row.timezone)
    _deadlines_follow()


def add_closed_day(day: date, label: str) -> None:
    """Adding a day already there renames it."""
    row = db.session.get(ClosedDay, day) or ClosedDay(day=day)
    row.label = label.strip()
    db.session.add(row)
    record("servicetargets.closed_day_added", day=day.isoformat())
    _deadlines_follow()


def remove_closed_day(day: date) -> bool:
    removed = db.session.execute(delete(ClosedDay).where(ClosedDay.day == day)).rowcount
    if removed:
        record("servicetargets.closed_day_removed", day=day.isoformat())
        _deadlines_follow()
    return bool(removed)


def _deadlines_follow() -> None:
    """Open requests' deadlines are working time from their history: computed again on the
    calendar just changed (read afresh, not the one this request read before)."""
    db.session.flush()
    forget()
    recompute_open()


def _minutes(hours: Decimal | None) -> int | None:
    return None if hours is None else int(round(hours * 60))


def current_targets(field: str, types, priorities) -> dict[tuple[str, str], tuple[int | None, int | None]]:
    return {(t.slug, p): targets_for(field, t.slug, p) for t in types for p in priorities}


def save_targets(field: str, values: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]]) -> int:
    """The targets of one field: a row per type and priority, even an empty one, so that a
    plugin's default that the admin cleared stays cleared. The open requests of the cells that
    changed are measured against the new targets (``retarget``); returns how many."""
    before = {cell: targets_for(field, *cell) for cell in values}
    existing = {(r.type, r.priority): r for r in db.session.scalars(
        select(ServiceTarget).where(ServiceTarget.field == field))}
    for (type_slug, priority), (first, resolution) in values.items():
        row = existing.get((type_slug, priority)) or ServiceTarget(field=field, type=type_slug, priority=priority)
        row.first_response_minutes, row.resolution_minutes = _minutes(first), _minutes(resolution)
        db.session.add(row)
    after = {cell: targets_for(field, *cell) for cell in values}
    recomputed = retarget(field, {cell: after[cell] for cell in values if after[cell] != before[cell]})
    record("servicetargets.targets_changed", field=field)
    return recomputed
