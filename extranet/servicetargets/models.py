"""The working calendar, the targets admins set, each request's clock and the reminders sent."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db


class CalendarSettings(db.Model):
    """The cooperative's working days and hours: one row (id 1), absent until an admin saves."""

    __tablename__ = "working_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    weekdays: Mapped[str] = mapped_column(String(20), default="0,1,2,3,4")  # Monday is 0
    opens: Mapped[time] = mapped_column(Time, default=time(8, 30))
    closes: Mapped[time] = mapped_column(Time, default=time(16, 30))
    timezone: Mapped[str] = mapped_column(String(60), default="America/Montreal")


class ClosedDay(db.Model):
    """A day the cooperative is closed besides the statutory holidays."""

    __tablename__ = "closed_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    label: Mapped[str] = mapped_column(String(120), default="")


class ServiceTarget(db.Model):
    """What an admin set for a field, type and priority, in working minutes (None: no target)."""

    __tablename__ = "service_targets"
    __table_args__ = (UniqueConstraint("field", "type", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(60))
    priority: Mapped[str] = mapped_column(String(10))
    first_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]


class RequestClock(db.Model):
    """A request's targets (as they were when it was filed) and where its clock stands, kept
    current by every transition and reply so that lists filter "overdue" with an index."""

    __tablename__ = "request_clocks"
    __table_args__ = (
        Index("ix_request_clocks_response_due", "first_response_due_at"),
        Index("ix_request_clocks_resolution_due", "resolution_due_at"),
    )

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    first_response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None while answered (or resolved), paused, or without a target.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When 80 % of each target is used: the worker warns the assignees from then on.
    first_response_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused: Mapped[bool] = mapped_column(default=False)
    # ``req.clock``, read only (this module's service keeps the rows): the request page loads it
    # with the request, which ``db.session.get`` cannot do for a request that has none.
    request = relationship("ServiceRequest", viewonly=True,
                           backref=backref("clock", uselist=False, viewonly=True))


class SentReminder(db.Model):
    """A reminder or warning sent, written in the transaction that sends it: the unique key
    makes a second worker's attempt fail instead of sending it twice. ``episode`` tells apart
    two waits of the same request (the instant the wait began)."""

    __tablename__ = "sent_reminders"
    __table_args__ = (UniqueConstraint("request_id", "kind", "episode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    episode: Mapped[str] = mapped_column(String(40), default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
