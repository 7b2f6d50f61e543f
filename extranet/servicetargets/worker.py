"""The worker's service-target step: warnings before and after a target is missed, reminders to
members of requests waiting on them, and closing delivered requests nobody answered.

Each message is sent once, even with several workers: its ``SentReminder`` row (unique per
request, kind and episode) is inserted first, in the transaction that queues the notification,
so a second worker's insert fails (on PostgreSQL it waits for the first to commit, on SQLite for
the one writer) and that worker moves on. One transaction per message: a failure loses nothing
but that message, which the next pass tries again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extranet.accounts.models import ExpertField, User
from extranet.audit.service import record
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.notifications.service import notify
from extranet.plugins import host
from extranet.requests.models import ServiceRequest
from extranet.requests.service import StaleRequest, apply_transition, workflow_of
from extranet.servicetargets.calendar import forget, working_calendar, working_day
from extranet.servicetargets.clock import working_time
from extranet.servicetargets.models import RequestClock, SentReminder

log = logging.getLogger(__name__)
# Messages one pass sends at most, so that the worker's other steps (mail) never wait long on
# a backlog (after an outage, say); the next pass goes on.
BATCH = 100
REMIND_AFTER_DAYS = (3, 7)
CLOSE_AFTER_DAYS = 10
DELIVERED = "delivered"


def _mark_sent(request_id: int, kind: str, episode: datetime) -> bool:
    """Write the reminder's row first; False when another worker (or pass) already did."""
    try:
        with db.session.begin_nested():
            db.session.add(SentReminder(request_id=request_id, kind=kind, episode=episode.isoformat()))
    except IntegrityError:
        return False
    return True


def _already_sent(request_ids) -> set[tuple[int, str, str]]:
    """What was sent about these requests: skipped before trying (a pass would otherwise try,
    and fail, to insert every reminder of every late or waiting request again)."""
    if not request_ids:
        return set()
    return set(db.session.execute(select(SentReminder.request_id, SentReminder.kind, SentReminder.episode)
                                  .where(SentReminder.request_id.in_(request_ids))).all())


def _field_experts(req) -> list[User]:
    return list(db.session.scalars(
        select(User).join(ExpertField).where(ExpertField.field == req.field, User.active.is_(True)).order_by(User.id)
    ))


def _one(work) -> int:
    """Run one message's work in its own transaction; 1 if it sent something."""
    try:
        done = work()
        if done:
            db.session.commit()
        else:
            db.session.rollback()
        return int(bool(done))
    except StaleRequest:
        db.session.rollback()
    except Exception:
        db.session.rollback()
        log.exception("service targets: a reminder failed; the next pass tries again")
    return 0


def _target_warnings(now: datetime, budget: int) -> int:
    sent = 0
    for target in ("first_response", "resolution"):
        due, warn = getattr(RequestClock, f"{target}_due_at"), getattr(RequestClock, f"{target}_warn_at")
        rows = db.session.execute(
            select(RequestClock.request_id, due, warn).where(warn.is_not(None), warn <= now)
        ).all()
        done = _already_sent([r[0] for r in rows])
        db.session.rollback()  # so that each message's transaction starts with its write
        for request_id, due_at, _warn_at in rows:
            missed = due_at <= now
            kind = f"{target}_{'missed' if missed else 'at_risk'}"
            if (request_id, kind, due_at.isoformat()) in done:
                continue
            if sent >= budget:
                return sent
            sent += _one(partial(_warn, request_id, kind, due_at, missed, target))
    return sent


def _warn(request_id: int, kind: str, due_at: datetime, missed: bool, target: str) -> bool:
    if not _mark_sent(request_id, kind, due_at):
        return False
    req = db.session.get(ServiceRequest, request_id)
    name = "resolution" if target == "resolution" else "response"
    if missed:
        notify("target_missed", req, actor=None, recipients=[*req.assignees, *_field_experts(req)], target=name)
    else:
        notify("target_at_risk", req, actor=None, recipients=req.assignees or _field_experts(req), target=name)
    return True


def _waiting_on_member(now: datetime, budget: int) -> int:
    """Reminders after 3 and 7 working days of waiting; closing after 10 once delivered."""
    calendar = working_calendar()
    day = working_day(calendar)
    member_states = {s.slug for w in host().workflows.values() for s in w.states
                     if s.waiting_on == "member" and not s.terminal}
    # Three working days take at least three calendar days: older rows only.
    rows = db.session.execute(
        select(ServiceRequest.id, ServiceRequest.state, ServiceRequest.state_changed_at).where(
            ServiceRequest.state.in_(member_states),
            ServiceRequest.state_changed_at <= now - timedelta(days=min(REMIND_AFTER_DAYS)),
        )
    ).all()
    done = _already_sent([r[0] for r in rows])
    db.session.rollback()
    sent = 0
    for request_id, state, since in rows:
        if sent >= budget:
            break
        waited = working_time(calendar, since, now)
        if state == DELIVERED and waited >= CLOSE_AFTER_DAYS * day:
            sent += _one(partial(_close, request_id, since))
            continue
        for days in REMIND_AFTER_DAYS:
            if (request_id, f"waiting_{days}", since.isoformat()) in done:
                continue
            if waited >= days * day and state != DELIVERED:
                sent += _one(partial(_remind, request_id, since, days))
    return sent


def _remind(request_id: int, since: datetime, days: int) -> bool:
    if not _mark_sent(request_id, f"waiting_{days}", since):
        return False
    req = db.session.get(ServiceRequest, request_id)
    if req.state_changed_at != since:  # answered meanwhile
        return False
    notify("waiting_reminder", req, actor=None, recipients=[req.requester, *req.contacts], days=days)
    return True


def _close(request_id: int, since: datetime) -> bool:
    if not _mark_sent(request_id, "auto_close", since):
        return False
    req = db.session.get(ServiceRequest, request_id)
    close = workflow_of(req).transition("close")
    if req.state != DELIVERED or req.state_changed_at != since or close is None or DELIVERED not in close.sources:
        return False
    apply_transition(req, close, None, details={"automatic": True})
    record("requests.closed_without_answer", target=req, organization=req.organization)
    notify("auto_closed", req, actor=None, recipients=[req.requester])
    return True


def run_due(now: datetime | None = None, batch: int = BATCH) -> int:
    """One pass of at most ``batch`` messages; the number sent (a request closed counts one)."""
    now = now or utcnow()
    forget()
    sent = _target_warnings(now, batch)
    sent += _waiting_on_member(now, batch - sent)
    forget()
    return sent
