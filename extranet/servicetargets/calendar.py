"""The working calendar and targets as admins set them, read from the database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from sqlalchemy import select

from extranet.extensions import db
from extranet.plugins import host
from extranet.servicetargets.clock import WorkingCalendar
from extranet.servicetargets.models import CalendarSettings, ClosedDay, ServiceTarget

# What the calendar is until an admin saves one (not a model instance: building one at import
# would configure every mapper before all models are imported).
DEFAULT = SimpleNamespace(weekdays="0,1,2,3,4", opens=time(8, 30), closes=time(16, 30), timezone="America/Montreal")


def settings() -> CalendarSettings | SimpleNamespace:
    return db.session.get(CalendarSettings, 1) or DEFAULT


def closed_days() -> list[ClosedDay]:
    return list(db.session.scalars(select(ClosedDay).order_by(ClosedDay.day)))


def working_calendar() -> WorkingCalendar:
    """The calendar in force, read once per request or worker pass (``forget`` drops it)."""
    cached = g.get("working_calendar") if has_app_context() else None
    if cached is not None:
        return cached
    row = settings()
    calendar = WorkingCalendar(
        weekdays=frozenset(int(d) for d in row.weekdays.split(",") if d.strip()),
        opens=row.opens, closes=row.closes, zone=ZoneInfo(row.timezone),
        closed_days=frozenset(d.day for d in closed_days()),
    )
    g.working_calendar = calendar
    return calendar


def forget() -> None:
    g.pop("working_calendar", None)


def working_day(calendar: WorkingCalendar) -> timedelta:
    """The length of one working day: "3 working days" is three of these of working time."""
    length = datetime.combine(date.min, calendar.closes) - datetime.combine(date.min, calendar.opens)
    return max(length, timedelta(minutes=1))


def targets_for(field: str, type_: str, priority: str) -> tuple[int | None, int | None]:
    """(first response, resolution) in working minutes: the admin's row, or else the first
    response the request type declares for the priority (a plugin's default)."""
    row = db.session.scalar(select(ServiceTarget).where(
        ServiceTarget.field == field, ServiceTarget.type == type_, ServiceTarget.priority == priority))
    if row is not None:
        return row.first_response_minutes, row.resolution_minutes
    rtype = host().request_types.get((field, type_))
    default = rtype.response_targets.get(priority) if rtype else None
    return (int(default.total_seconds() // 60) if default else None), None
