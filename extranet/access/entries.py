"""A page of access records as its reader sees them: who read (an admin is "an administrator of
the cooperative", everyone else their name and role) and what, named under the one
confidentiality rule (``requests.rules.openable_requests``): a request the reader cannot open
keeps its reference and field, never its title; a file the reader cannot open is named by its
request's reference only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extranet.access.models import AccessRecord
from extranet.documents.models import Document
from extranet.extensions import db
from extranet.plugins import host
from extranet.policy import can
from extranet.requests.models import Attachment, Message, ServiceRequest
from extranet.requests.rules import openable_requests

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "expert": _l("Expert of the cooperative"),
    "manager": _l("Manager of the organization"),
    "member": _l("Member of the organization"),
    "federation": _l("Manager of the federation"),
}
ADMINISTRATOR = _l("An administrator of the cooperative")
FORMER_USER = _l("A former user")


@dataclass
class Entry:
    at: datetime
    who: str
    role: str
    what: str
    reference: str | None = None  # a request the reader may open, for a link


def viewer_name(record: AccessRecord) -> str:
    """The reader as the person concerned sees them (the same wording everywhere)."""
    if record.viewer_role == "admin":
        return str(ADMINISTRATOR)
    return record.viewer.name if record.viewer is not None else str(FORMER_USER)


def entries(records: list[AccessRecord], reader) -> list[Entry]:
    """``records`` as ``reader`` is shown them, in a few queries whatever their number."""
    by_kind: dict[str, set[int]] = {}
    for record in records:
        by_kind.setdefault(record.kind, set()).add(record.object_id)
    request_ids = {r.request_id for r in records if r.request_id is not None}
    requests = _by_id(ServiceRequest, request_ids)
    openable = openable_requests(reader, request_ids)
    documents = _by_id(Document, by_kind.get("document", set()))
    attachments = _by_id(Attachment, by_kind.get("attachment", set()),
                         selectinload(Attachment.message).selectinload(Message.request))
    result = []
    for record in records:
        req = requests.get(record.request_id)
        what = _what(record, reader, req, req is not None and req.id in openable, documents, attachments)
        link = req.reference if req is not None and req.id in openable else None
        result.append(Entry(record.at, viewer_name(record), str(ROLE_LABELS.get(record.viewer_role, "")), what, link))
    return result


def _by_id(model, ids: set[int], *options) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}


def request_name(req: ServiceRequest | None, openable: bool) -> str:
    """A request as the one rule names it: with its title only for those who may open it."""
    if req is None:
        return str(_l("a request since removed"))
    if openable:
        return f"{req.reference} · {req.title}"
    return f"{req.reference} ({host().field_label(req.field)})"


def _what(record, reader, req, openable, documents, attachments) -> str:
    if record.kind == "request":
        return str(_l("Request %(name)s", name=request_name(req, openable)))
    if record.kind == "document":
        doc = documents.get(record.object_id)
        if doc is not None and can(reader, "document.view", doc):
            return str(_l("Document “%(title)s”", title=doc.title))
        if req is not None:
            return str(_l("A document of request %(reference)s", reference=req.reference))
        return str(_l("A document"))
    if record.kind == "attachment":
        found = attachments.get(record.object_id)
        if found is not None and req is not None and can(reader, "message.view", found.message):
            return str(_l("File “%(name)s” of request %(reference)s", name=found.filename, reference=req.reference))
        if req is not None:
            return str(_l("A file of request %(reference)s", reference=req.reference))
        return str(_l("A file"))
    if record.kind == "statement":
        return str(_l("Statement of %(month)s", month=_month(record.detail)))
    if record.kind == "profile":
        return str(_l("Your account"))
    return record.kind


def _month(key: str) -> str:
    try:
        year, month = (int(part) for part in key.split("-"))
        return format_date(date(year, month, 1), "MMMM yyyy")
    except ValueError:
        return key
