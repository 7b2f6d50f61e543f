"""Write a backup folder from a serving instance, and restore one into an empty instance."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from extranet.backup import database
from extranet.backup.manifest import FILES, Entry, Manifest, read_manifest
from extranet.storage import CHUNK_SIZE, Storage


class BackupRefused(Exception):
    """The backup or restore would overwrite something, or cannot be made: nothing was done."""


def backup(dest: Path, engine: Engine, storage: Storage, say: Callable[[str], None] = print) -> Manifest:
    """Snapshot the database into ``dest``, then copy every object the snapshot references.
    Objects written after the snapshot began are not needed by it and not copied."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupRefused(f"{dest} exists and is not an empty folder.")
    (dest / FILES).mkdir(parents=True, exist_ok=True)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        snap = database.snapshot(engine, dest)
    except database.DatabaseError as error:
        raise BackupRefused(str(error)) from error
    say(f"database: {snap.database.size} bytes, {len(snap.keys)} stored objects to copy")
    files, missing = [], []
    for key in sorted(snap.keys):
        try:
            files.append(_copy_out(storage, key, dest / FILES / key))
        except FileNotFoundError:
            # Deleted after the snapshot was taken (its row deleted since): the backup still
            # restores; `storage check` then names the row.
            missing.append(key)
    manifest = Manifest(created_at=created_at, dialect=engine.dialect.name, database=snap.database,
                        revisions=snap.revisions, files=files, missing=missing)
    manifest.write(dest)
    return manifest


def _copy_out(storage: Storage, key: str, path: Path) -> Entry:
    digest = hashlib.sha256()
    size = 0
    temporary = path.with_name(path.name + ".tmp")
    with storage.open(key) as source, open(temporary, "wb") as target:
        while chunk := source.read(CHUNK_SIZE):
            size += len(chunk)
            digest.update(chunk)
            target.write(chunk)
        target.flush()
        os.fsync(target.fileno())
    os.replace(temporary, path)
    return Entry(key, size, digest.hexdigest())


def restore(source: Path, engine: Engine, storage: Storage, force: bool = False,
            say: Callable[[str], None] = print) -> Manifest:
    """Check the whole backup against its manifest, then put its objects and its database
    into this instance, which must be empty unless ``force`` (then replaced)."""
    manifest = read_manifest(source)  # DamagedBackup before anything is touched
    if manifest.dialect != engine.dialect.name:
        raise BackupRefused(
            f"this is a {manifest.dialect} backup; the instance's database is {engine.dialect.name}."
        )
    present = set(storage.keys())
    if not force:
        if not database.is_empty(engine):
            raise BackupRefused("the database is not empty (restore --force replaces it).")
        if present:
            raise BackupRefused(f"the storage holds {len(present)} objects (restore --force replaces them).")
    for entry in manifest.files:
        with open(source / FILES / entry.name, "rb") as fh:
            stored = storage.put(entry.name, fh)
        if (stored.size, stored.sha256) != (entry.size, entry.sha256):
            raise BackupRefused(f"{entry.name} changed while being restored; run restore again.")
    say(f"files: {len(manifest.files)} objects restored")
    try:
        database.restore(engine, source / manifest.database.name, force)
    except database.DatabaseError as error:
        raise BackupRefused(str(error)) from error
    say(f"database: restored as of {manifest.created_at} (schema {', '.join(manifest.revisions)})")
    if force:  # objects of the replaced instance that the restored rows do not reference
        storage.delete_many(present - {entry.name for entry in manifest.files})
    return manifest
