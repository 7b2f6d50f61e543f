"""A person's rights over their information (Law 25): the exports of their data they asked for,
their requests to be erased, and the runs of the retention rules."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db

# An export is asked for (waiting), then built by the worker (ready), or could not be (failed).
WAITING, READY, FAILED = "waiting", "ready", "failed"


class DataExport(db.Model):
    """A ZIP of everything about its owner, built by the worker and kept in storage until
    ``expires_at``; only its owner, signed in, downloads it. The stored object's key, size and
    hash are written with ``ready`` in one commit, so a row is never ready without its bytes."""

    __tablename__ = "data_exports"
    __table_args__ = (Index("ix_data_exports_status", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=WAITING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    storage_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


# An erasure is asked for (pending), then carried out by an administrator (done).
PENDING, DONE = "pending", "done"


class ErasureRequest(db.Model):
    """A person's request to have their personal information erased. Once carried out, its
    ``user`` is the anonymised account: the row says when and by whom, never who it was."""

    __tablename__ = "erasure_requests"
    __table_args__ = (Index("ix_erasure_requests_status", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])


class RetentionRun(db.Model):
    """One application of the retention rules, and its report. ``day`` is the claim: the worker
    that inserts the day's row runs it, another that tries the same day gets the unique key's
    refusal and does nothing. ``removed`` says how many of each kind went per module
    (``{"hr": {"requests": 3, "files": 5}}``; the key "" holds what belongs to no module), and
    is written with each batch it counts, so that an interrupted run reports what it did."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed: Mapped[dict] = mapped_column(JSON, default=dict)
