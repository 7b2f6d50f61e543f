"""A request's history as its page shows it (events and the messages the reader may see), and
what is new in it since a page's cursor, for live pages.

The page shows the newest ``PAGE`` entries; older ones come a page at a time through a "show
older" link (``older``), so the page sends the same statements whatever the history's length.
Entries are ordered by time, then events before messages, then id: ``Position`` is one
entry's place in that order, the key a page of older entries starts from."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, false, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from extranet.extensions import db
from extranet.policy import can
from extranet.requests.models import Message, RequestEvent, ServiceRequest

STAFF_EVENTS = {"tagged"}  # history that names tags, which members do not see
PAGE = 30  # entries of the history a request page shows before "show older"
KINDS = ("event", "message")  # on the same instant, events come first (the order ``history`` gives)


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


class Position(NamedTuple):
    """An entry's place in the history: its time, kind (an index in ``KINDS``) and id."""

    at: object
    kind: int
    id: int

    @classmethod
    def of(cls, entry) -> Position:
        kind, at, item = entry
        return cls(at, KINDS.index(kind), item.id)

    def token(self) -> str:
        """What a "show older" link carries: the entry's kind and id, looked up again (the
        link then holds no time to parse, and names nothing the reader may not see)."""
        return f"{KINDS[self.kind]}-{self.id}"


def _before(at_column, id_column, kind: int, position: Position):
    """``(at, kind, id) < position`` for the rows of one kind."""
    if kind < position.kind:
        same_instant = literal(True)
    elif kind > position.kind:
        same_instant = false()
    else:
        same_instant = id_column < position.id
    return or_(at_column < position.at, and_(at_column == position.at, same_instant))


def _sources(req: ServiceRequest, user):
    """The select of the events and of the messages ``user`` may see on ``req`` (which they may
    view): internal notes for the request's staff, the staff's own events for those who see
    tags; ``message.view`` and ``STAFF_EVENTS`` as queries, so a page can stop at ``PAGE``."""
    messages = select(Message).where(Message.request_id == req.id)
    if not can(user, "request.see_internal", req):
        messages = messages.where(Message.internal.is_(False))
    events = select(RequestEvent).where(RequestEvent.request_id == req.id)
    if not can(user, "request.see_tags", req):
        events = events.where(RequestEvent.kind.not_in(STAFF_EVENTS))
    return events, messages


def recent(req: ServiceRequest, user, before: Position | None = None, size: int | None = None):
    """``(entries, older, cursor)``: the ``size`` entries of the history (as ``history`` gives
    them, oldest first) just before ``before``, or the newest; the position to ask for the
    page before them (None when they are the first); the live cursor of the whole history.

    Two statements whatever the history's length: the newest ``size + 1`` events (with their
    actors) and messages (with their authors and files), each with the largest id of its kind
    for the live cursor, merged here."""
    size = size or PAGE
    events, messages = _sources(req, user)
    last_event = events.with_only_columns(func.max(RequestEvent.id)).scalar_subquery()
    last_message = messages.with_only_columns(func.max(Message.id)).scalar_subquery()
    if before is not None:
        events = events.where(_before(RequestEvent.at, RequestEvent.id, 0, before))
        messages = messages.where(_before(Message.created_at, Message.id, 1, before))
    event_rows = db.session.execute(
        events.add_columns(last_event).options(joinedload(RequestEvent.actor))
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc()).limit(size + 1)
    ).all()
    message_rows = db.session.execute(
        messages.add_columns(last_message).options(joinedload(Message.author), joinedload(Message.attachments))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(size + 1)
    ).unique().all()
    entries = [("event", e.at, e) for e, _last in event_rows]
    entries += [("message", m.created_at, m) for m, _last in message_rows if can(user, "message.view", m)]
    entries.sort(key=Position.of, reverse=True)
    shown = entries[:size][::-1]
    older = Position.of(shown[0]) if len(entries) > size else None
    cursor = Cursor(events=event_rows[0][1] or 0 if event_rows else 0,
                    messages=message_rows[0][1] or 0 if message_rows else 0)
    return shown, older, cursor


def position(req: ServiceRequest, token: str | None) -> Position | None:
    """The position a "show older" link names (``event-12``, ``message-40``), if it is one of
    ``req``'s entries; None otherwise."""
    kind, _dash, number = (token or "").partition("-")
    if kind not in KINDS or not number.isdigit() or len(number) > 18:
        return None
    model, at = (RequestEvent, RequestEvent.at) if kind == "event" else (Message, Message.created_at)
    found = db.session.scalar(select(at).where(model.id == int(number), model.request_id == req.id))
    return None if found is None else Position(found, KINDS.index(kind), int(number))


def merged_into(req: ServiceRequest) -> str | None:
    """The reference a duplicate was merged into: one event read by its kind, since the page
    no longer loads the whole history to find it."""
    details = db.session.scalar(
        select(RequestEvent.details)
        .where(RequestEvent.request_id == req.id, RequestEvent.kind == "merged_into")
        .order_by(RequestEvent.id.desc()).limit(1)
    )
    return details.get("into") if details else None
