"""Files attached to request messages: the rows that tie stored uploads (``extranet.files``)
to a message. Storing, refusing and sending the files is ``extranet.files``' work."""

from __future__ import annotations

from collections.abc import Iterable

from extranet.files.uploads import SavedFile
from extranet.requests.models import Attachment, Message


def attach(message: Message, saved: Iterable[SavedFile], uploader) -> list[Attachment]:
    """Add the attachment rows of ``message`` to the session (committed by the caller)."""
    rows = [Attachment(uploader_id=uploader.id if uploader is not None else None, **s.columns()) for s in saved]
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
