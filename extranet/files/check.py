"""Compare the storage with the rows that reference it (``flask --app extranet storage check``).

- **orphan objects**: in storage, referenced by no row (an upload whose row never committed and
  whose cleanup could not run: a killed process, a lost node). ``repair`` deletes those older
  than a grace period, so that an upload still on its way to its commit is never touched.
- **missing files**: a row whose object is gone. Never repaired: rows are listed for a human
  (restore the object from a backup, or delete the row knowingly).
- **corrupt files** (``verify=True``, reads everything): the stored bytes no longer match the
  sha256 (or size) recorded at upload. Listed, never repaired.
- **unfinished uploads**: temporary files of the local backend (``.tmp-*``) or multipart uploads
  of the S3 backend left by a crash; ``repair`` removes those older than the grace period.

Storage is listed *before* the rows are read, so an object written and committed meanwhile is
not taken for an orphan; a row whose object seems missing is looked up again before being
reported.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from extranet.extensions import db
from extranet.files.models import ATTACHMENT, FileVersion
from extranet.inbound.models import InboundEmail
from extranet.privacy.models import DataExport
from extranet.storage import Storage

DEFAULT_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Orphan:
    key: str
    modified: datetime
    recent: bool  # younger than the grace period: maybe an upload about to commit


@dataclass(frozen=True)
class RowRef:
    """A row that references a stored object."""

    kind: str  # "attachment" or "document version"
    id: int
    key: str
    filename: str
    size: int
    sha256: str
    detail: str = ""  # where to find it (message, document)


@dataclass(frozen=True)
class Unfinished:
    name: str  # a temporary file's path or an S3 object name
    started: datetime
    recent: bool
    upload_id: str | None = None


@dataclass
class Report:
    objects: int = 0
    rows: int = 0
    orphans: list[Orphan] = field(default_factory=list)
    missing: list[RowRef] = field(default_factory=list)
    corrupt: list[tuple[RowRef, str]] = field(default_factory=list)  # (row, what was found)
    unfinished: list[Unfinished] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # orphan keys removed by repair
    cleaned: list[str] = field(default_factory=list)  # unfinished uploads removed by repair
    verified: bool = False

    @property
    def remaining_orphans(self) -> list[Orphan]:
        return [o for o in self.orphans if not o.recent and o.key not in self.deleted]

    @property
    def remaining_unfinished(self) -> list[Unfinished]:
        return [u for u in self.unfinished if not u.recent and u.name not in self.cleaned]

    @property
    def problems(self) -> int:
        """What still needs someone: old orphans and unfinished uploads not repaired, missing
        and corrupt files. Recent orphans are uploads possibly in flight, not problems."""
        return (len(self.remaining_orphans) + len(self.remaining_unfinished)
                + len(self.missing) + len(self.corrupt))

    @property
    def clean(self) -> bool:
        return self.problems == 0


def referenced_rows() -> Iterator[RowRef]:
    """Every row that references a stored object: the one table of stored files, the
    exports of people's data waiting to be downloaded, and the e-mails received."""
    rows = db.session.execute(
        db.select(FileVersion.id, FileVersion.kind, FileVersion.storage_key, FileVersion.filename,
                  FileVersion.size, FileVersion.sha256, FileVersion.message_id, FileVersion.document_id,
                  FileVersion.number).order_by(FileVersion.id)
    )
    for row in rows:
        if row.kind == ATTACHMENT:
            kind, detail = "attachment", f"message {row.message_id}"
        else:
            kind, detail = "document version", f"document {row.document_id} v{row.number}"
        yield RowRef(kind, row.id, row.storage_key, row.filename, row.size, row.sha256, detail)
    exports = db.session.execute(
        db.select(DataExport.id, DataExport.storage_key, DataExport.size, DataExport.sha256, DataExport.user_id)
        .where(DataExport.storage_key.is_not(None)).order_by(DataExport.id)
    )
    for row in exports:
        yield RowRef("data export", row.id, row.storage_key, f"export-{row.id}.zip", row.size, row.sha256,
                     f"user {row.user_id}")
    received = db.session.execute(
        db.select(InboundEmail.id, InboundEmail.storage_key, InboundEmail.size, InboundEmail.sha256,
                  InboundEmail.envelope_from).order_by(InboundEmail.id)
    )
    for row in received:
        yield RowRef("inbound e-mail", row.id, row.storage_key, f"inbound-{row.id}.eml", row.size, row.sha256,
                     f"from {row.envelope_from or '?'}")


