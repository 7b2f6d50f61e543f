"""Reply templates: a field's ready-made answers, written by admins in French and English, that
the field's experts insert into a request's message box (and edit before sending)."""

from __future__ import annotations

from sqlalchemy import select

from extranet.audit.service import record
from extranet.extensions import db
from extranet.requests.models import ReplyTemplate


def of_field(field: str) -> list[ReplyTemplate]:
    return db.session.scalars(select(ReplyTemplate).where(ReplyTemplate.field == field)
                              .order_by(ReplyTemplate.name, ReplyTemplate.id)).all()


def save(template: ReplyTemplate | None, form) -> ReplyTemplate:
    """Create (``template`` None) or change a template from its form."""
    created = template is None
    if created:
        template = ReplyTemplate()
        db.session.add(template)
    template.field = form.field.data
    template.name = form.name.data.strip()
    template.body_fr = (form.body_fr.data or "").strip()
    template.body_en = (form.body_en.data or "").strip()
    db.session.flush()
    record("replies.created" if created else "replies.changed", name=template.name, field=template.field)
    return template


def delete(template: ReplyTemplate) -> None:
    record("replies.deleted", name=template.name, field=template.field)
    db.session.delete(template)
