"""Document spaces: uploads (new documents and versions), folders, trash, downloads.

Uploads go through ``extranet.files``: streamed to storage under server-made keys, typed from
their bytes, hashed. Each file of a batch is its own upload: it is checked (category, virus
scan, the organization's quota, shared with its requests' messages) and committed alone, and
whatever fails after its object was written (a check, the commit) deletes the object again, so
a refused file leaves neither a file nor a row and costs the other files nothing. The functions
here build the rows and write the audit records; the pages commit (each file of a batch on its
own) and then call the plugin listeners (``extranet_document_uploaded``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from extranet.audit.service import record
from extranet.db_types import utcnow
from extranet.documents.models import Document, DocumentVersion, Folder
from extranet.documents.rules import TRASH_DAYS
from extranet.extensions import db
from extranet.files import downloads, quota, uploads
from extranet.files.names import sanitize_filename
from extranet.files.uploads import UploadRefused, human_size
from extranet.organizations.models import Organization
from extranet.plugins import host
from extranet.resources.models import Resource
from extranet.storage import get_storage
from extranet.webhooks import events as webhooks

log = logging.getLogger(__name__)

__all__ = ["FolderError", "UploadRefused", "human_size", "sanitize_filename"]


class FolderError(ValueError):
    """A folder change that cannot be made; ``str(error)`` is a translated message."""


# -- categories -------------------------------------------------------------------------------


def categories_of(field: str):
    return host().categories_of(field)


def category_of(field: str, slug: str | None):
    if not slug:
        return None
    category = host().document_categories.get((field, slug))
    if category is None:
        raise UploadRefused(_("Choose a category from the list."))
    return category


def _check_category(category, saved) -> None:
    if category is None:
        return
    if not category.accepts(saved.mime):
        raise UploadRefused(_(
            "%(name)s is not accepted in the category “%(category)s”.", name=saved.filename, category=category.label
        ))
    if category.max_size is not None and saved.stored.size > category.max_size:
        raise UploadRefused(_(
            "%(name)s is larger than the limit of %(size)s per file in the category “%(category)s”.",
            name=saved.filename, size=human_size(category.max_size), category=category.label,
        ))


# -- uploads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of one file of an upload: its document, or why it was refused."""

    filename: str
    document: Document | None = None
    refusal: str | None = None
    number: int = 1  # of the version

    @property
    def message(self) -> str:
        if self.refusal:
            return self.refusal
        if self.number > 1:
            return _("%(name)s is saved as version %(number)s.", name=self.filename, number=self.number)
        return _("%(name)s is saved.", name=self.filename)


def _version(doc: Document, saved, number: int, user) -> DocumentVersion:
    return DocumentVersion(document=doc, number=number, uploader_id=user.id, **saved.columns())


def add_document(saved, *, org: Organization, field: str, user, category=None, folder: Folder | None = None,
                 request=None, visibility: str = "org") -> Document:
    """A stored file becomes a document (version 1, titled by its sanitized name), once its
    category, virus scan and the organization's quota accept it (``UploadRefused`` otherwise).
    The caller commits each file on its own, and deletes the stored object when it does not."""
    _check_category(category, saved)
    saved = uploads.scanned(saved)
    quota.check(org, [saved])
    doc = Document(
        organization=org, field=field, folder=folder, request=request, title=saved.filename,
        visibility=visibility, created_by_id=user.id, category=category.slug if category else None,
    )
    db.session.add(doc)
    doc.versions.append(_version(doc, saved, 1, user))
    db.session.flush()
    record("documents.uploaded", target=doc, organization=org, field=field, title=doc.title,
           size=saved.stored.size, sha256=saved.stored.sha256,
           request=request.reference if request is not None else None)
    webhooks.document_uploaded(doc, 1, user)
    return doc


def add_version(doc: Document, saved, user) -> DocumentVersion:
    """A stored file becomes version n+1 of ``doc`` (``UploadRefused`` by the scan or quota)."""
    saved = uploads.scanned(saved)
    quota.check(doc.organization, [saved])
    number = (doc.current.number if doc.current else 0) + 1
    version = _version(doc, saved, number, user)
    doc.versions.append(version)
    doc.updated_at = utcnow()
    db.session.flush()
    record("documents.new_version", target=doc, organization=doc.organization, version=number,
           size=version.size, sha256=version.sha256)
    webhooks.document_uploaded(doc, number, user)
    return version


# -- changes ------------------------------------------------------------------------------------


def rename(doc: Document, title: str) -> None:
    old, doc.title = doc.title, sanitize_filename(title)
    record("documents.renamed", target=doc, organization=doc.organization, old=old, new=doc.title)


def move(doc: Document, folder: Folder | None) -> None:
    old = doc.folder_id
    doc.folder = folder
    record("documents.moved", target=doc, organization=doc.organization, old=old,
           new=folder.id if folder else None)


def set_visibility(doc: Document, visibility: str) -> None:
    old, doc.visibility = doc.visibility, visibility
    record("documents.visibility", target=doc, organization=doc.organization, old=old, new=visibility)


def trash(doc: Document, user) -> None:
    doc.deleted_at = utcnow()
    doc.deleted_by_id = user.id
    record("documents.deleted", target=doc, organization=doc.organization, title=doc.title)


def restore(doc: Document) -> None:
    doc.deleted_at = None
    doc.deleted_by_id = None
    record("documents.restored", target=doc, organization=doc.organization, title=doc.title)


