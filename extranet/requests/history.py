"""A request's history as its page shows it (events and the messages the reader may see), and
what is new in it since a page's cursor, for live pages."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from extranet.extensions import db
from extranet.policy import can
from extranet.requests.models import Message, RequestEvent, ServiceRequest

STAFF_EVENTS = {"tagged"}  # history that names tags, which members do not see


class Cursor(NamedTuple):
    """The last event and message ids a page shows (0: none)."""

    events: int = 0
    messages: int = 0


def history(req: ServiceRequest, user, since: Cursor | None = None) -> list:
    """``(kind, at, item)`` of events and of the messages ``user`` may see, oldest first; with
    ``since``, only those newer than it."""
    since = since or Cursor()
    # Their files in one more query, not one per message (the page a request's people reload).
    loaded = db.session.scalars(
        select(Message).where(Message.request_id == req.id, Message.id > since.messages).order_by(Message.id)
        .options(selectinload(Message.attachments))
    )
    messages = [m for m in loaded if can(user, "message.view", m)]
    if since.events:
        events = db.session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == req.id, RequestEvent.id > since.events)
            .order_by(RequestEvent.id)
        ).all()
    else:
        events = req.events
    if not can(user, "request.see_tags", req):
        events = [e for e in events if e.kind not in STAFF_EVENTS]
    items = [("event", e.at, e) for e in events] + [("message", m.created_at, m) for m in messages]
    return sorted(items, key=lambda item: item[1])


def cursor_of(items: list) -> Cursor:
    """The cursor of a page showing ``items`` (what ``history`` returned)."""
    last = {"event": 0, "message": 0}
    for kind, _at, item in items:
        last[kind] = max(last[kind], item.id)
    return Cursor(events=last["event"], messages=last["message"])


def latest(req: ServiceRequest, see_notes: bool, see_staff_events: bool) -> Cursor:
    """The request's cursor now, in one query on the two tables' request indexes; internal notes
    and the staff's own events (tags) count only for those who may read them, so that a member's
    page is not told one was added."""
    messages = select(func.max(Message.id)).where(Message.request_id == req.id)
    if not see_notes:
        messages = messages.where(Message.internal.is_(False))
    events = select(func.max(RequestEvent.id)).where(RequestEvent.request_id == req.id)
    if not see_staff_events:
        events = events.where(RequestEvent.kind.not_in(STAFF_EVENTS))
    row = db.session.execute(select(events.scalar_subquery(), messages.scalar_subquery())).one()
    return Cursor(events=row[0] or 0, messages=row[1] or 0)
