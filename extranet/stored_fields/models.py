"""Fields that admins create in the browser: the field, its request types and each type's form.

A type's form is a list of questions (JSON). Every saved change of it appends a new version to
``form_versions`` instead of overwriting: a request records the version it was filed with
(``data["_form"]``), so its answers keep the labels and choices they were given, and a question
removed later stays on the requests that answered it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extranet.db_types import UTCDateTime, utcnow
from extranet.extensions import db


class StoredField(db.Model):
    __tablename__ = "stored_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_fr: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    prefix: Mapped[str] = mapped_column(String(6))
    colour: Mapped[str] = mapped_column(String(7), default="#35607a")
    icon: Mapped[str] = mapped_column(String(40), default="folder")
    order: Mapped[int] = mapped_column(default=100)
    confidentiality: Mapped[str] = mapped_column(String(20), default="standard")
    # Bumped by every change of the field, its types or their forms: each process compares
    # the revisions with those it loaded, once per request, and reloads when they differ.
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    types: Mapped[list[StoredRequestType]] = relationship(
        back_populates="field", cascade="all, delete-orphan", order_by="StoredRequestType.order, StoredRequestType.id"
    )

    # The revision is also the optimistic lock of the field and everything in it: a change
    # saves only if the revision is still the one it read (service.touch sets the next one), so
    # that two admins editing one form at once never lose a question silently.
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}


class StoredRequestType(db.Model):
    __tablename__ = "stored_request_types"
    __table_args__ = (UniqueConstraint("field_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("stored_fields.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(60))
    name_fr: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    workflow: Mapped[str] = mapped_column(String(40), default="standard")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    order: Mapped[int] = mapped_column(default=100)
    # Hours from filing to the answer the cooperative commits to, per priority ({"urgent": 4}).
    response_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    # Every version of the form, oldest first; the last is the one new requests get.
    form_versions: Mapped[list] = mapped_column(JSON, default=lambda: [[]])

    field: Mapped[StoredField] = relationship(back_populates="types")

    @property
    def questions(self) -> list[dict]:
        return list(self.form_versions[-1]) if self.form_versions else []

    @property
    def form_version(self) -> int:
        return len(self.form_versions or [[]]) - 1
