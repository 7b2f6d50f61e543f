"""Retention: how long each field keeps its closed requests, messages, files and access records
(admins set months per field, ``modules.retention_months``), applied once a day by the worker,
which reports what it removed (``RetentionRun``).

What a limit removes, always within its own field and never anything of an open request:

- *requests*: requests in a final state of their workflow since before the limit, with their
  messages, files, documents, history and rating. One with time logged on it is kept: its hours
  are the cooperative's accounting records and are counted in statements;
- *messages*: messages older than the limit on closed requests, with their files;
- *files*: message files of closed requests, and document versions of the field's organizations
  (not of an open request's, nor a field's published resources) older than the limit; a
  document left without any version goes too;
- *access*: the records older than the limit of reads of the field's closed requests (and
  their files), and of its documents of no request. Those of no field (profiles, statements) follow ``ACCESS_LOG_RETENTION_DAYS``, which
  bounds every record.

Rows are deleted through the ORM, so that the search index forgets them in the same
transaction; each batch commits with its counts in the run's report, then its stored bytes are
deleted (a deletion that fails leaves an orphan the storage checker removes, never a row
pointing at nothing).
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from extranet.access.models import AccessRecord
from extranet.access.service import retention_days
from extranet.db_types import utcnow
from extranet.documents.models import Document, DocumentVersion
from extranet.extensions import db
from extranet.hours.models import Satisfaction, TimeEntry
from extranet.modules import retention_months
from extranet.plugins import host
from extranet.privacy.models import RetentionRun
from extranet.requests.models import Attachment, Message, ServiceRequest
from extranet.resources.models import Resource
from extranet.storage import get_storage

log = logging.getLogger(__name__)

BATCH = 100
# A run not finished after this long stopped with its worker: the next day's may start.
STALE_RUN = timedelta(hours=12)
NO_MODULE = ""


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` calendar months earlier (the 31st becomes the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def apply_if_due(now: datetime | None = None) -> RetentionRun | None:
    """Run the retention rules unless today's run is claimed already (by this worker or
    another) or an earlier one is still running; the run, or None."""
    now = now or utcnow()
    if db.session.scalar(select(RetentionRun.id).where(or_(
        RetentionRun.day == now.date(),
        RetentionRun.finished_at.is_(None) & (RetentionRun.started_at > now - STALE_RUN),
    )).limit(1)) is not None:
        return None
    run = RetentionRun(day=now.date(), started_at=now, removed={})
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another worker claimed the day between our read and our insert
        return None
    try:
        for slug in host().fields:
            limits = retention_months(slug)
            for kind, remove in REMOVERS.items():
                if limits[kind]:
                    remove(run, slug, months_before(now, limits[kind]))
        _purge_access(run, NO_MODULE, AccessRecord.hour < now - timedelta(days=retention_days()))
        run.finished_at = utcnow()
        db.session.commit()
    except Exception:
        # The batches committed so far stay, counted; the report shows the run unfinished, and
        # the worker goes on with its other work. The next day's run takes up the rest.
        log.exception("retention: the run of %s stopped", run.day)
        db.session.rollback()
    return run


def _count(run: RetentionRun, slug: str, counts: dict[str, int]) -> None:
    """Add ``counts`` to the run's report (committed with the rows they count)."""
    removed = {module: dict(kinds) for module, kinds in (run.removed or {}).items()}
    mine = removed.setdefault(slug, {})
    for kind, n in counts.items():
        if n:
            mine[kind] = mine.get(kind, 0) + n
    run.removed = removed


def _commit_batch(run: RetentionRun, slug: str, counts: dict[str, int], keys: list[str]) -> None:
    _count(run, slug, counts)
    db.session.commit()
    get_storage().delete_many(keys)


def _claimed(query):
    """The next batch of ids: rows another worker holds are skipped (PostgreSQL; SQLite has one
    writer at a time)."""
    return list(db.session.scalars(query.limit(BATCH).with_for_update(skip_locked=True)))


def _closed(slug: str):
    """Requests of ``slug`` in a final state of their type's workflow."""
    plugins = host()
    cases = []
    for (field, type_slug), rtype in plugins.request_types.items():
        workflow = plugins.workflows.get(rtype.workflow)
        final = [s.slug for s in workflow.states if s.terminal] if workflow else []
        if field == slug and final:
            cases.append(and_(ServiceRequest.type == type_slug, ServiceRequest.state.in_(final)))
    return and_(ServiceRequest.field == slug, or_(*cases) if cases else false())


def _closed_request_ids(slug: str):
    return select(ServiceRequest.id).where(_closed(slug))


