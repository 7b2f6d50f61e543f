"""Uploads: each file streamed into storage under a server-made key, its type decided from its
bytes (``sniff``), scanned for viruses when clamd is configured (``scan``), counted against its
organization's quota (``quota``), and refused with a message naming it when it cannot be kept.

Whatever fails after an object was written (a refused type, another file of the same batch,
the database commit) deletes the object again (``store_one``, ``store_uploads``, ``discard``),
so that a failed upload leaves neither a file nor a row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from extranet.db_types import utcnow
from extranet.files import UploadRefused, quota, scan, sniff
from extranet.files.models import INFECTED, NOT_SCANNED
from extranet.files.names import human_size, sanitize_filename
from extranet.storage import StorageError, StoredObject, TooLarge, get_storage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedFile:
    """A file in storage whose row is not committed yet."""

    stored: StoredObject
    filename: str
    mime: str
    scan_status: str = NOT_SCANNED
    scan_columns: dict = field(default_factory=dict)  # the scan's bookkeeping (scan.bookkeeping)

    def columns(self) -> dict:
        """The ``FileVersion`` columns this file fills, whoever owns its row: every owner keeps
        the same record of what was stored and of its scan."""
        return {
            "storage_key": self.stored.key, "filename": self.filename, "size": self.stored.size,
            "sha256": self.stored.sha256, "mime": self.mime, **self.scan_columns, "scan_status": self.scan_status,
        }


def max_upload_bytes() -> int:
    return current_app.config["MAX_UPLOAD_BYTES"]


def _refusal(reason: str, name: str) -> str:
    if reason == "executable":
        return _("%(name)s is a program or a script: such files are not accepted.", name=name)
    if reason == "markup":
        return _("%(name)s is a web page or an SVG image: such files are not accepted.", name=name)
    if reason == "empty":
        return _("%(name)s is empty.", name=name)
    return _(
        "%(name)s is not an accepted type of file. Send PDF, images (PNG, JPEG, GIF, WebP), "
        "Office or OpenDocument files, or plain text and CSV.",
        name=name,
    )


def uploads_of(files: Iterable) -> list:
    """The files actually chosen (a form without a choice sends one empty part)."""
    return [f for f in files if f is not None and f.filename]


def store_uploads(files: Iterable, *, organization) -> list[SavedFile]:
    """Store each upload, check its type and scan it, then check that together they fit in
    ``organization``'s quota (None: a field resource, which counts for no organization); all
    or nothing. Every file is checked even after a refusal, so that the refusal names each
    refused file with its reason, and the accepted ones, which are not kept either (the person
    chooses them again). On a refusal or an error every object already written is deleted, then
    ``UploadRefused`` (or the error) is raised. The quota's lock on the organization lasts until
    the caller's commit."""
    storage = get_storage()
    saved: list[SavedFile] = []
    refusals: list[str] = []
    over_quota: list[SavedFile] = []
    try:
        for upload in files:
            try:
                saved.append(scanned(store_one(upload, storage), storage))
            except UploadRefused as refused:
                refusals.append(str(refused))
        if saved and not refusals and organization is not None:
            try:
                quota.check(organization, saved)
            except quota.Exceeded as exceeded:
                refusals.append(str(exceeded))
                over_quota = exceeded.files
    except BaseException:
        discard(saved)
        raise
    if refusals:
        discard(saved)
        others = [s for s in saved if s not in over_quota]
        if others:
            refusals.append(ngettext(
                "%(names)s was not kept either: choose it again.",
                "%(names)s were not kept either: choose them again.",
                len(others), names=", ".join(s.filename for s in others),
            ))
        raise UploadRefused(" ".join(refusals))
    return saved


def store_one(upload, storage=None) -> SavedFile:
    """Store one upload and check its type; a refused one is deleted again and raises
    ``UploadRefused``, naming the file and the reason."""
    storage = storage or get_storage()
    name = sanitize_filename(upload.filename)
    limit = max_upload_bytes()
    try:
        stored = storage.save(upload.stream, limit)
    except TooLarge:
        raise UploadRefused(
            _("%(name)s is larger than the limit of %(size)s per file.", name=name, size=human_size(limit))
        ) from None
    except StorageError:
        log.exception("uploads: could not store %r", name)
        raise UploadRefused(_("%(name)s could not be saved. Please try again later.", name=name)) from None
    try:
        with storage.open(stored.key) as fh:
            detected = sniff.detect(fh)
    except sniff.Refused as refused:
        storage.delete(stored.key)
        log.info("uploads: refused %r (%s)", name, refused.reason)
        raise UploadRefused(_refusal(refused.reason, name)) from None
    except BaseException:
        storage.delete(stored.key)
        raise
    return SavedFile(stored=stored, filename=name, mime=detected.mime)


def scanned(saved: SavedFile, storage=None) -> SavedFile:
    """``saved`` with its virus scan's verdict when clamd is configured. An infected file is
    deleted and refused; one that could not be scanned now is kept as pending, and is not
    served until a later scan finds it clean."""
    if not scan.enabled():
        return saved
    storage = storage or get_storage()
    verdict = scan.check(storage, saved.stored.key)
    if verdict.status == INFECTED:
        storage.delete(saved.stored.key)
        raise UploadRefused(_("%(name)s contains a virus: it was refused.", name=saved.filename))
    return replace(saved, scan_status=verdict.status, scan_columns=scan.bookkeeping(verdict, 1, utcnow()))


def discard(saved: Iterable[SavedFile]) -> None:
    """Delete the stored objects of uploads whose rows will not be committed."""
    get_storage().delete_many([s.stored.key for s in saved])


def not_kept(uploads) -> str:
    """Files sent with a form refused for another reason: the browser cannot show them again."""
    names = [sanitize_filename(u.filename) for u in uploads]
    return ngettext("%(names)s was not kept: choose it again.", "%(names)s were not kept: choose them again.",
                    len(names), names=", ".join(names))
