"""The worker's scanning job (``flask --app extranet worker``): a file whose scan gave no verdict
("pending": clamd down, too slow, its size limit) is scanned again when its next attempt is due,
and, once clamd is configured, so is a file stored before it was ("not_scanned"). A file is
served only once clean (``files.downloads``), so nothing stays blocked for ever: the worker keeps
trying, 1, 2, 4… minutes apart and then every hour (``scan.retry_delay``), and the
administrators' page lists what is still pending or infected, with the reason and the last
attempt.

Each file is claimed before it is scanned: a short transaction moves its next attempt a lease
ahead, only if nobody moved it meanwhile, so two workers never scan the same file and no row
lock is held during a scan that may take minutes. The verdict is written only if the file is
still in the state it was claimed in (a file deleted meanwhile is skipped). A file found
infected keeps its row and its object (its owners see it refused; an administrator decides) and
gets an audit record.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from extranet.audit.service import record
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.files import scan
from extranet.files.models import INFECTED, NOT_SCANNED, PENDING, FileVersion
from extranet.storage import get_storage

log = logging.getLogger(__name__)

# Longer than a scan may take (scan.TIMEOUT without progress): a worker that died holding a
# claim lets another take the file after this.
LEASE = timedelta(minutes=10)
BATCH = 20


def _due(now: datetime):
    waiting = (FileVersion.scan_status == PENDING)
    if scan.enabled():
        waiting = waiting | (FileVersion.scan_status == NOT_SCANNED)
    return waiting & (FileVersion.next_scan_at.is_(None) | (FileVersion.next_scan_at <= now))


def due_count(now: datetime | None = None) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(FileVersion).where(_due(now or utcnow())))


def _claim(file_id: int, now: datetime) -> tuple[str, str, int] | None:
    """(storage key, status, attempts so far) of the file, now ours until ``now + LEASE``; None
    when another worker took it, or it was scanned or deleted meanwhile."""
    claimed = db.session.execute(
        db.update(FileVersion).where(FileVersion.id == file_id, _due(now))
        .values(next_scan_at=now + LEASE).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    row = db.session.execute(
        db.select(FileVersion.storage_key, FileVersion.scan_status, FileVersion.scan_attempts)
        .where(FileVersion.id == file_id)
    ).one()
    db.session.commit()
    return row.storage_key, row.scan_status, row.scan_attempts


def _write(file_id: int, status_before: str, verdict: scan.Verdict, attempts: int, now: datetime) -> bool:
    columns = scan.bookkeeping(verdict, attempts, now)
    if verdict.status == NOT_SCANNED:  # clamd was unconfigured meanwhile: give the claim back
        columns["next_scan_at"] = None
    written = db.session.execute(
        db.update(FileVersion).where(FileVersion.id == file_id, FileVersion.scan_status == status_before)
        .values(**columns).execution_options(synchronize_session=False)
    ).rowcount
    if written == 1 and verdict.status == INFECTED:
        file = db.session.get(FileVersion, file_id)
        record("file.infected", target=file, kind=file.kind, filename=file.filename,
               signature=verdict.detail, attempts=attempts)
    db.session.commit()
    return written == 1


def rescan_due(limit: int = BATCH, now: datetime | None = None) -> Counter:
    """Scan the files that are due (at most ``limit``, oldest first): how many became clean,
    infected, or stay pending. Nothing when clamd is not configured."""
    outcomes: Counter = Counter()
    if not scan.enabled():
        return outcomes
    now = now or utcnow()
    ids = db.session.scalars(
        db.select(FileVersion.id).where(_due(now)).order_by(FileVersion.next_scan_at.asc().nulls_first(), FileVersion.id).limit(limit)
    ).all()
    db.session.rollback()  # end the read: each file is claimed and written in its own transaction
    storage = get_storage()
    for file_id in ids:
        claim = _claim(file_id, now)
        if claim is None:
            continue
        key, status_before, attempts = claim
        verdict = scan.check(storage, key)
        if _write(file_id, status_before, verdict, attempts + 1, now):
            outcomes[verdict.status] += 1
    return outcomes


def scan_soon(file: FileVersion) -> None:
    """An administrator asks for a pending file to be scanned at the worker's next pass (the
    caller commits)."""
    file.next_scan_at = utcnow()
    record("file.rescan_requested", target=file, kind=file.kind, filename=file.filename)
