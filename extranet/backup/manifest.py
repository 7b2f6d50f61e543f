"""The manifest of a backup folder: what it holds, and the check that it holds it intact."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from extranet.storage import CHUNK_SIZE, InvalidKey, check_key

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"


class DamagedBackup(Exception):
    """The folder is not a complete, intact backup: nothing may be restored from it."""


@dataclass
class Entry:
    name: str  # the database file's name, or a storage key
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str  # when the snapshot was taken (ISO 8601, UTC)
    dialect: str  # "sqlite" or "postgresql"
    database: Entry
    revisions: list[str]  # alembic_version at the snapshot
    files: list[Entry] = field(default_factory=list)
    # Keys referenced by the snapshot but deleted from storage before they could be copied.
    missing: list[str] = field(default_factory=list)
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        """Written last, through a rename: a manifest is there only for a finished backup."""
        temporary = folder / (MANIFEST + ".tmp")
        with open(temporary, "w") as fh:
            json.dump(asdict(self), fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, folder / MANIFEST)


def hash_file(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            size += len(chunk)
            digest.update(chunk)
    return size, digest.hexdigest()


def read_manifest(folder: Path) -> Manifest:
    """The manifest of ``folder``, after checking the database file and every object against
    it. ``DamagedBackup`` says what is wrong."""
    path = folder / MANIFEST
    if not path.is_file():
        raise DamagedBackup(f"{path} is missing: not a backup, or an unfinished one.")
    try:
        raw = json.loads(path.read_text())
        if raw.get("format") != FORMAT:
            raise DamagedBackup(f"unknown backup format {raw.get('format')!r}")
        manifest = Manifest(
            created_at=raw["created_at"], dialect=raw["dialect"], database=Entry(**raw["database"]),
            revisions=list(raw["revisions"]), files=[Entry(**e) for e in raw["files"]],
            missing=list(raw.get("missing", [])),
        )
        for entry in manifest.files:
            check_key(entry.name)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidKey) as error:
        raise DamagedBackup(f"{path} cannot be read: {error}") from error
    if "/" in manifest.database.name or manifest.database.name.startswith("."):
        raise DamagedBackup(f"{path} names an odd database file {manifest.database.name!r}")
    _check(folder / manifest.database.name, manifest.database)
    for entry in manifest.files:
        _check(folder / FILES / entry.name, entry)
    return manifest


def _check(path: Path, entry: Entry) -> None:
    if not path.is_file():
        raise DamagedBackup(f"{path} is missing.")
    size, digest = hash_file(path)
    if (size, digest) != (entry.size, entry.sha256):
        raise DamagedBackup(
            f"{path} is damaged: {size} bytes, sha256 {digest}; the manifest says "
            f"{entry.size} bytes, sha256 {entry.sha256}."
        )
