"""What every storage backend is: objects under keys the server makes up, saved by chunks
(hashed and counted on the way), and the errors a backend raises."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

CHUNK_SIZE = 1024 * 1024  # uploads are read and written 1 MiB at a time
log = logging.getLogger(__name__)
KEY_RE = re.compile(r"[0-9a-f]{32,64}")
EXTENSION_KEY = "extranet.storage"


class StorageError(Exception):
    """The backend could not store or read an object."""


class TooLarge(StorageError):
    """The stream is longer than ``max_bytes``; nothing was kept."""

    def __init__(self, max_bytes: int):
        super().__init__(f"the object is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


class InvalidKey(ValueError):
    """A key that the server could not have made (wrong shape: maybe a path traversal)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


def new_key() -> str:
    """A fresh random key: 128 bits as 32 lowercase hex digits."""
    return secrets.token_hex(16)


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key


def copy_chunks(stream: BinaryIO, write, max_bytes: int | None) -> tuple[int, str]:
    """Copy ``stream`` to ``write`` by chunks; return (size, sha256 hex). Raises ``TooLarge``
    as soon as more than ``max_bytes`` have been read, before writing the excess."""
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            return size, digest.hexdigest()
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(max_bytes)
        digest.update(chunk)
        write(chunk)


class Storage:
    """The interface every backend implements."""

    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        """Store ``stream`` (read by chunks) under a new key. On any error nothing is left behind;
        ``TooLarge`` when longer than ``max_bytes``, ``StorageError`` when the backend fails."""
        raise NotImplementedError

    def put(self, key: str, stream: BinaryIO) -> StoredObject:
        """Store ``stream`` under ``key`` itself (a restore from a backup puts each object back
        where its rows expect it), replacing any object there; visible only once complete."""
        raise NotImplementedError

    def open(self, key: str) -> BinaryIO:
        """A binary file object to read the object (the caller closes it). ``FileNotFoundError``
        when there is no such object."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def keys(self) -> Iterator[str]:
        """Every stored key (for an orphan checker comparing with the database)."""
        raise NotImplementedError

    def keys_with_time(self) -> Iterator[tuple[str, datetime]]:
        """Every stored key with when it was last written (an aware UTC datetime), so that
        the checker never removes an object whose row may still be on its way."""
        raise NotImplementedError

    def delete_many(self, keys: Iterable[str]) -> None:
        """Best-effort cleanup after a failure: delete each key, never raise."""
        for key in keys:
            try:
                self.delete(key)
            except Exception:  # noqa: BLE001 - cleanup must not hide the original error
                log.exception("storage: could not delete %s", key)

    def sha256(self, key: str) -> str:
        """Hash the stored bytes (to verify them against the recorded hash)."""
        digest = hashlib.sha256()
        with self.open(key) as fh:
            while chunk := fh.read(CHUNK_SIZE):
                digest.update(chunk)
        return digest.hexdigest()
