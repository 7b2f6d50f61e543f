"""The index kept in the same transaction as the rows it indexes, and rebuilt on demand.

``init_app`` registers one listener on the application's database session (as the hours
roll-up does): after each flush it rewrites the entries of the rows the flush created or
changed, and of the owners of files added, removed or read by the worker (a message's
attachments, a document's versions, a resource's file), and deletes those of the rows it
deleted, on the flush's own connection. A rolled-back change takes its index entries with it. Core bulk inserts (the
benchmark's dataset) bypass the session: ``reindex`` rebuilds everything
(``flask --app extranet search reindex``).
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


def _index_after_flush(session, _flush_context) -> None:
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
    engine = engine_for(connection)
    for kind in KINDS.values():
        engine.delete(connection, kind, sorted(gone[kind]))
        engine.write(connection, kind, sources.entries(connection, kind, refresh[kind] - gone[kind]))


def init_app(app) -> None:
    """Keep the index with every flush of the application's session (once: the session, like
    ``db``, is shared by the applications of a process)."""
    if not event.contains(db.session, "after_flush", _index_after_flush):
        event.listen(db.session, "after_flush", _index_after_flush)


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
