"""The badge experts and admins see on a request and in the list: what is due, and by when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.requests.models import ServiceRequest
from extranet.servicetargets.calendar import working_calendar
from extranet.servicetargets.models import RequestClock


@dataclass(frozen=True)
class Badge:
    level: str  # "ok", "warn" (80 % used), "late" or "paused"
    text: str


def when(instant: datetime, now: datetime) -> str:
    """« mardi 14 h », or with the date when it is not within the week around today."""
    local = instant.astimezone(working_calendar().zone)
    near = abs(instant - now) < timedelta(days=6)
    if local.minute:
        pattern = _("EEEE h:mm a") if near else _("MMMM d, h:mm a")
    else:
        pattern = _("EEEE h a") if near else _("MMMM d, h a")
    return format_datetime(local, pattern, rebase=False)


def badge(clock: RequestClock | None, now: datetime | None = None) -> Badge | None:
    if clock is None:
        return None
    now = now or utcnow()
    if clock.first_response_due_at is not None:
        due, warn = clock.first_response_due_at, clock.first_response_warn_at
        late, expected = _("Response overdue since %(when)s"), _("Response expected by %(when)s")
    elif clock.resolution_due_at is not None:
        due, warn = clock.resolution_due_at, clock.resolution_warn_at
        late, expected = _("Resolution overdue since %(when)s"), _("Resolution expected by %(when)s")
    elif clock.paused and (clock.resolution_minutes or (clock.first_response_minutes and not clock.first_response_at)):
        return Badge("paused", _("Clock stopped: waiting on the member"))
    else:
        return None
    if due <= now:
        return Badge("late", late % {"when": when(due, now)})
    return Badge("warn" if warn is not None and warn <= now else "ok", expected % {"when": when(due, now)})


def badges_of(request_ids: list[int], now: datetime | None = None) -> dict[int, Badge]:
    """The badges of a page of the list, in one query."""
    if not request_ids:
        return {}
    clocks = db.session.scalars(select(RequestClock).where(RequestClock.request_id.in_(request_ids)))
    found = {c.request_id: badge(c, now) for c in clocks}
    return {k: v for k, v in found.items() if v is not None}


def overdue(now: datetime | None = None):
    """The condition "past its due date or a service target" of the list's "overdue" filter
    and the dashboard's overdue requests (open ones: the caller adds that)."""
    now = now or utcnow()
    late_clocks = select(RequestClock.request_id).where(
        (RequestClock.first_response_due_at <= now) | (RequestClock.resolution_due_at <= now))
    return or_(and_(ServiceRequest.due_at.is_not(None), ServiceRequest.due_at < now),
               ServiceRequest.id.in_(late_clocks))
