"""Who read a person's information: reads are noted while a page is built and written once per
HTTP request, at its end; the person concerned and their organization's manager read them back.

Why this shape. Reading a request is the hot path (its page, then its fragments: the hours
panel, the documents card, each download), so a read never costs a write of its own:

- the page notes each read in a list kept on ``g`` (no statement), and ``flush`` has the list
  written once the answer has been sent (``call_on_close``), in **one** ``INSERT … ON
  CONFLICT DO NOTHING`` of several rows, on a connection of its own, so that the person does
  not wait for it and a failure there never touches the page's transaction;
- a row is one reader × thing read × hour (the unique key of ``access_records``): the page and
  its fragments, a reload, or two nodes at once make one row, which is what the person wants to
  know ("who, what, when" to the hour), and the table grows with people and things read, not
  with page views;
- each process remembers the rows it wrote this hour, so a reload, or a fragment after its
  page, sends no statement at all.

We chose this over one insert per read (a write on every page view) and over a queue for the
worker (a job row is itself a write, and the worker adds delay for no gain). A read whose
answer fails (4xx, 5xx) is not written: nothing was shown.

Whose reads. A read by the information's own people is not recorded: a request's requester and
named contacts, a file's uploader, the person whose profile it is, an organization's people for
its statements. Everyone else's is, admins' included, under the role they read it as.
Records are kept ``ACCESS_LOG_RETENTION_DAYS`` days; ``purge_older_than`` removes the rest.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from extranet.access.models import AccessRecord
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.organizations.rules import federation_manager_of
from extranet.policy import membership
from extranet.requests.models import RequestParticipant, ServiceRequest

log = logging.getLogger(__name__)

BUFFER_KEY = "access_reads"
SEEN_KEY = "extranet.access_seen"
SEEN_LIMIT = 50_000  # rows remembered per process and hour before the memory starts again
UNIQUE_COLUMNS = ("viewer_id", "kind", "object_id", "detail", "hour")


@dataclass(frozen=True)
class Read:
    """One read as it will be written (``hour`` and ``at`` are added when it is)."""

    viewer_id: int
    viewer_role: str
    kind: str
    object_id: int
    detail: str = ""
    organization_id: int | None = None
    request_id: int | None = None
    subject_id: int | None = None


# -- noting reads -----------------------------------------------------------------------------


def viewer_role(user, organization=None, field: str | None = None) -> str:
    """How the reader is named to the person concerned: an admin as the cooperative's
    administrator, then an expert of the field (or any expert, on what belongs to no field),
    then their standing in the organization."""
    if user.is_admin:
        return "admin"
    if user.is_expert and (field is None or field in user.field_slugs):
        return "expert"
    found = membership(user, organization) if organization is not None else None
    if found is not None:
        return "manager" if found.role == "manager" else "member"
    if organization is not None and federation_manager_of(user, organization):
        return "federation"
    return "expert" if user.is_expert else "member"


def _note(read: Read) -> None:
    if not has_request_context():
        return  # the CLI and the worker read for no one
    g.setdefault(BUFFER_KEY, []).append(read)


def owns_request(user, req: ServiceRequest) -> bool:
    """The requester and the named contacts: the people a request is about."""
    return req.requester_id == user.id or any(
        p.user_id == user.id and p.role == "contact" for p in req.participants
    )


def note_request(user, req: ServiceRequest) -> None:
    """``user`` read ``req`` (its page, or a fragment showing its content)."""
    if owns_request(user, req):
        return
    _note(Read(user.id, viewer_role(user, req.organization, req.field), "request", req.id,
               organization_id=req.organization_id, request_id=req.id, subject_id=req.requester_id))


def note_document(user, doc) -> None:
    """``user`` read or downloaded ``doc``; a document of no organization (a field's shared
    file) is nobody's personal information."""
    if doc.created_by_id == user.id or doc.organization_id is None:
        return
    _note(Read(user.id, viewer_role(user, doc.organization, doc.field), "document", doc.id,
               organization_id=doc.organization_id, request_id=doc.request_id, subject_id=doc.created_by_id))


def note_attachment(user, attachment) -> None:
    """``user`` downloaded a file of a request's message."""
    if attachment.uploader_id == user.id:
        return
    req = attachment.message.request
    _note(Read(user.id, viewer_role(user, req.organization, req.field), "attachment", attachment.id,
               organization_id=req.organization_id, request_id=req.id, subject_id=attachment.uploader_id))


