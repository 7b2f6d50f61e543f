"""The index kept in the same transaction as the rows it indexes, and rebuilt on demand.

``init_app`` registers listeners on the application's database session (as the hours roll-up
does): each flush notes the entries to rewrite, those of the rows it created, changed or
deleted and of the owners of files added, removed or read by the worker (a message's
attachments, a document's versions, a resource's file); just before the transaction commits,
each noted entry is written once from its row as it then stands (or deleted, its row gone), on
the transaction's own connection. A post of a message with a file flushes twice (the message,
then its file): written at each flush, its entry was written twice. A rolled-back change takes
its notes with it. Core bulk inserts (the benchmark's dataset) bypass the session: ``reindex``
rebuilds everything (``flask --app extranet search reindex``).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import event, inspect, select

from extranet.documents.models import Document, DocumentVersion
from extranet.extensions import db
from extranet.files.models import FileText, FileVersion
from extranet.requests.models import Attachment, Message, RequestParticipant, ServiceRequest
from extranet.resources.models import Resource
from extranet.search import sources
from extranet.search.engines import DOCUMENT, KINDS, MESSAGE, REQUEST, RESOURCE, TABLE, engine_for

OWN_KIND = {ServiceRequest: REQUEST, Message: MESSAGE, Document: DOCUMENT, Resource: RESOURCE}
BATCH = 1000


def _changes(session) -> tuple[dict[int, set[int]], dict[int, set[int]], set[int], set[int]]:
    """(entries to rewrite, entries to delete, documents whose resource to rewrite, requests
    whose messages to rewrite) by kind."""
    refresh: dict[int, set[int]] = defaultdict(set)
    gone: dict[int, set[int]] = defaultdict(set)
    documents: set[int] = set()
    moved: set[int] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        deleted = obj in session.deleted
        kind = OWN_KIND.get(type(obj))
        if kind is not None and obj in session.dirty and not _text_changed(obj):
            # A message appended or a state changed leaves the request's entry as it is, and
            # does not lock it: a transition locks the request, then the entry, and a message
            # must not take them the other way round.
            continue
        if kind is not None:
            (gone if deleted else refresh)[kind].add(obj.id)
            if kind == DOCUMENT and not deleted:
                documents.add(obj.id)
            if kind == REQUEST and obj in session.dirty and _changed(obj, sources.MESSAGE_SCOPE):
                # Its messages' entries hold its field and organization (their scope).
                moved.add(obj.id)
        elif isinstance(obj, RequestParticipant) and obj.role == "assignee" and obj.request_id is not None:
            # Its request's entry and its messages' hold the request's assignees (their scope).
            refresh[REQUEST].add(obj.request_id)
            moved.add(obj.request_id)
        elif isinstance(obj, Attachment) and obj.message_id is not None:
            refresh[MESSAGE].add(obj.message_id)
        elif isinstance(obj, DocumentVersion) and obj.document_id is not None:
            refresh[DOCUMENT].add(obj.document_id)
            documents.add(obj.document_id)
    return refresh, gone, documents, moved


def _text_changed(obj) -> bool:
    return _changed(obj, sources.COLUMNS[type(obj)])


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _owners_of_texts(session, connection, refresh, documents) -> None:
    """A file's text read by the worker: its owner's entry holds it."""
    read = [o.file_version_id for o in [*session.new, *session.dirty] if isinstance(o, FileText)]
    if not read:
        return
    for message_id, document_id in connection.execute(
        select(FileVersion.message_id, FileVersion.document_id).where(FileVersion.id.in_(read))
    ):
        if message_id is not None:
            refresh[MESSAGE].add(message_id)
        if document_id is not None:
            refresh[DOCUMENT].add(document_id)
            documents.add(document_id)


_ready: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _has_index(connection) -> bool:
    """Whether the database has the index (and the files' texts): not before its migrations
    ran (a migration's own test writes rows at an older schema). Remembered once true only, so
    that a process started before ``flask db upgrade`` indexes as soon as it is done."""
    engine = connection.engine
    if not _ready.get(engine):
        tables = inspect(connection)
        _ready[engine] = tables.has_table(TABLE) and tables.has_table(FileText.__tablename__)
    return _ready[engine]


PENDING = "search_index_pending"  # the session's ``info`` key: ids to write, by kind


def _note_after_flush(session, _flush_context) -> None:
    if not any(isinstance(o, (*OWN_KIND, Attachment, DocumentVersion, FileText, RequestParticipant))
               for o in [*session.new, *session.dirty, *session.deleted]):
        return
    connection = session.connection()
    if not _has_index(connection):
        return
    refresh, gone, documents, moved = _changes(session)
    _owners_of_texts(session, connection, refresh, documents)
    if moved:
        refresh[MESSAGE].update(connection.scalars(select(Message.id).where(Message.request_id.in_(moved))))
    if documents:  # a resource's file is a document: its name is in the resource's entry
        refresh[RESOURCE].update(connection.scalars(select(Resource.id).where(Resource.document_id.in_(documents))))
    pending = session.info.setdefault(PENDING, defaultdict(set))
    for kind in KINDS.values():
        pending[kind].update(refresh[kind], gone[kind])


def _write_before_commit(session) -> None:
    """Each noted entry written from its row as the transaction leaves it: deleted where the row
    is gone (or no longer indexed), so that a savepoint rolled back leaves no entry wrong. At
    the outermost commit only: a savepoint's release is not the transaction's end."""
    if session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush comes after this hook: its changes are noted now
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    connection = session.connection()
    engine = engine_for(connection)
    for kind in KINDS.values():
        ids = sorted(pending.get(kind, ()))
        for start in range(0, len(ids), BATCH):
            batch = ids[start:start + BATCH]
            entries = sources.entries(connection, kind, batch)
            engine.delete(connection, kind, sorted(set(batch) - {ref_id for ref_id, *_rest in entries}))
            engine.write(connection, kind, entries)


def _forget_after_transaction(session, transaction) -> None:
    if transaction.parent is None:  # committed (written) or rolled back: nothing left to write
        session.info.pop(PENDING, None)


LISTENERS = (("after_flush", _note_after_flush), ("before_commit", _write_before_commit),
             ("after_transaction_end", _forget_after_transaction))


def init_app(app) -> None:
    """Keep the index with every transaction of the application's session (once: the session,
    like ``db``, is shared by the applications of a process)."""
    for name, listener in LISTENERS:
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def reindex(connection=None, progress: Callable[[int], None] | None = None) -> int:
    """Empty the index and write every entry again; ``progress(n)`` after each batch of n rows.
    Returns the number of rows indexed."""
    connection = connection if connection is not None else db.session.connection()
    engine = engine_for(connection)
    engine.clear(connection)
    done = 0
    for kind in KINDS.values():
        for ids in sources.all_ids(connection, kind, BATCH):
            engine.write(connection, kind, sources.entries(connection, kind, ids))
            done += len(ids)
            if progress is not None:
                progress(len(ids))
    return done


def rows_to_index(connection=None) -> int:
    connection = connection if connection is not None else db.session.connection()
    return sum(sources.count(connection, kind) for kind in KINDS.values())
