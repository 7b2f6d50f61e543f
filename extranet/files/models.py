"""One table for every stored file: a message's attachment and a document's version alike.

Both are a file someone uploaded, kept under a server-made key, hashed, typed, scanned and
sent back the same way; they differ only by what owns them. So they share one row shape
(``FileVersion``) in one table, ``file_versions``, and SQLAlchemy's single-table inheritance
gives each owner its own class: ``requests.models.Attachment`` (``kind`` "attachment", a
message's file) and ``documents.models.DocumentVersion`` (``kind`` "document", version
``number`` of a document). The storage checker, the quota and the scan status read this one
table; the owners' foreign keys are declared here, by name only, so that the table is described
in one place and this module imports no feature.

A file is scanned when it is uploaded (``files.uploads``); one clamd could not give a verdict on
stays "pending", and the worker scans it again (``files.rescan``) at ``next_scan_at``, later and
later after each attempt without a verdict, until clamd answers. ``scan_detail`` keeps why: the
signature clamd found, or the error of the last attempt, for the administrators' page.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db

NOT_SCANNED, PENDING, CLEAN, INFECTED = "not_scanned", "pending", "clean", "infected"
SCAN_STATES = (NOT_SCANNED, PENDING, CLEAN, INFECTED)
ATTACHMENT, DOCUMENT = "attachment", "document"
READING, READ, UNREADABLE = "reading", "read", "unreadable"

# Exactly one owner, matching the kind: a row can never be both, or neither.
ONE_OWNER = (
    "(kind = 'attachment' AND message_id IS NOT NULL AND document_id IS NULL AND number IS NULL)"
    " OR (kind = 'document' AND document_id IS NOT NULL AND number IS NOT NULL AND message_id IS NULL)"
)


class FileVersion(db.Model):
    """A stored file: where its bytes are (``storage_key``), what they are (size, sha256, the
    MIME type read from them, the virus scan's verdict), the name it is offered under, who
    uploaded it and when, and its owner (a message, or a document with a version number)."""

    __tablename__ = "file_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint(ONE_OWNER, name="one_owner"),
        # The worker's queue: pending files whose next attempt is due.
        Index("ix_file_versions_scan_queue", "scan_status", "next_scan_at"),
        # Attachments only: most versions are documents' (no message), and SQLite's statistics,
        # one average of rows per value, NULL counted as a value, made the whole table look
        # like one message's attachments (the table read whole for a page's five messages).
        Index("ix_file_versions_message_id", "message_id", sqlite_where=text("message_id IS NOT NULL"),
              postgresql_where=text("message_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int | None]
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(100))
    scan_status: Mapped[str] = mapped_column(String(20), default=NOT_SCANNED)
    scan_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last attempt
    next_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a pending file's next attempt
    scan_detail: Mapped[str] = mapped_column(String(255), default="", server_default="")
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploader: Mapped[User | None] = relationship()

    __mapper_args__ = {"polymorphic_on": kind}


class FileText(db.Model):
    """The text the worker read from a stored file, for search (``files/text.py``). A file
    without this row is still to be read: the upload writes nothing here, and a worker claims
    a file by inserting its row ("reading"), then stores what it read ("read") or that it
    could not ("unreadable": the file is still found by its name). A claim older than a few
    minutes (a worker that stopped) is taken over."""

    __tablename__ = "file_texts"

    file_version_id: Mapped[int] = mapped_column(
        ForeignKey("file_versions.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20), default=READING)
    text: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
