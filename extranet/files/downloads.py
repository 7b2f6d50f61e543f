"""The one way a stored file is sent back: its bytes checked against the recorded sha256 first,
then streamed as an attachment that the browser may not reinterpret."""

from __future__ import annotations

import hashlib
import logging

from flask import abort, send_file

from extranet.storage import CHUNK_SIZE, StorageError, get_storage

log = logging.getLogger(__name__)


def send(file):
    """The download response of ``file`` (a row with ``storage_key``, ``size``, ``sha256``,
    ``mime`` and ``filename``). A missing or altered object is logged and answers 500: its
    bytes are never sent."""
    storage = get_storage()
    try:
        fh = storage.open(file.storage_key)
    except (FileNotFoundError, StorageError, ValueError):
        log.error("files: object %s of file %s is missing", file.storage_key, file.id)
        abort(500)
    try:
        digest = hashlib.sha256()
        size = 0
        while chunk := fh.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
        if digest.hexdigest() != file.sha256 or size != file.size:
            log.error(
                "files: object %s of file %s does not match its sha256 (stored %s, found %s)",
                file.storage_key, file.id, file.sha256, digest.hexdigest(),
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
