"""Each request's clock, kept current by the requests' service when a request is filed, changes
state or gets its first answer.

The clock runs while the request waits on the cooperative (its state's ``waiting_on`` is
"expert") and stops while it waits on the member or is finished. The first response is the first
thing staff do that the member sees: a message that is not an internal note, or a change of
state. The resolution is the delivery (or any final state)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.plugins import host
from extranet.requests.models import ServiceRequest
from extranet.servicetargets.calendar import targets_for, working_calendar
from extranet.servicetargets.clock import Segment, deadline, elapsed
from extranet.servicetargets.models import RequestClock

RESOLVED_STATES = ("delivered",)
WARN_SHARE = 0.8


def _workflow(req):
    plugins = host()
    rtype = plugins.request_types.get((req.field, req.type))
    return plugins.workflows.get(rtype.workflow) if rtype else None


def _history(req) -> list[tuple[datetime, str]]:
    """(when, state entered), from the filing on."""
    steps = [(req.created_at, _workflow(req).initial)]
    for event in req.events:
        if event.kind == "transition" and event.to_state:
            # A transition not flushed yet has no time of its own: it is the one just made.
            steps.append((event.at or req.state_changed_at, event.to_state))
    return steps


def is_resolved(workflow, state: str) -> bool:
    found = workflow.state(state)
    return state in RESOLVED_STATES or (found is not None and found.terminal)


def running_segments(req, until: datetime | None = None) -> list[Segment]:
    """The stretches during which the clock ran, cut at ``until`` (an answer, a delivery)."""
    workflow = _workflow(req)
    segments: list[Segment] = []
    history = _history(req)
    for index, (start, state) in enumerate(history):
        end = history[index + 1][0] if index + 1 < len(history) else None
        found = workflow.state(state)
        if found is None or found.waiting_on != "expert" or is_resolved(workflow, state):
            continue
        if until is not None:
            if start >= until:
                break
            end = until if end is None else min(end, until)
        segments.append((start, end))
    return segments


def used(req, clock: RequestClock, now: datetime | None = None) -> tuple[timedelta | None, timedelta | None]:
    """The working time spent towards the first response and the resolution."""
    now = now or utcnow()
    calendar = working_calendar()
    response = elapsed(calendar, running_segments(req, clock.first_response_at), clock.first_response_at or now)
    resolution = elapsed(calendar, running_segments(req, clock.resolved_at), clock.resolved_at or now)
    return response, resolution


def start_clock(req) -> RequestClock | None:
    """At filing: the targets of the request's field, type and priority, if it has any."""
    first, resolution = targets_for(req.field, req.type, req.priority)
    if first is None and resolution is None or _workflow(req) is None:
        return None
    clock = RequestClock(request_id=req.id, first_response_minutes=first, resolution_minutes=resolution)
    db.session.add(clock)
    refresh(req, clock)
    return clock


RETARGET_BATCH = 500  # requests loaded at once (with their history) when targets change


def retarget(field: str, targets: dict[tuple[str, str], tuple[int | None, int | None]]) -> int:
    """After an admin changed the targets of ``field`` (``targets``: the new (first response,
    resolution) minutes of each (type, priority) changed): the requests still open take them,
    their deadlines recomputed from their history, and the due time shown follows when it was
    the clock's (one an expert set by hand stays). Finished requests keep the targets they were
    measured against, for the report. Returns how many requests were recomputed."""
    if not targets:
        return 0
    R = ServiceRequest
    cells = [and_(R.type == type_, R.priority == priority) for type_, priority in targets]
    ids = db.session.scalars(select(R.id).where(R.field == field, or_(*cells), R.state.not_in(_finished()))
                             .order_by(R.id))
    return sum(_take_targets(req, clock, *targets[(req.type, req.priority)]) for req, clock in _with_clocks(list(ids)))


