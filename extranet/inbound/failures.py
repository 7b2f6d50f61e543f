"""Why processing a received message failed, as an admin reads it: a category, never the
exception's text, which may name a server path or the code's internals. The text goes to the
log with the traceback, under an error id that the admin's page shows for the operator to find."""

from __future__ import annotations

import secrets
from email.errors import MessageError

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from extranet.storage.base import StorageError

# outcome code → what the admin is told; the first class the exception is an instance of wins.
CATEGORIES = (
    ((FileNotFoundError, StorageError), "error_storage",
     _l("Failed: the received message could not be read from the file storage")),
    ((ConnectionError, TimeoutError), "error_service", _l("Failed: a service it needs did not answer")),
    (SQLAlchemyError, "error_database", _l("Failed: the database refused to record it")),
    ((MessageError, UnicodeError), "error_message", _l("Failed: the message is malformed")),
)
UNEXPECTED = "error"
LABELS = {code: label for _classes, code, label in CATEGORIES} | {
    UNEXPECTED: _l("Failed: an unexpected error"),
}


def category(exc: BaseException) -> str:
    """The outcome code of a failure (``UNEXPECTED`` when none fits)."""
    return next((code for classes, code, _label in CATEGORIES if isinstance(exc, classes)), UNEXPECTED)


def new_error_id() -> str:
    """A short id that ties the admin's page to the log line (eight hex digits)."""
    return secrets.token_hex(4)


def is_error_id(text: str | None) -> bool:
    """Whether a failed message's ``detail`` is an error id (rows failed before error ids were
    introduced hold the exception's text, which is never shown)."""
    return bool(text) and len(text) == 8 and all(c in "0123456789abcdef" for c in text)
