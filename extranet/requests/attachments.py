"""Files attached to request messages: storing the uploads of a message, and sending one back.

Uploads stream into storage (``extranet.storage``) under server-made keys; the file's type is
decided from its bytes (``extranet.storage.sniff``). Whatever fails after an object was
written (a refused type, another file of the same message, the database commit) deletes the
objects again: see ``store_one``, ``store_uploads`` and ``discard``. Downloads check the stored
bytes against the recorded sha256 before sending anything.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from babel.units import format_unit
from flask import abort, current_app, send_file
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from extranet.requests.models import Attachment, Message
from extranet.storage import CHUNK_SIZE, StorageError, StoredObject, TooLarge, get_storage, sniff

log = logging.getLogger(__name__)

MAX_NAME_LENGTH = 200
# Characters a file name shown to people or saved on their disk should not carry.
UNSAFE_NAME_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]+')


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


def sanitize_filename(name: str | None) -> str:
    """The name to show and to offer on download: the last path component, without control
    or reserved characters, leading dots or spaces, and not too long (extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE_NAME_RE.sub("_", name)
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name or _("file")


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
        log.exception("attachments: could not store %r", name)
        raise UploadRefused(_("%(name)s could not be saved. Please try again later.", name=name)) from None
    try:
        with storage.open(stored.key) as fh:
            detected = sniff.detect(fh)
    except sniff.Refused as refused:
        storage.delete(stored.key)
        log.info("attachments: refused %r (%s)", name, refused.reason)
        raise UploadRefused(_refusal(refused.reason, name)) from None
    except BaseException:
        storage.delete(stored.key)
        raise
    return SavedFile(stored=stored, filename=name, mime=detected.mime)


def discard(saved: Iterable[SavedFile]) -> None:
    """Delete the stored objects of uploads whose rows will not be committed."""
    get_storage().delete_many([s.stored.key for s in saved])


def attach(message: Message, saved: Iterable[SavedFile], uploader) -> list[Attachment]:
    """Add the attachment rows of ``message`` to the session (committed by the caller)."""
    rows = [
        Attachment(
            storage_key=s.stored.key, filename=s.filename, size=s.stored.size, sha256=s.stored.sha256,
            mime=s.mime, uploader_id=uploader.id if uploader is not None else None,
        )
        for s in saved
    ]
    message.attachments.extend(rows)
    return rows


def attach_when_filing(req, saved: list[SavedFile], requester) -> Message | None:
    """The files chosen on the new-request form: attachments of a message of the requester
    without text, added with the request (committed by the caller). Being a message's files,
    they show in the timeline and in the request's files, and anyone who can open the request
    sees them, as its requester expects (a document of the request would hide them from a
    federation's manager who filed it)."""
    if not saved:
        return None
    message = Message(author=requester, body="")
    req.messages.append(message)
    attach(message, saved, requester)
    return message


def not_kept(uploads) -> str:
    """Files sent with a form refused for another reason: the browser cannot show them again."""
    names = [sanitize_filename(u.filename) for u in uploads]
    return ngettext("%(names)s was not kept: choose it again.", "%(names)s were not kept: choose them again.",
                    len(names), names=", ".join(names))


def send(attachment: Attachment):
    """The download response, after checking the stored bytes against the recorded hash
    (a missing or altered object is logged and answers 500, never sends its bytes)."""
    storage = get_storage()
    try:
        fh = storage.open(attachment.storage_key)
    except (FileNotFoundError, StorageError, ValueError):
        log.error("attachments: object %s of attachment %s is missing", attachment.storage_key, attachment.id)
        abort(500)
    try:
        digest = hashlib.sha256()
        size = 0
        while chunk := fh.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
        if digest.hexdigest() != attachment.sha256 or size != attachment.size:
            log.error(
                "attachments: object %s of attachment %s does not match its sha256 (stored %s, found %s)",
                attachment.storage_key, attachment.id, attachment.sha256, digest.hexdigest(),
            )
            abort(500)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    response = send_file(
        fh, mimetype=attachment.mime, as_attachment=True, download_name=attachment.filename,
        conditional=False, etag=False, max_age=None,
    )
    response.content_length = attachment.size
    response.headers["Content-Type"] = attachment.mime
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