def note_statement(user, organization, month_key: str) -> None:
    """``user`` read (printed, exported) ``organization``'s statement of a month ("2026-03")."""
    if membership(user, organization) is not None:
        return
    _note(Read(user.id, viewer_role(user, organization), "statement", organization.id, detail=month_key,
               organization_id=organization.id))


def note_profile(user, person) -> None:
    """``user`` opened ``person``'s account (the administration's page of a user)."""
    if person.id == user.id:
        return
    _note(Read(user.id, viewer_role(user), "profile", person.id, subject_id=person.id))


# -- writing them -----------------------------------------------------------------------------


def flush(response) -> None:
    """Have the reads the request noted written in one statement once its answer has been sent
    (the WSGI server closes the response then), if it answered successfully: the person does
    not wait for the write."""
    reads = g.pop(BUFFER_KEY, None)
    if not reads or response.status_code >= 400:
        return
    app = current_app._get_current_object()
    if response.direct_passthrough:
        # A file sent as it is (send_file) is closed by the server through its own iterator,
        # never through the response's callbacks: its reads are written before it is sent.
        _write_after(app, reads)
    else:
        response.call_on_close(lambda: _write_after(app, reads))


def _write_after(app, reads: list[Read]) -> None:
    with app.app_context():  # the request's own context is gone by now
        try:
            write(reads)
        except Exception:  # the page was shown; a lost access record is logged, never a 500
            log.exception("access: %d read(s) could not be recorded", len(reads))


def write(reads: list[Read], now: datetime | None = None) -> int:
    """Insert the rows of ``reads`` not yet written this hour by this process: one statement,
    none when all were. How many rows were sent."""
    now = now or utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    seen = _seen_this_hour(hour)
    rows = {}
    for read in reads:
        key = (read.viewer_id, read.kind, read.object_id, read.detail)
        if key not in seen:
            rows[key] = {**asdict(read), "hour": hour, "at": now}
    if not rows:
        return 0
    engine = db.engine
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(AccessRecord).values(list(rows.values())).on_conflict_do_nothing(
        index_elements=list(UNIQUE_COLUMNS)
    )
    with engine.begin() as connection:
        connection.execute(statement)
    if len(seen) + len(rows) > SEEN_LIMIT:
        seen.clear()
    seen.update(rows)
    return len(rows)


def _seen_this_hour(hour: datetime) -> set:
    """The keys this process wrote during ``hour``: kept per application (a test's database is
    its own), forgotten when the hour turns."""
    memory = current_app.extensions.setdefault(SEEN_KEY, {"hour": None, "keys": set()})
    if memory["hour"] != hour:
        memory["hour"], memory["keys"] = hour, set()
    return memory["keys"]


def retention_days() -> int:
    return current_app.config["ACCESS_LOG_RETENTION_DAYS"]


def purge_older_than(days: int | None = None, now: datetime | None = None) -> int:
    """Delete the records older than the retention (``days``, by default the setting); how many.
    The caller commits."""
    days = retention_days() if days is None else days
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(AccessRecord).where(AccessRecord.hour < cutoff))
    return result.rowcount or 0


# -- reading them back ------------------------------------------------------------------------


def about_person(user):
    """A select of the reads of ``user``'s information by others, newest first: the requests
    they filed or are a contact of (and those requests' files), and what is theirs (files they
    uploaded, their profile)."""
    R, P = AccessRecord, RequestParticipant
    theirs = select(ServiceRequest.id).where(or_(
        ServiceRequest.requester_id == user.id,
        exists().where(P.request_id == ServiceRequest.id, P.user_id == user.id, P.role == "contact"),
    ))
    return (
        select(R)
        .where(or_(R.subject_id == user.id, R.request_id.in_(theirs)))
        .where(or_(R.viewer_id.is_(None), R.viewer_id != user.id))
        .order_by(R.at.desc(), R.id.desc())
    )


def about_organization(organization):
    """A select of the reads of ``organization``'s information (its requests, files and
    statements), newest first."""
    R = AccessRecord
    return select(R).where(R.organization_id == organization.id).order_by(R.at.desc(), R.id.desc())
