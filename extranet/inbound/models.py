from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db

PENDING, PROCESSING, DONE, DROPPED, FAILED = "pending", "processing", "done", "dropped", "failed"
# Claims of one message that may end without a word (the worker died) before it is marked failed:
# a message that kills the worker every time must not take it down forever.
MAX_ATTEMPTS = 3


class InboundEmail(db.Model):
    """One received message: its raw bytes in storage, kept before anything is done with it, and
    what processing made of it (``outcome``: what was done, or why nothing was)."""

    __tablename__ = "inbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    envelope_from: Mapped[str | None] = mapped_column(String(254))  # "": a bounce; None: unknown (IMAP)
    recipients: Mapped[str] = mapped_column(Text, default="")  # envelope recipients, one a line
    subject: Mapped[str] = mapped_column(String(300), default="")
    storage_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))  # a code of ``service.OUTCOMES``
    # The address concerned; for a failure, the error id of its log line (failures.new_error_id).
    detail: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(254))  # the From address, once read
    attempts: Mapped[int] = mapped_column(default=0)  # claims since it arrived (or since an admin's retry)
    # When a worker took it: a claim older than INBOUND_CLAIM_TIMEOUT was left by a worker that
    # died, and is taken again.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where it was fetched from, for IMAP (a hash of the mailbox, its UIDVALIDITY and the UID):
    # fetched again, by a second poller or after a crash, it is not stored twice.
    source_id: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
