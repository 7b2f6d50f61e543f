"""Response and resolution times against targets, per field, for the requests filed in a year.

Figures only, per field: no request is named, so the confidentiality rule has nothing to hide
here (a restricted request counts as any other, as in the other reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.requests.models import ServiceRequest
from extranet.servicetargets.calendar import working_calendar
from extranet.servicetargets.models import RequestClock
from extranet.servicetargets.tracking import used


@dataclass
class Measure:
    counted: int = 0  # requests with a target whose outcome is known (answered, or already late)
    met: int = 0
    hours: list[float] | None = None

    @property
    def share_met(self) -> float | None:
        return None if not self.counted else self.met / self.counted

    @property
    def median_hours(self) -> float | None:
        return median(self.hours) if self.hours else None

    def add(self, spent: timedelta, target_minutes: int, done: bool) -> None:
        late = spent > timedelta(minutes=target_minutes)
        if not done and not late:
            return  # still running within its target: no outcome yet
        self.counted += 1
        self.met += int(done and not late)
        if done:
            self.hours = [*(self.hours or []), spent.total_seconds() / 3600]


@dataclass
class FieldRow:
    field: str
    response: Measure
    resolution: Measure


def service_target_report(year: int, now: datetime | None = None) -> list[FieldRow]:
    now = now or utcnow()
    zone: ZoneInfo = working_calendar().zone
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    rows = db.session.execute(
        select(ServiceRequest, RequestClock)
        .join(RequestClock, RequestClock.request_id == ServiceRequest.id)
        .where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end)
        .options(selectinload(ServiceRequest.events))
    ).all()
    fields: dict[str, FieldRow] = {}
    for req, clock in rows:
        row = fields.setdefault(req.field, FieldRow(req.field, Measure(), Measure()))
        response, resolution = used(req, clock, now)
        if clock.first_response_minutes is not None:
            row.response.add(response, clock.first_response_minutes, clock.first_response_at is not None)
        if clock.resolution_minutes is not None:
            row.resolution.add(resolution, clock.resolution_minutes, clock.resolved_at is not None)
    return sorted(fields.values(), key=lambda r: r.field)
