"""Service hours. Durations are integer minutes and money integer cents, never floats;
``Decimal`` is used for arithmetic on display and in exports."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db
from extranet.organizations.models import Organization

ACTIVITIES = {
    "analysis": _l("Analysis"),
    "meeting": _l("Meeting"),
    "drafting": _l("Drafting"),
    "review": _l("Review"),
    "travel": _l("Travel"),
    "other": _l("Other"),
}

CARRY_OVER = ("none", "unused")
CARRY_OVER_LABELS = {
    "none": _l("None: unused hours are lost at the end of the year"),
    "unused": _l("Unused: the previous year's unused hours are added to this year's allotment"),
}


class Agreement(db.Model):
    """An organization's yearly allotment of hours in one field, and its rates."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("organization_id", "field", "year"), Index("ix_agreements_year", "year"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    minutes_allotted: Mapped[int]
    hourly_rate_cents: Mapped[int]
    overage_rate_cents: Mapped[int]
    carry_over: Mapped[str] = mapped_column(String(20), default="none")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()


class TimeEntry(db.Model):
    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_expert_date", "expert_id", "date"),
        # Covers expert utilisation (the reports): billable minutes per expert over a date range,
        # by field or organization through request_id, without reading the table.
        Index("ix_time_entries_expert_usage", "expert_id", "date", "billable", "minutes", "request_id"),
        # Covers the days of a month begun in the reports (minutes per request over a date range)
        # and, on PostgreSQL, which has no skip scan to use the index above, expert utilisation.
        Index("ix_time_entries_date_usage", "date", "request_id", "billable", "minutes", "expert_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    activity: Mapped[str] = mapped_column(String(40))
    billable: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    request = relationship("ServiceRequest")
    expert: Mapped[User] = relationship()


class HoursMonthly(db.Model):
    """The monthly roll-up of time entries per organization and field, priced (the
    cooperative-wide reports sum it instead of reading and pricing ``time_entries``). Kept exact
    by ``extranet.hours.rollup`` in the same transaction as every entry or agreement created,
    changed or deleted; rebuilt from the entries by ``rebuild_hours_monthly`` (bulk loads)."""

    __tablename__ = "hours_monthly"
    # The reports sum one or two years of every organization: lead with the year, and cover the
    # sums so that they are read from the index alone.
    __table_args__ = (
        Index("ix_hours_monthly_year", "year", "organization_id", "field", "month", "minutes",
              "billable_minutes", "cents", "overage_minutes"),
        # The admin's dashboard totals the cooperative month by month, and the reports each
        # field month by month: read in that order.
        Index("ix_hours_monthly_month", "year", "month", "field", "minutes", "billable_minutes", "cents",
              "overage_minutes"),
    )

    organization_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 1 to 12
    minutes: Mapped[int] = mapped_column(default=0)
    billable_minutes: Mapped[int] = mapped_column(default=0)
    # What the billable minutes are worth under the year's agreement (0 without one), the part of
    # them beyond the allotment, and the allotment left at the start of the month (None without
    # an agreement): what pricing the days of a month begun needs.
    cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    overage_minutes: Mapped[int] = mapped_column(default=0, server_default="0")
    allotment_left: Mapped[int | None]


class Statement(db.Model):
    """An organization's monthly statement; once closed, immutable (and so is its month)."""

    __tablename__ = "statements"
    __table_args__ = (UniqueConstraint("organization_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    lines: Mapped[list] = mapped_column(JSON, default=list)
    total_minutes: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(default=0)
    overage_minutes: Mapped[int] = mapped_column(default=0)
    overage_cents: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()


class Satisfaction(db.Model):
    """The member's rating of a closed request (1 to 5) and comment."""

    __tablename__ = "satisfaction"
    # The annual report averages the ratings of the requests closed in a year from this index alone.
    __table_args__ = (Index("ix_satisfaction_rating", "request_id", "rating"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request = relationship("ServiceRequest")


class HourAlert(db.Model):
    """A threshold (80 or 100 %) already announced for an agreement: announced once."""

    __tablename__ = "hour_alerts"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True)
    threshold: Mapped[int] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