def set_storage_quota(org: Organization, limit: int | None) -> None:
    """The organization's storage limit in bytes; None for the default of the installation."""
    old, org.storage_quota = org.storage_quota, limit
    record("documents.quota_changed", target=org, organization=org, old=old, new=limit)


def purge(doc: Document, **details) -> list[str]:
    """Delete the document and its versions; returns the keys of their stored objects, which
    ``remove_stored`` deletes once the caller has committed. The rows go first: should deleting
    an object then fail, it is an orphan that the storage checker removes, never a row pointing
    to a missing file."""
    keys = [v.storage_key for v in doc.versions]
    record("documents.purged", target=doc, organization=doc.organization, title=doc.title,
           versions=len(keys), **details)
    db.session.delete(doc)
    return keys


def remove_stored(keys: list[str]) -> None:
    get_storage().delete_many(keys)


def purge_expired(now=None) -> int:
    """Purge the documents deleted more than TRASH_DAYS ago (not those behind a resource)."""
    limit = (now or utcnow()) - timedelta(days=TRASH_DAYS)
    expired = db.session.scalars(
        select(Document).where(
            Document.deleted_at.is_not(None), Document.deleted_at <= limit,
            ~exists().where(Resource.document_id == Document.id),
        )
    ).all()
    for doc in expired:
        keys = purge(doc, automatic=True)
        db.session.commit()
        remove_stored(keys)
    return len(expired)


def trash_expires_at(doc: Document):
    return doc.deleted_at + timedelta(days=TRASH_DAYS) if doc.deleted_at else None


# -- folders ------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split()).strip()
    if not name or name in {".", ".."} or "/" in name or "\\" in name:
        raise FolderError(_("A folder name cannot be empty, “.” or “..”, nor hold a slash."))
    return name[:200]


def _check_unique(org_id: int, field: str, parent_id: int | None, name: str, folder_id: int | None = None):
    query = select(Folder.id).where(
        Folder.organization_id == org_id, Folder.field == field, Folder.name == name,
        Folder.parent_id.is_(None) if parent_id is None else Folder.parent_id == parent_id,
    )
    if folder_id is not None:
        query = query.where(Folder.id != folder_id)
    if db.session.scalar(query) is not None:
        raise FolderError(_("There is already a folder named “%(name)s” here.", name=name))


def create_folder(org: Organization, field: str, parent: Folder | None, name: str, user) -> Folder:
    name = _clean_name(name)
    _check_unique(org.id, field, parent.id if parent else None, name)
    folder = Folder(organization=org, field=field, parent=parent, name=name, created_by_id=user.id)
    db.session.add(folder)
    db.session.flush()
    record("documents.folder_created", target=folder, organization=org, name=name)
    return folder


def rename_folder(folder: Folder, name: str) -> None:
    name = _clean_name(name)
    _check_unique(folder.organization_id, folder.field, folder.parent_id, name, folder.id)
    old, folder.name = folder.name, name
    record("documents.folder_renamed", target=folder, organization=folder.organization, old=old, new=name)


def ancestors(folder: Folder | None) -> list[Folder]:
    """From the root down to ``folder`` (for breadcrumbs)."""
    chain = []
    seen = set()
    while folder is not None and folder.id not in seen:
        seen.add(folder.id)
        chain.append(folder)
        folder = folder.parent
    return list(reversed(chain))


def move_folder(folder: Folder, parent: Folder | None) -> None:
    if parent is not None and folder in ancestors(parent):
        raise FolderError(_("A folder cannot be moved into itself or one of its subfolders."))
    _check_unique(folder.organization_id, folder.field, parent.id if parent else None, folder.name, folder.id)
    old = folder.parent_id
    folder.parent = parent
    record("documents.folder_moved", target=folder, organization=folder.organization, old=old,
           new=parent.id if parent else None)


def delete_folder(folder: Folder) -> None:
    has_children = db.session.scalar(select(func.count(Folder.id)).where(Folder.parent_id == folder.id))
    # Documents in the trash count too: restoring them needs their folder.
    has_documents = db.session.scalar(select(func.count(Document.id)).where(Document.folder_id == folder.id))
    if has_children or has_documents:
        raise FolderError(_("Only an empty folder can be deleted (documents in the trash count)."))
    record("documents.folder_deleted", target=folder, organization=folder.organization, name=folder.name)
    db.session.delete(folder)


def folder_tree(org: Organization, field: str) -> list[tuple[Folder, int]]:
    """Every folder of the space with its depth, in tree order (for "move to" pickers)."""
    folders = db.session.scalars(
        select(Folder).where(Folder.organization_id == org.id, Folder.field == field).order_by(Folder.name)
    ).all()
    children: dict[int | None, list[Folder]] = {}
    for f in folders:
        children.setdefault(f.parent_id, []).append(f)
    result: list[tuple[Folder, int]] = []

    def walk(parent_id, depth):
        for f in children.get(parent_id, []):
            result.append((f, depth))
            walk(f.id, depth + 1)

    walk(None, 0)
    return result


# -- downloads ----------------------------------------------------------------------------------


def send_version(version: DocumentVersion):
    """The download response (``extranet.files.downloads``: the document's rule, the scan, the
    sha256) and its audit event, which the caller commits."""
    doc = version.document
    response = downloads.send(version, "document.view", doc)
    record("documents.downloaded", target=doc, organization=doc.organization, version=version.number)
    return response