def recompute_open() -> int:
    """After the working calendar or the closed days changed: the deadlines of every request
    still open computed again on the calendar now in force (its targets unchanged). Returns how
    many requests were recomputed."""
    R = ServiceRequest
    ids = db.session.scalars(select(RequestClock.request_id).join(R, R.id == RequestClock.request_id)
                             .where(R.state.not_in(_finished())).order_by(RequestClock.request_id))
    return sum(_take_targets(req, clock, clock.first_response_minutes, clock.resolution_minutes)
               for req, clock in _with_clocks(list(ids)))


def _finished() -> set[str]:
    return {s.slug for w in host().workflows.values() for s in w.states if s.terminal}


def _with_clocks(ids: list[int]):
    """(request, its clock or None) of ``ids``, loaded by batches with their history."""
    R = ServiceRequest
    for start in range(0, len(ids), RETARGET_BATCH):
        batch = ids[start:start + RETARGET_BATCH]
        requests = db.session.scalars(select(R).where(R.id.in_(batch)).options(selectinload(R.events))).all()
        clocks = {c.request_id: c for c in db.session.scalars(
            select(RequestClock).where(RequestClock.request_id.in_(batch)))}
        for req in requests:
            yield req, clocks.get(req.id)


def retarget_one(req, due_by_hand: bool = False) -> None:
    """After an expert corrected ``req``'s priority: the targets of its new priority, its
    deadlines recomputed; the due time follows unless it was set by hand (``due_by_hand``: in
    the same correction)."""
    due_at = req.due_at
    _take_targets(req, db.session.get(RequestClock, req.id), *targets_for(req.field, req.type, req.priority))
    if due_by_hand:
        req.due_at = due_at


def _take_targets(req, clock: RequestClock | None, first: int | None, resolution: int | None) -> bool:
    """Give ``req``'s clock these targets (a clock made if it had none); False when there is
    nothing to time."""
    if _workflow(req) is None:  # a type no longer installed: its clock cannot run
        return False
    if clock is None:
        if first is None and resolution is None:
            return False
        clock = RequestClock(request_id=req.id)
        db.session.add(clock)
        shown = req.due_at is None
    else:
        shown = req.due_at == clock.first_response_due_at
    clock.first_response_minutes, clock.resolution_minutes = first, resolution
    refresh(req, clock)
    if shown:
        req.due_at = clock.first_response_due_at
    return True


def _staff(user) -> bool:
    return user is not None and (user.is_expert or user.is_admin)


def after_change(req, actor, visible_to_member: bool = True) -> None:
    """After a transition or a message: the first response, the resolution, the deadlines."""
    clock = db.session.get(RequestClock, req.id)
    if clock is None:
        return
    if clock.first_response_at is None and visible_to_member and _staff(actor) and actor.id != req.requester_id:
        clock.first_response_at = utcnow()
    refresh(req, clock)


def refresh(req, clock: RequestClock) -> None:
    workflow = _workflow(req)
    calendar = working_calendar()
    resolved = is_resolved(workflow, req.state)
    clock.resolved_at = (req.state_changed_at or utcnow()) if resolved else None
    state = workflow.state(req.state)
    clock.paused = not resolved and state is not None and state.waiting_on != "expert"
    clock.first_response_due_at = clock.first_response_warn_at = None
    clock.resolution_due_at = clock.resolution_warn_at = None
    if clock.first_response_minutes is not None and clock.first_response_at is None and not resolved:
        clock.first_response_due_at, clock.first_response_warn_at = _due(
            calendar, running_segments(req), clock.first_response_minutes)
    if clock.resolution_minutes is not None and not resolved:
        clock.resolution_due_at, clock.resolution_warn_at = _due(
            calendar, running_segments(req), clock.resolution_minutes)


def _due(calendar, segments, minutes: int):
    target = timedelta(minutes=minutes)
    due = deadline(calendar, segments, target)
    if due is None:
        return None, None
    warn = deadline(calendar, segments, target * WARN_SHARE)
    return due, warn

