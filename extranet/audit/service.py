from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

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
