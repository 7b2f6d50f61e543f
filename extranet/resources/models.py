"""The resource library's rows: what an expert publishes for a field's members, and when each
person last opened a field's library."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.db_types import UTCDateTime, utcnow
from extranet.documents.models import Document
from extranet.extensions import db


class Resource(db.Model):
    """A guide, template or model document an expert publishes for a field's members."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(10), default="fr")  # fr, en or both
    category: Mapped[str] = mapped_column(String(60), default="guide")
    audience: Mapped[str] = mapped_column(String(20), default="members")
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    document: Mapped[Document] = relationship()


class ResourceVisit(db.Model):
    """When a person last opened a field's library: what is newer gets a "new" badge."""

    __tablename__ = "resource_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
