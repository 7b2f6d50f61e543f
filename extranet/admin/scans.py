"""What the administrators' "Virus scans" page lists: every stored file that cannot be downloaded
because of its scan (pending, infected, or not scanned yet once clamd is configured), with its
reason, its attempts and where it belongs (a request's message, an organization's document, a
field's resource), and the counts shown above the list.

Owners are read in one query per kind for the page's rows, so that the page costs the same
number of queries whatever it shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from extranet.documents.models import Document, DocumentVersion
from extranet.extensions import db
from extranet.files import scan
from extranet.files.models import ATTACHMENT, INFECTED, NOT_SCANNED, PENDING, FileVersion
from extranet.organizations.models import Organization
from extranet.requests.models import Attachment, Message, ServiceRequest

SHOWN = (PENDING, INFECTED, NOT_SCANNED)
LABELS = {PENDING: _l("Pending"), INFECTED: _l("Infected"), NOT_SCANNED: _l("Not scanned yet")}


@dataclass(frozen=True)
class Owner:
    """Where a file belongs: a request (by reference) or a document (by title), an
    organization's or, for a field's resource, none."""

    kind: str  # "attachment" or "document"
    label: str  # the request's reference, or the document's title
    organization: str | None
    field: str


def label(status: str) -> str:
    return str(LABELS.get(status, status))


def statuses() -> tuple[str, ...]:
    """The statuses that block a download now: not_scanned only once clamd is configured."""
    return SHOWN if scan.enabled() else (PENDING, INFECTED)


def counts() -> Counter:
    rows = db.session.execute(
        db.select(FileVersion.scan_status, db.func.count()).where(FileVersion.scan_status.in_(statuses()))
        .group_by(FileVersion.scan_status)
    ).all()
    return Counter(dict(rows))


def queue(status: str | None):
    """The query of the files listed: infected first, then the longest waiting."""
    shown = (status,) if status in statuses() else statuses()
    return (
        db.select(FileVersion).where(FileVersion.scan_status.in_(shown))
        .order_by((FileVersion.scan_status == INFECTED).desc(), FileVersion.created_at, FileVersion.id)
    )


def owners(files: list[FileVersion]) -> dict[int, Owner]:
    """The owner of each of ``files``, by file id."""
    attachment_ids = [f.id for f in files if f.kind == ATTACHMENT]
    version_ids = [f.id for f in files if f.kind != ATTACHMENT]
    found: dict[int, Owner] = {}
    if attachment_ids:
        for file_id, reference, org, field in db.session.execute(
            db.select(Attachment.id, ServiceRequest.reference, Organization.name, ServiceRequest.field)
            .join(Message, Attachment.message_id == Message.id)
            .join(ServiceRequest, Message.request_id == ServiceRequest.id)
            .join(Organization, ServiceRequest.organization_id == Organization.id)
            .where(Attachment.id.in_(attachment_ids))
        ):
            found[file_id] = Owner("attachment", reference, org, field)
    if version_ids:
        for file_id, title, org, field in db.session.execute(
            db.select(DocumentVersion.id, Document.title, Organization.name, Document.field)
            .join(Document, DocumentVersion.document_id == Document.id)
            .outerjoin(Organization, Document.organization_id == Organization.id)
            .where(DocumentVersion.id.in_(version_ids))
        ):
            found[file_id] = Owner("document", title, org, field)
    return found
