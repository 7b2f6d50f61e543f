"""The one way a stored file is sent back, whoever owns it: the caller's rule is asked of the
policy, a file whose virus scan is pending or found a virus is refused (and, once clamd is
configured, one not scanned yet: the worker scans it), the bytes are checked against the
recorded sha256, then streamed as an attachment the browser may not reinterpret."""

from __future__ import annotations

import hashlib
import logging

from flask import abort, render_template, send_file
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from extranet.files import scan
from extranet.files.models import INFECTED, NOT_SCANNED, PENDING, FileVersion
from extranet.policy import require
from extranet.storage import CHUNK_SIZE, StorageError, get_storage

log = logging.getLogger(__name__)


def refusal(file: FileVersion) -> str | None:
    """Why ``file`` cannot be downloaded now, or None."""
    if file.scan_status == PENDING or (file.scan_status == NOT_SCANNED and scan.enabled()):
        return _("This file is still being checked for viruses. Try again in a few minutes.")
    if file.scan_status == INFECTED:
        return _("This file was found to contain a virus: it cannot be downloaded.")
    return None


class Unavailable(HTTPException):
    """A file that may be seen but not downloaded now (its scan): a 409 page saying why,
    unless the caller answers otherwise."""

    code = 409

    def __init__(self, file: FileVersion):
        super().__init__(refusal(file))
        self.file = file

    @property
    def infected(self) -> bool:
        return self.file.scan_status == INFECTED

    def get_body(self, environ=None, scope=None) -> str:
        return render_template("errors/error.html", code=self.code, title=_("Not available"), text=self.description)


def send(file: FileVersion, action: str, target):
    """The download response of ``file``, if the current user may ``action`` on ``target`` (the
    rule of the file's owner: 404 otherwise) and its scan allows (``Unavailable`` otherwise). A
    missing or altered object is logged and answers 500: its bytes are never sent."""
    require(action, target)
    if refusal(file):
        raise Unavailable(file)
    storage = get_storage()
    try:
        fh = storage.open(file.storage_key)
    except (FileNotFoundError, StorageError, ValueError):
        log.error("files: object %s of %s %s is missing", file.storage_key, file.kind, file.id)
        abort(500)
    try:
        digest = hashlib.sha256()
        size = 0
        while chunk := fh.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
        if digest.hexdigest() != file.sha256 or size != file.size:
            log.error(
                "files: object %s of %s %s does not match its sha256 (stored %s, found %s)",
                file.storage_key, file.kind, file.id, file.sha256, digest.hexdigest(),
            )
            abort(500)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    response = send_file(
        fh, mimetype=file.mime, as_attachment=True, download_name=file.filename,
        conditional=False, etag=False, max_age=None,
    )
    response.content_length = file.size
    response.headers["Content-Type"] = file.mime
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
