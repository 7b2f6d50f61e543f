"""What happens to a request: creation, transitions, assignment, contacts, messages.

Each function changes the session and records history, audit and notifications; the caller
commits once, then calls the host's ``after_commit`` so that plugin listeners see committed data.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from extranet.audit.service import record
from extranet.contributions import RequestType, Transition
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.notifications.service import notify
from extranet.plugins import host
from extranet.requests.models import (
    PRIORITIES,
    Message,
    ReferenceCounter,
    RequestEvent,
    RequestParticipant,
    ServiceRequest,
)
from extranet.requests.standard import workflow_of  # noqa: F401  (its callers import it from here)
from extranet.servicetargets import tracking
from extranet.web.formats import END_OF_DAY
from extranet.webhooks import events as webhooks

log = logging.getLogger(__name__)
GENERIC_FIELDS = {"title", "description", "restricted", "csrf_token", "submit", "organization_id"}


class StaleRequest(Exception):
    """Someone else changed the request since the page was loaded."""


def next_reference(prefix: str, year: int) -> str:
    """``PREFIX-YEAR-NNNN``; an atomic increment, safe under concurrent creation."""
    bump = (
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(value=ReferenceCounter.value + 1)
    )
    if db.session.execute(bump).rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(ReferenceCounter(prefix=prefix, year=year, value=1))
        except IntegrityError:  # another request created the counter meanwhile
            db.session.execute(bump)
    value = db.session.scalar(
        select(ReferenceCounter.value).where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
    )
    return f"{prefix}-{year}-{value:04d}"


def _json_ready(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def end_of_day(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, END_OF_DAY, tzinfo=zone)


def create_request(organization, rtype: RequestType, form, user, filed_by=None) -> ServiceRequest:
    """``user`` files the request, or is its requester when staff (``filed_by``) file it on their
    behalf (a member who phoned): then the history says who filed it, and the requester is told."""
    field = host().fields[rtype.field]
    now = utcnow()
    if hasattr(form, "answers"):  # a stored type's form says what it stores
        data = {name: _json_ready(value) for name, value in form.answers().items()}
    else:
        data = {name: _json_ready(f.data) for name, f in form._fields.items() if name not in GENERIC_FIELDS}
    req = ServiceRequest(
        reference=next_reference(field.reference_prefix, now.year),
        organization=organization,
        field=rtype.field,
        type=rtype.slug,
        title=form.title.data.strip(),
        description=(form.description.data or "").strip(),
        data={k: v for k, v in data.items() if k not in {"priority", "due_date"}},
        state=host().workflows[rtype.workflow].initial,
        confidentiality="restricted" if form.restricted.data else "standard",
        requester=user,
        created_at=now,
        state_changed_at=now,
    )
    priority = data.get("priority", rtype.priority)
    if priority in PRIORITIES:
        req.priority = priority
    db.session.add(req)
    actor = filed_by or user
    db.session.add(RequestEvent(request=req, actor=actor, kind="created", to_state=req.state,
                                details={"for": user.id} if filed_by else {}))
    db.session.flush()
    clock = tracking.start_clock(req)
    if clock is not None and clock.first_response_due_at is not None:
        req.due_at = clock.first_response_due_at  # the due time shown: the answer's, in working hours
    if "due_date" in form._fields and form.due_date.data:
        req.due_at = end_of_day(form.due_date.data)
    record("requests.created", target=req, organization=organization, reference=req.reference)
    notify("request_new", req, actor=actor)
    if filed_by is not None:
        record("requests.filed_for", target=req, organization=organization, requester=user.email)
        notify("request_new", req, actor=filed_by, recipients=[user])
    webhooks.request_created(req, actor)
    return req


def claim(req: ServiceRequest) -> None:
    """Start a guarded change (state, assignment, the request's own fields): a compare-and-set
    of the version loaded with ``req``, or StaleRequest if someone changed it since.

    The row stays locked until the commit, so concurrent guarded changes wait for each other
    (PostgreSQL locks the row, SQLite has one writer) and the later ones find the new version:
    two people acting at once never both win, and never get a database error. Called before
    the change itself, so that the session flushes nothing of it before the check."""
    db.session.flush()  # a request created in this session has its row, and its version
    expected, now = req.version, utcnow()
    claimed = db.session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == req.id, ServiceRequest.version == expected)
        .values(version=expected + 1, updated_at=now),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:
        raise StaleRequest
    set_committed_value(req, "version", expected + 1)
    set_committed_value(req, "updated_at", now)


def touch(req: ServiceRequest) -> None:
    """An append (message, contacts): "updated" for the list's sort, the version untouched.

    It also locks the row until the commit, so that appends that read what is there (contacts)
    run one after the other and each sees the one before."""
    now = utcnow()
    db.session.execute(
        update(ServiceRequest).where(ServiceRequest.id == req.id).values(updated_at=now),
        execution_options={"synchronize_session": False},
    )
    set_committed_value(req, "updated_at", now)


def apply_transition(req: ServiceRequest, transition: Transition, user, comment: str = "", details=None) -> None:
    claim(req)
    source = req.state
    req.state = transition.target
    req.state_changed_at = utcnow()
    db.session.add(
        RequestEvent(
            request=req,
            actor=user,
            kind="transition",
            transition=transition.slug,
            from_state=source,
            to_state=transition.target,
            comment=comment.strip(),
            details=details or {},
        )
    )
    tracking.after_change(req, user)
    record("requests.transitioned", target=req, organization=req.organization,
           transition=transition.slug, source=source, target_state=transition.target)
    notify("request_transitioned", req, actor=user, transition=transition.slug, state=transition.target)
    webhooks.request_transitioned(req, transition, source, user)


def assign(req: ServiceRequest, expert, actor) -> None:
    """Make ``expert`` an assignee (several experts may work a request)."""
    if any(p.user_id == expert.id and p.role == "assignee" for p in req.participants):
        return
    claim(req)
    req.participants.append(RequestParticipant(user=expert, role="assignee"))
    db.session.add(RequestEvent(request=req, actor=actor, kind="assigned", details={"user": expert.name}))
    record("requests.assigned", target=req, organization=req.organization, expert=expert.email)
    notify("request_assigned", req, actor=actor, recipients=[expert])


def unassign(req: ServiceRequest, expert, actor) -> None:
    for participant in list(req.participants):
        if participant.user_id == expert.id and participant.role == "assignee":
            claim(req)
            req.participants.remove(participant)
            db.session.add(RequestEvent(request=req, actor=actor, kind="unassigned", details={"user": expert.name}))
            record("requests.unassigned", target=req, organization=req.organization, expert=expert.email)


def set_contacts(req: ServiceRequest, people: list, actor) -> None:
    """The contacts become ``people``: compared with those saved, read once the row is ours
    (two saves at once would otherwise both add the same person)."""
    touch(req)
    db.session.expire(req, ["participants"])
    wanted = {u.id: u for u in people if u.id != req.requester_id}
    current = {p.user_id: p for p in req.participants if p.role == "contact"}
    for user_id, participant in current.items():
        if user_id not in wanted:
            req.participants.remove(participant)
    added = [u for uid, u in wanted.items() if uid not in current]
    for user in added:
        req.participants.append(RequestParticipant(user=user, role="contact"))
    if added or set(current) - set(wanted):
        db.session.add(RequestEvent(request=req, actor=actor, kind="contacts",
                                    details={"contacts": [u.name for u in wanted.values()]}))
        record("requests.contacts_changed", target=req, organization=req.organization)


def post_message(req: ServiceRequest, author, body: str, internal: bool) -> Message:
    # The row lock first, the message's id after it: messages of one request then commit in
    # the order of their ids, which live pages rely on ("newer than the last id I show").
    touch(req)
    message = Message(request=req, author=author, body=body.strip(), internal=internal)
    db.session.add(message)
    tracking.after_change(req, author, visible_to_member=not internal)
    db.session.flush()
    notify("message_new", req, actor=author, internal=internal, message_id=message.id)
    webhooks.message_posted(message)
    return message
