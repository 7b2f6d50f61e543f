"""Objects as files under a root directory: ``root/ab/cd/<key>`` (two-level fan-out).

Directories are made with mode 0700 and files with 0600. An upload is written to a temporary
file in its final directory and renamed into place only when complete, so a reader never sees
half an object and a crash leaves only ``.tmp-*`` files that the next save ignores.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from extranet.storage.base import (
    KEY_RE,
    Storage,
    StorageError,
    StoredObject,
    TooLarge,
    check_key,
    copy_chunks,
    new_key,
)

TMP_PREFIX = ".tmp-"


class LocalStorage(Storage):
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"<LocalStorage {self.root}>"

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def _make_dirs(self, directory: Path) -> None:
        # mkdir's mode is filtered by the umask; chmod what we create to be sure of 0700.
        missing = []
        current = directory
        while not current.exists():
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=0o700)
                os.chmod(path, 0o700)

    def _write(self, handle: BinaryIO, chunk: bytes) -> None:
        handle.write(chunk)

    def save(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        return self._store(new_key(), stream, max_bytes)

    def put(self, key: str, stream: BinaryIO) -> StoredObject:
        return self._store(key, stream, None)

    def _store(self, key: str, stream: BinaryIO, max_bytes: int | None) -> StoredObject:
        final = self.path(key)
        tmp_name = None
        try:
            self._make_dirs(final.parent)
            fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=TMP_PREFIX)  # mode 0600
            with os.fdopen(fd, "wb") as handle:
                size, digest = copy_chunks(stream, lambda chunk: self._write(handle, chunk), max_bytes)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, 0o600)
            os.replace(tmp_name, final)
            tmp_name = None
        except TooLarge:
            raise
        except OSError as error:
            raise StorageError(f"could not write {key}: {error}") from error
        finally:
            if tmp_name is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp_name)
        return StoredObject(key=key, size=size, sha256=digest)

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")  # noqa: SIM115 - the caller closes it

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(key))

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def keys_with_time(self) -> Iterator[tuple[str, datetime]]:
        for key in self.keys():
            try:
                mtime = self.path(key).stat().st_mtime
            except FileNotFoundError:  # deleted meanwhile
                continue
            yield key, datetime.fromtimestamp(mtime, UTC)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not first.is_dir() or len(first.name) != 2:
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir() or len(second.name) != 2:
                    continue
                for entry in sorted(second.iterdir()):
                    name = entry.name
                    if KEY_RE.fullmatch(name) and name[:2] == first.name and name[2:4] == second.name:
                        yield name
