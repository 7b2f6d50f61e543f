"""Who read what: one row per reader, thing read and hour (see ``service`` for why per hour)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime
from extranet.extensions import db

# What was read: ``object_id`` is the id of a request, a document, a message's attachment (a row
# of file_versions), an organization (its statement of ``detail``, a month "2026-03") or a user
# (their profile).
KINDS = ("request", "document", "attachment", "statement", "profile")
# The reader's standing when they read it, which names them to the person concerned.
ROLES = ("admin", "expert", "manager", "member", "federation")


class AccessRecord(db.Model):
    __tablename__ = "access_records"
    __table_args__ = (
        UniqueConstraint("viewer_id", "kind", "object_id", "detail", "hour", name="uq_access_records_read"),
        Index("ix_access_records_subject", "subject_id", "hour"),
        Index("ix_access_records_organization", "organization_id", "hour"),
        Index("ix_access_records_request", "request_id", "hour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    viewer_role: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    detail: Mapped[str] = mapped_column(String(20), default="")
    # Whose information it is, so that each finds what concerns them without a join per kind:
    # the request's organization (its manager), the request (its requester and contacts), the
    # person (a file's uploader, a profile's owner).
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    viewer: Mapped[User | None] = relationship(foreign_keys=[viewer_id])
