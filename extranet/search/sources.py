"""What text each kind of row gives the index: a title (weighted higher) and a body.

- a request: its reference and title; its description and the answers of its type's form;
- a message (an internal note too: the search filters notes by the reader's rules): its body
  and its attachments' names and text;
- a document of an organization's space or of a request: its title and its current file's
  name; its current file's text;
- a resource: its title; its summary and its file's name and text.

A file's text is what the worker read from it (``files/text.py``); until then, and when it
cannot be read, the file is found by its name.

Read with plain SELECTs on the connection, so that the session's flush listeners (``index``)
and the rebuild (``reindex``) share them and neither loads objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select

from extranet.documents.models import Document
from extranet.files.models import ATTACHMENT, DOCUMENT, FileText, FileVersion
from extranet.requests.models import Message, RequestParticipant, ServiceRequest
from extranet.resources.models import Resource
from extranet.search.engines import DOCUMENT as DOCUMENT_KIND
from extranet.search.engines import MESSAGE, REQUEST, RESOURCE, resource_token, scope_tokens

Entry = tuple[int, str, str, str]  # (id, title, body, scope): ``engines.scope_tokens``


def answers(data) -> str:
    """The text of a request type's answers (strings, and lists of them)."""
    if not isinstance(data, dict):
        return ""
    found = []
    for value in data.values():
        values = value if isinstance(value, list) else [value]
        found += [v for v in values if isinstance(v, str) and v]
    return "\n".join(found)


def _assignees(connection, request_ids) -> dict[int, list[int]]:
    P = RequestParticipant
    found = defaultdict(list)
    for request_id, user_id in connection.execute(
        select(P.request_id, P.user_id).where(P.request_id.in_(set(request_ids)), P.role == "assignee")
    ):
        found[request_id].append(user_id)
    return found


def _requests(connection, ids) -> list[Entry]:
    R = ServiceRequest
    rows = connection.execute(select(R.id, R.reference, R.title, R.description, R.data, R.field, R.organization_id)
                              .where(R.id.in_(ids))).all()
    assignees = _assignees(connection, ids)
    return [(i, f"{ref} {title}", f"{description or ''}\n{answers(data)}", scope_tokens(field, org, assignees[i]))
            for i, ref, title, description, data, field, org in rows]


def _messages(connection, ids) -> list[Entry]:
    names = defaultdict(list)
    for message_id, filename, text in connection.execute(
        select(FileVersion.message_id, FileVersion.filename, FileText.text)
        .outerjoin(FileText, FileText.file_version_id == FileVersion.id)
        .where(FileVersion.kind == ATTACHMENT, FileVersion.message_id.in_(ids)).order_by(FileVersion.id)
    ):
        names[message_id] += [filename, text or ""]
    R = ServiceRequest
    rows = connection.execute(select(Message.id, Message.body, R.id, R.field, R.organization_id)
                              .join(R, R.id == Message.request_id).where(Message.id.in_(ids))).all()
    assignees = _assignees(connection, [r for _i, _b, r, _f, _o in rows])
    return [(i, "", "\n".join([body or "", *names[i]]), scope_tokens(field, org, assignees[r]))
            for i, body, r, field, org in rows]


def _current_files(connection, document_ids) -> dict[int, tuple[str, str]]:
    """The name and text of each document's current (highest-numbered) version."""
    F = FileVersion
    latest = (select(F.document_id, func.max(F.number).label("number"))
              .where(F.kind == DOCUMENT, F.document_id.in_(document_ids)).group_by(F.document_id).subquery())
    rows = connection.execute(
        select(F.document_id, F.filename, FileText.text)
        .join(latest, (F.document_id == latest.c.document_id) & (F.number == latest.c.number))
        .outerjoin(FileText, FileText.file_version_id == F.id)
    )
    return {document_id: (filename, text or "") for document_id, filename, text in rows}


def _documents(connection, ids) -> list[Entry]:
    D = Document
    rows = connection.execute(select(D.id, D.title, D.field, D.organization_id)
                              .where(D.id.in_(ids), D.organization_id.is_not(None))).all()
    files = _current_files(connection, [i for i, *_r in rows])
    entries = []
    for i, title, field, org in rows:
        name, text = files.get(i, ("", ""))
        entries.append((i, f"{title} {name}".strip(), text, scope_tokens(field, org)))
    return entries


def _resources(connection, ids) -> list[Entry]:
    rows = connection.execute(
        select(Resource.id, Resource.title, Resource.summary, Resource.document_id, Resource.field)
        .where(Resource.id.in_(ids))
    ).all()
    files = _current_files(connection, [d for _i, _t, _s, d, _f in rows])
    return [(i, title, "\n".join([summary or "", *files.get(d, ("", ""))]), resource_token(field))
            for i, title, summary, d, field in rows]


# The columns each kind's entry is made of: a row changed in none of them keeps its entry.
COLUMNS = {
    ServiceRequest: ("reference", "title", "description", "data", "field", "organization_id"),
    Message: ("body",),
    Document: ("title", "organization_id", "field"),
    Resource: ("title", "summary", "document_id", "field"),
}
# A request's columns its messages' entries hold too (their scope; its assignees too).
MESSAGE_SCOPE = ("field", "organization_id")
READERS = {REQUEST: _requests, MESSAGE: _messages, DOCUMENT_KIND: _documents, RESOURCE: _resources}
TABLES = {REQUEST: ServiceRequest, MESSAGE: Message, DOCUMENT_KIND: Document, RESOURCE: Resource}


def entries(connection, kind: int, ids: Iterable[int]) -> list[Entry]:
    ids = sorted(set(ids))
    return READERS[kind](connection, ids) if ids else []


def all_ids(connection, kind: int, batch: int) -> Iterable[list[int]]:
    """Every id of ``kind``'s table, ``batch`` at a time in id order."""
    model = TABLES[kind]
    last = 0
    while True:
        ids = list(connection.scalars(select(model.id).where(model.id > last).order_by(model.id).limit(batch)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def count(connection, kind: int) -> int:
    model = TABLES[kind]
    return connection.scalar(select(func.count(model.id)))
