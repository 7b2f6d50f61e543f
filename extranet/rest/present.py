"""Rows as the API's output models. What a model shows of a request follows the pages: only
requests the reader may open are presented whole; others are named by reference only."""

from __future__ import annotations

from flask import url_for

from extranet.documents.models import Document
from extranet.policy import can
from extranet.requests.standard import workflow_of
from extranet.rest import schemas as s


def person(user) -> s.Person | None:
    return None if user is None else s.Person(id=user.id, name=user.name)


def request_out(req, user) -> s.RequestOut:
    workflow = workflow_of(req)
    people = {"assignee": [], "contact": []}
    for p in req.participants:
        if p.role in people:
            people[p.role].append(person(p.user))
    return s.RequestOut(
        id=req.id, reference=req.reference, field=req.field, type=req.type, organization_id=req.organization_id,
        title=req.title, description=req.description, state=req.state, priority=req.priority,
        confidentiality=req.confidentiality, due_at=req.due_at, created_at=req.created_at,
        updated_at=req.updated_at, version=req.version, requester=person(req.requester),
        assignees=people["assignee"], contacts=people["contact"], answers=req.data or {},
        transitions=[t.slug for t in workflow.transitions_from(req.state) if can(user, "request.transition", (req, t))],
    )


def file_out(file, download: str) -> s.FileOut:
    return s.FileOut(id=file.id, filename=file.filename, size=file.size, mime=file.mime, sha256=file.sha256,
                     scan_status=file.scan_status, created_at=file.created_at, download=download)


def attachment_out(attachment) -> s.FileOut:
    return file_out(attachment, url_for("api.attachment_content", reference=attachment.message.request.reference,
                                        attachment_id=attachment.id))


def message_out(message) -> s.MessageOut:
    return s.MessageOut(id=message.id, author=person(message.author), body=message.body, internal=message.internal,
                        created_at=message.created_at, attachments=[attachment_out(a) for a in message.attachments])


def document_out(doc: Document) -> s.DocumentOut:
    current = doc.current
    return s.DocumentOut(
        id=doc.id, title=doc.title, field=doc.field, organization_id=doc.organization_id,
        request=doc.request.reference if doc.request is not None else None, visibility=doc.visibility,
        created_at=doc.created_at, updated_at=doc.updated_at, versions=len(doc.versions),
        current=file_out(current, url_for("api.document_content", doc_id=doc.id)) if current else None,
    )


def organization_out(org) -> s.OrganizationOut:
    return s.OrganizationOut(id=org.id, name=org.name, kind=org.kind, parent_id=org.parent_id, active=org.active,
                             fields=sorted(org.subscribed_fields))


def type_out(rtype) -> s.RequestTypeOut:
    return s.RequestTypeOut(field=rtype.field, slug=rtype.slug, label=str(rtype.label),
                            description=str(rtype.description or ""), confidentiality=rtype.confidentiality,
                            workflow=rtype.workflow)
