from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.accounts.models import User
from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db
from extranet.files.models import ATTACHMENT, FileVersion
from extranet.organizations.models import Organization

PRIORITIES = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}
CONFIDENTIALITY = {"standard": _l("Whole organization"), "restricted": _l("Restricted")}


class ServiceRequest(db.Model):
    """One generic table for every field's requests: ``type`` and ``data`` carry the rest."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_org_state", "organization_id", "state"),
        # The request list's filters with its order (newest first, then id): any page of the
        # list is read in index order, page 100 as cheaply as page 1 (migration 0027).
        Index("ix_requests_field_state_created", "field", "state", "created_at", "id"),
        Index("ix_requests_field_created", "field", "created_at", "id"),
        Index("ix_requests_state_created", "state", "created_at", "id"),
        Index("ix_requests_org_created", "organization_id", "created_at", "id"),
        # Open requests past their due time, per field (the dashboards' overdue figures), read
        # from the index alone: "open" is a few states of many rows, "due" a range within each.
        Index("ix_requests_state_due", "state", "due_at", "field"),
        # Cover the annual report's counts: requests opened, and closed, per organization and
        # field in a period, without reading the rows.
        Index("ix_requests_opened", "created_at", "organization_id", "field"),
        Index("ix_requests_closed", "state_changed_at", "state", "organization_id", "field", "id"),
        # Time entries joined to their request for its field or organization (expert utilisation
        # in a field) read this index instead of the rows.
        Index("ix_requests_scope", "id", "field", "organization_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(30), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(40))
    confidentiality: Mapped[str] = mapped_column(String(20), default="standard")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The state entered last, and when: "delivered less than 30 days ago" reads it.
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic lock of what two people can overwrite (state, assignment, the request's own
    # fields), bumped by ``service.claim``. Appends (messages, notes, time, contacts, ratings)
    # leave it alone, so a page loaded before them is still current.
    version: Mapped[int] = mapped_column(default=1)

    organization: Mapped[Organization] = relationship()
    requester: Mapped[User] = relationship()
    participants: Mapped[list[RequestParticipant]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestEvent.id"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="Message.id"
    )
    tags: Mapped[list[RequestTag]] = relationship(cascade="all, delete-orphan", order_by="RequestTag.key")

    @property
    def is_restricted(self) -> bool:
        return self.confidentiality == "restricted"

    def people(self, role: str) -> list[User]:
        return [p.user for p in self.participants if p.role == role]

    @property
    def assignees(self) -> list[User]:
        return self.people("assignee")

    @property
    def contacts(self) -> list[User]:
        return self.people("contact")

    @property
    def priority_label(self) -> str:
        return str(PRIORITIES.get(self.priority, self.priority))

    def __repr__(self) -> str:
        return f"<ServiceRequest {self.reference}>"


class RequestParticipant(db.Model):
    """Named contacts (role "contact") and assigned experts (role "assignee")."""

    __tablename__ = "request_participants"
    __table_args__ = (UniqueConstraint("request_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    request: Mapped[ServiceRequest] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()


class RequestEvent(db.Model):
    """The history: creation, transitions, assignments, contacts."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    transition: Mapped[str | None] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Message(db.Model):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="Attachment.id"
    )


class Attachment(FileVersion):
    """A file attached to a message: a stored file (``file_versions``) owned by the message."""

    __mapper_args__ = {"polymorphic_identity": ATTACHMENT}

    message: Mapped[Message] = relationship(back_populates="attachments")


class ReferenceCounter(db.Model):
    """The last number given per reference prefix and year (RH-2026-0042)."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class RequestTag(db.Model):
    """A word experts file a request under (« paie », "urgent-board"): free text, shown to the
    request's staff only. ``key`` is the lower-cased name, so that « Paie » and « paie » are one
    tag on a request and one filter on the list."""

    __tablename__ = "request_tags"
    __table_args__ = (
        UniqueConstraint("request_id", "key"),
        # The list filtered by a tag, and the suggestions of a field, read this index.
        Index("ix_request_tags_key", "key", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(40))


class ReplyTemplate(db.Model):
    """A reply the experts of a field insert into the message box, written in French and/or
    English: the requester's language is inserted (the other one when it is missing)."""

    __tablename__ = "reply_templates"
    __table_args__ = (Index("ix_reply_templates_field", "field", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    body_fr: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def body_for(self, locale: str | None) -> str:
        french = (locale or "fr").startswith("fr")
        first, second = (self.body_fr, self.body_en) if french else (self.body_en, self.body_fr)
        return first or second


class SavedView(db.Model):
    """A list's filters one saved under a name ("Paie en attente"): the list's query string."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