def unfinished_uploads(storage: Storage) -> Iterator[tuple[str, datetime, str | None]]:
    """(name, started, upload id) of uploads a crash left half done."""
    from extranet.storage.local import TMP_PREFIX, LocalStorage

    if isinstance(storage, LocalStorage):
        if storage.root.is_dir():
            for path in storage.root.glob(f"??/??/{TMP_PREFIX}*"):
                with contextlib.suppress(FileNotFoundError):
                    yield str(path), datetime.fromtimestamp(path.stat().st_mtime, UTC), None
        return
    pending = getattr(storage, "pending_uploads", None)
    if pending is not None:
        yield from pending()


def _remove_unfinished(storage: Storage, item: Unfinished) -> None:
    if item.upload_id is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(item.name)
    else:
        storage.abort_upload(item.name, item.upload_id)


def check_storage(
    storage: Storage,
    *,
    repair: bool = False,
    verify: bool = False,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Compare ``storage`` with the rows (in the current app context) and, with ``repair``,
    delete the orphan objects and unfinished uploads older than ``grace``. Never touches rows."""
    now = now or datetime.now(UTC)
    cutoff = now - grace
    report = Report(verified=verify)

    stored = dict(storage.keys_with_time())  # listed before the rows are read: see above
    unfinished = list(unfinished_uploads(storage))
    rows = list(referenced_rows())
    report.objects, report.rows = len(stored), len(rows)
    referenced = {row.key for row in rows}

    for key in sorted(stored):
        if key not in referenced:
            report.orphans.append(Orphan(key, stored[key], recent=stored[key] > cutoff))
    for name, started, upload_id in unfinished:
        report.unfinished.append(Unfinished(name, started, recent=started > cutoff, upload_id=upload_id))

    for row in rows:
        if row.key in stored:
            continue
        try:
            present = storage.exists(row.key)  # written and committed while we were listing?
        except ValueError:  # a key the server could not have made
            present = False
        if not present:
            report.missing.append(row)

    if verify:
        missing = {(r.kind, r.id) for r in report.missing}
        for row in rows:
            if (row.kind, row.id) in missing:
                continue
            if progress:
                progress(row.key)
            found = _digest(storage, row.key)
            if found is None:
                report.missing.append(row)
            elif found != (row.size, row.sha256):
                report.corrupt.append((row, f"{found[0]} bytes, sha256 {found[1]}"))

    if repair:
        doomed = [o.key for o in report.orphans if not o.recent]
        for key in doomed:
            if storage.exists(key) and not _referenced_now(key):
                storage.delete(key)
                report.deleted.append(key)
        for item in report.unfinished:
            if not item.recent:
                _remove_unfinished(storage, item)
                report.cleaned.append(item.name)
    return report


def _referenced_now(key: str) -> bool:
    """Re-read just before deleting: a row may reference it since the first read."""
    db.session.rollback()  # see the latest commits, not the snapshot of the first read
    return db.session.scalar(
        db.select(FileVersion.id).where(FileVersion.storage_key == key).limit(1)
    ) is not None or db.session.scalar(
        db.select(DataExport.id).where(DataExport.storage_key == key).limit(1)
    ) is not None


def _digest(storage: Storage, key: str) -> tuple[int, str] | None:
    import hashlib

    from extranet.storage import CHUNK_SIZE

    digest = hashlib.sha256()
    size = 0
    try:
        with storage.open(key) as fh:
            while chunk := fh.read(CHUNK_SIZE):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return None
    return size, digest.hexdigest()