def _remove_requests(run: RetentionRun, slug: str, cutoff: datetime) -> None:
    query = (select(ServiceRequest.id)
             .where(_closed(slug), ServiceRequest.state_changed_at < cutoff,
                    ~exists().where(TimeEntry.request_id == ServiceRequest.id))
             .order_by(ServiceRequest.id))
    while ids := _claimed(query):
        requests = db.session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_(ids)).options(
            selectinload(ServiceRequest.messages).selectinload(Message.attachments),
            selectinload(ServiceRequest.events), selectinload(ServiceRequest.participants),
            selectinload(ServiceRequest.tags))).all()
        documents = db.session.scalars(select(Document).where(Document.request_id.in_(ids))
                                       .options(selectinload(Document.versions))).all()
        keys = [a.storage_key for r in requests for m in r.messages for a in m.attachments]
        keys += [v.storage_key for d in documents for v in d.versions]
        counts = {"requests": len(requests), "messages": sum(len(r.messages) for r in requests), "files": len(keys)}
        db.session.execute(delete(Satisfaction).where(Satisfaction.request_id.in_(ids)))
        for row in [*documents, *requests]:
            db.session.delete(row)
        _commit_batch(run, slug, counts, keys)


def _remove_messages(run: RetentionRun, slug: str, cutoff: datetime) -> None:
    query = (select(Message.id)
             .where(Message.request_id.in_(_closed_request_ids(slug)), Message.created_at < cutoff)
             .order_by(Message.id))
    while ids := _claimed(query):
        messages = db.session.scalars(select(Message).where(Message.id.in_(ids))
                                      .options(selectinload(Message.attachments))).all()
        keys = [a.storage_key for m in messages for a in m.attachments]
        for message in messages:
            db.session.delete(message)
        _commit_batch(run, slug, {"messages": len(messages), "files": len(keys)}, keys)


def _remove_files(run: RetentionRun, slug: str, cutoff: datetime) -> None:
    attachments = (select(Attachment.id).join(Message, Attachment.message_id == Message.id)
                   .where(Message.request_id.in_(_closed_request_ids(slug)), Attachment.created_at < cutoff)
                   .order_by(Attachment.id))
    while ids := _claimed(attachments):
        files = db.session.scalars(select(Attachment).where(Attachment.id.in_(ids))).all()
        keys = [f.storage_key for f in files]
        for file in files:
            db.session.delete(file)
        _commit_batch(run, slug, {"files": len(keys)}, keys)

    open_request = and_(Document.request_id.is_not(None), ~Document.request_id.in_(_closed_request_ids(slug)))
    versions = (select(DocumentVersion.id).join(Document, DocumentVersion.document_id == Document.id)
                .where(Document.field == slug, Document.organization_id.is_not(None), ~open_request,
                       ~exists().where(Resource.document_id == Document.id),
                       DocumentVersion.created_at < cutoff)
                .order_by(DocumentVersion.id))
    while ids := _claimed(versions):
        files = db.session.scalars(select(DocumentVersion).where(DocumentVersion.id.in_(ids))).all()
        keys = [f.storage_key for f in files]
        touched = {f.document_id for f in files}
        for file in files:
            db.session.delete(file)
        db.session.flush()
        empty = db.session.scalars(select(Document).where(
            Document.id.in_(touched), ~exists().where(DocumentVersion.document_id == Document.id))).all()
        for document in empty:
            db.session.delete(document)
        _commit_batch(run, slug, {"files": len(keys)}, keys)


def _remove_access(run: RetentionRun, slug: str, cutoff: datetime) -> None:
    of_field = or_(
        AccessRecord.request_id.in_(_closed_request_ids(slug)),
        AccessRecord.request_id.is_(None) & (AccessRecord.kind == "document")
        & AccessRecord.object_id.in_(select(Document.id).where(Document.field == slug)),
    )
    _purge_access(run, slug, and_(AccessRecord.hour < cutoff, of_field))


def _purge_access(run: RetentionRun, slug: str, condition) -> None:
    """Access records hold no file and no index entry: one statement per batch of ids."""
    query = select(AccessRecord.id).where(condition).order_by(AccessRecord.id)
    while ids := _claimed(query):
        removed = db.session.execute(delete(AccessRecord).where(AccessRecord.id.in_(ids))).rowcount
        _commit_batch(run, slug, {"access": removed}, [])


REMOVERS = {
    "requests": _remove_requests,
    "messages": _remove_messages,
    "files": _remove_files,
    "access": _remove_access,
}


def latest_runs(limit: int = 30) -> list[RetentionRun]:
    return list(db.session.scalars(select(RetentionRun).order_by(RetentionRun.day.desc()).limit(limit)))


def totals(run: RetentionRun) -> dict[str, int]:
    """How many of each kind the run removed, all modules together."""
    every: dict[str, int] = {}
    for kinds in (run.removed or {}).values():
        for kind, n in kinds.items():
            every[kind] = every.get(kind, 0) + n
    return every

