from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db
from extranet.files.models import DOCUMENT, FileVersion
from extranet.organizations.models import Organization

VISIBILITY = {
    "org": _l("Whole organization"),
    "restricted": _l("Restricted to the request's participants"),
    "internal": _l("Internal (experts only)"),
}


class Folder(db.Model):
    """A folder of an organization's document space in one field."""

    __tablename__ = "folders"
    __table_args__ = (UniqueConstraint("organization_id", "field", "parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    parent: Mapped[Folder | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Folder]] = relationship(back_populates="parent")


class Document(db.Model):
    """A document in a folder, attached to a request, or behind a field resource (no
    organization). Deleting sends it to the trash (``deleted_at``) for 30 days."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_org_field", "organization_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    field: Mapped[str] = mapped_column(String(40))
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("folders.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    visibility: Mapped[str] = mapped_column(String(20), default="org")
    # The slug of the field's document category it was filed under (None: no category).
    category: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organization: Mapped[Organization | None] = relationship()
    folder: Mapped[Folder | None] = relationship()
    request = relationship("ServiceRequest")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentVersion.number"
    )

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None


class DocumentVersion(FileVersion):
    """Version ``number`` of a document: a stored file (``file_versions``) owned by the document."""

    __mapper_args__ = {"polymorphic_identity": DOCUMENT}

    document: Mapped[Document] = relationship(back_populates="versions")
