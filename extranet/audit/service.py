from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from extranet.accounts.models import User
from extranet.audit.models import AuditEvent
from extranet.extensions import db


def record(action: str, target=None, organization=None, actor=None, **details) -> AuditEvent:
    """Add an audit event to the session; it is saved with the change it describes."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        action=action,
        actor=actor,
        organization=organization,
        target=_describe(target),
        ip=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(event)
    return event


def _describe(target) -> str | None:
    if target is None or isinstance(target, str):
        return target
    return f"{type(target).__tablename__}:{target.id}"


# -- reading the log --------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the administrators' log is narrowed to: who acted (part of a name or address), a kind
    of action (the first part of its code), a range of days (in the cooperative's time zone,
    both included) and an organization."""

    actor: str = ""
    kind: str = ""
    since: date | None = None
    until: date | None = None
    organization_id: int | None = None


def _start_of(day: date) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def events(filters: Filters):
    """A select of the events ``filters`` keep, newest first, with who acted and where."""
    query = select(AuditEvent).options(selectinload(AuditEvent.actor), selectinload(AuditEvent.organization))
    if filters.actor:
        needle = filters.actor.lower()
        query = query.join(AuditEvent.actor).where(or_(
            func.lower(User.name).contains(needle, autoescape=True), User.email.contains(needle, autoescape=True),
        ))
    if filters.kind:
        query = query.where(AuditEvent.action.startswith(filters.kind + ".", autoescape=True))
    if filters.since:
        query = query.where(AuditEvent.at >= _start_of(filters.since))
    if filters.until:
        query = query.where(AuditEvent.at < _start_of(filters.until + timedelta(days=1)))
    if filters.organization_id:
        query = query.where(AuditEvent.organization_id == filters.organization_id)
    return query.order_by(AuditEvent.id.desc())


def about_person(user):
    """A select of what was done to or about ``user``: their account, sign-ins, memberships and
    invitations (every event whose target is them), newest first."""
    return (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.organization))
        .where(AuditEvent.target == f"users:{user.id}")
        .order_by(AuditEvent.id.desc())
    )
