"""Object storage: the one interface that attachments and document spaces use.

Objects are addressed by keys the server makes up (random hex); a user's file name is
metadata kept in the database, never part of a key. ``save`` streams by chunks, hashing and
counting on the way, and an object becomes visible under its key only once it is complete.

The backend comes from the ``STORAGE_URL`` setting: ``file:///path`` (the default, under the
instance folder; ``extranet.storage.local``) or ``s3://bucket/optional/prefix`` (an S3-compatible
bucket through boto3, ``extranet.storage.s3``; ``S3_ENDPOINT_URL`` for a server other than AWS).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from extranet.storage.base import (
    CHUNK_SIZE,
    EXTENSION_KEY,
    InvalidKey,
    Storage,
    StorageError,
    StoredObject,
    TooLarge,
    check_key,
    new_key,
)


def storage_from_url(url: str, instance_path: str | Path, endpoint_url: str | None = None) -> Storage:
    """The backend for ``url``: ``file:///absolute``, ``file://relative/to/instance`` or
    ``s3://bucket/optional/prefix`` (``endpoint_url``: an S3-compatible server)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        from extranet.storage.local import LocalStorage

        root = Path(unquote(parts.netloc + parts.path))
        if not root.is_absolute():
            root = Path(instance_path) / root
        return LocalStorage(root)
    if parts.scheme == "s3":
        from extranet.storage.s3 import S3Storage

        return S3Storage(parts.netloc, unquote(parts.path), endpoint_url=endpoint_url)
    raise ValueError(
        f"Unsupported STORAGE_URL scheme {parts.scheme!r}: use file:// or s3://."
    )


def get_storage() -> Storage:
    """The application's storage, built on first use from ``STORAGE_URL``."""
    storage = current_app.extensions.get(EXTENSION_KEY)
    if storage is None:
        url = current_app.config["STORAGE_URL"]
        storage = storage_from_url(
            url, current_app.instance_path, current_app.config.get("S3_ENDPOINT_URL")
        )
        current_app.extensions[EXTENSION_KEY] = storage
    return storage


__all__ = [
    "CHUNK_SIZE",
    "InvalidKey",
    "Storage",
    "StorageError",
    "StoredObject",
    "TooLarge",
    "check_key",
    "get_storage",
    "new_key",
    "storage_from_url",
]
