"""An organization's storage quota: one limit for every file it keeps, in its document spaces
and in its requests' messages alike.

Nothing is stored for it: the usage is summed from ``file_versions`` through each file's owner
(a document's organization, or the organization of the request a message belongs to), so a
request moved to another organization takes its files' bytes along. The trash counts: its
files are still stored. Field resources belong to no organization and count for none.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, union_all

from extranet.documents.models import Document
from extranet.extensions import db
from extranet.files import UploadRefused
from extranet.files.models import FileVersion
from extranet.files.names import human_size
from extranet.organizations.models import Organization
from extranet.requests.models import Message, ServiceRequest


def quota_of(org: Organization) -> int:
    return org.storage_quota if org.storage_quota is not None else current_app.config["DOCUMENT_QUOTA"]


def usage_by_organization(org_ids: list[int]) -> dict[int, int]:
    """Bytes stored for each organization: its documents' versions and its messages' files."""
    ids = org_ids or [-1]
    documents = (
        select(Document.organization_id.label("organization_id"), FileVersion.size)
        .join(Document, FileVersion.document_id == Document.id)
        .where(Document.organization_id.in_(ids))
    )
    messages = (
        select(ServiceRequest.organization_id.label("organization_id"), FileVersion.size)
        .join(Message, FileVersion.message_id == Message.id)
        .join(ServiceRequest, Message.request_id == ServiceRequest.id)
        .where(ServiceRequest.organization_id.in_(ids))
    )
    files = union_all(documents, messages).subquery()
    rows = db.session.execute(
        select(files.c.organization_id, func.sum(files.c.size)).group_by(files.c.organization_id)
    ).all()
    return {org_id: int(total or 0) for org_id, total in rows}


def usage_of(org: Organization) -> int:
    return usage_by_organization([org.id]).get(org.id, 0)


class Exceeded(UploadRefused):
    """Files that do not fit (``files``); ``str(error)`` names each with the usage and quota."""

    def __init__(self, message: str, files: list):
        super().__init__(message)
        self.files = files


def check(org: Organization, saved: list) -> None:
    """Raise ``Exceeded`` (naming each file that does not fit) when the files ``saved`` would
    take ``org`` past its quota. The organization's row stays locked until the caller's commit
    (PostgreSQL), so that two uploads cannot both fit in the same last bytes."""
    db.session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())
    used, quota = usage_of(org), quota_of(org)
    refusals, refused = [], []
    for file in saved:  # in order: what fits counts for the files after it
        if used + file.stored.size > quota:
            refusals.append(_(
                "%(name)s (%(adding)s) would exceed your organization's storage quota: %(used)s of "
                "%(quota)s used. Delete or purge documents, or ask the cooperative for more space.",
                name=file.filename, adding=human_size(file.stored.size), used=human_size(used),
                quota=human_size(quota),
            ))
            refused.append(file)
        else:
            used += file.stored.size
    if refusals:
        raise Exceeded(" ".join(refusals), refused)
