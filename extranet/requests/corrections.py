"""Correcting what a request says about itself once filed: its priority and due date.

Both are the request's own fields, so a correction is a guarded change (``service.claim``): two
experts correcting at once never both win. The reason goes to the history, where the members
read it as they read a transition's comment.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from extranet.audit.service import record
from extranet.extensions import db
from extranet.requests.models import PRIORITIES, RequestEvent, ServiceRequest
from extranet.requests.service import claim, end_of_day
from extranet.servicetargets import tracking


def local_day(moment: datetime | None) -> date | None:
    """The day a due time falls on where the cooperative works (23:59 there is the next day in UTC)."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def change_schedule(req: ServiceRequest, priority: str, due: date | None, reason: str, actor) -> bool:
    """Give ``req`` this priority and due date (end of that day, or none); False when both are
    already so (nothing recorded, the version untouched)."""
    if priority not in PRIORITIES:
        raise ValueError(priority)
    due_at = end_of_day(due) if due else None
    old_due = local_day(req.due_at).isoformat() if req.due_at else None
    new_due = due.isoformat() if due else None
    # A due date kept as it was keeps its hour (a response target's due time, not 23:59).
    if req.priority == priority and old_due == new_due:
        return False
    claim(req)
    details = {}
    if old_due != new_due:
        details["due"] = [old_due, new_due]
        req.due_at = due_at
    if req.priority != priority:
        details["priority"] = [req.priority, priority]
        req.priority = priority
        tracking.retarget_one(req, due_by_hand=old_due != new_due)
    db.session.add(RequestEvent(request=req, actor=actor, kind="rescheduled", comment=reason.strip(), details=details))
    record("requests.rescheduled", target=req, organization=req.organization, priority=req.priority,
           due=new_due or "—")
    return True
