"""Uploads: each file streamed into storage under a server-made key, its type decided from its
bytes (``sniff``), and refused with a message naming it when it cannot be kept.

Whatever fails after an object was written (a refused type, another file of the same batch,
the database commit) deletes the object again (``store_one``, ``store_uploads``, ``discard``),
so that a failed upload leaves neither a file nor a row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from babel.units import format_unit
from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from extranet.files import sniff
from extranet.files.names import sanitize_filename
from extranet.storage import StorageError, StoredObject, TooLarge, get_storage

log = logging.getLogger(__name__)


class UploadRefused(Exception):
    """An upload that cannot be kept; ``str(error)`` is a translated message naming the file."""


@dataclass(frozen=True)
class SavedFile:
    stored: StoredObject
    filename: str
    mime: str


def max_upload_bytes() -> int:
    return current_app.config["MAX_UPLOAD_BYTES"]


def human_size(size: int) -> str:
    """"5 GB", "50 MB", "1 kB", "58 bytes" (decimal units), in the user's language."""
    units = (("digital-gigabyte", 10**9), ("digital-megabyte", 10**6), ("digital-kilobyte", 10**3))
    for unit, factor in units:
        if size >= factor:
            return format_unit(size / factor, unit, length="short", format="#,##0.#", locale=get_locale())
    # The short form of "byte" has no plural in some languages ("58 octet"): spell it out.
    return format_unit(size, "digital-byte", length="long", locale=get_locale())


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


def store_uploads(files: Iterable) -> list[SavedFile]:
    """Store each upload and check its type; all or nothing. Every file is checked even after
    a refusal, so that the refusal names each refused file with its reason, and the accepted
    ones, which are not kept either (the person chooses them again). On a refusal or an error
    every object already written is deleted, then ``UploadRefused`` (or the error) is raised."""
    storage = get_storage()
    saved: list[SavedFile] = []
    refusals: list[str] = []
    try:
        for upload in files:
            try:
                saved.append(store_one(upload, storage))
            except UploadRefused as refused:
                refusals.append(str(refused))
    except BaseException:
        discard(saved)
        raise
    if refusals:
        discard(saved)
        if saved:
            refusals.append(ngettext(
                "%(names)s was not kept either: choose it again.",
                "%(names)s were not kept either: choose them again.",
                len(saved), names=", ".join(s.filename for s in saved),
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


def discard(saved: Iterable[SavedFile]) -> None:
    """Delete the stored objects of uploads whose rows will not be committed."""
    get_storage().delete_many([s.stored.key for s in saved])


def not_kept(uploads) -> str:
    """Files sent with a form refused for another reason: the browser cannot show them again."""
    names = [sanitize_filename(u.filename) for u in uploads]
    return ngettext("%(names)s was not kept: choose it again.", "%(names)s were not kept: choose them again.",
                    len(names), names=", ".join(names))
