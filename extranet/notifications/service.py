"""Who hears about what happens to a request: in-app notifications and e-mail, each in the
recipient's own language, never to the person who acted, never about what they cannot see."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import force_locale, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extranet.accounts.models import ExpertField, User
from extranet.extensions import db
from extranet.notifications.mail import queue_email
from extranet.notifications.models import MutedEmail, Notification
from extranet.web.urls import external_url

KIND_LABELS = {
    "request_new": _l("New request in my fields"),
    "request_assigned": _l("A request is assigned to me"),
    "request_transitioned": _l("A request I follow changes state"),
    "message_new": _l("New message on a request I follow"),
    "hours_80": _l("My organization has used 80 percent of its hours in a field"),
    "hours_100": _l("My organization has used all its hours in a field"),
}


def describe(notification: Notification) -> str:
    """The sentence shown for a notification, in the current language."""
    from extranet.requests.presenters import state_label

    req = notification.request
    actor = notification.actor.name if notification.actor else _l("Someone")
    params = {"ref": req.reference if req else "", "title": req.title if req else "", "actor": actor}
    if notification.kind == "request_new":
        return str(_l("%(actor)s submitted %(ref)s “%(title)s”.", **params))
    if notification.kind == "request_assigned":
        return str(_l("%(actor)s assigned %(ref)s “%(title)s” to you.", **params))
    if notification.kind == "request_transitioned":
        state = state_label(req, notification.params.get("state", "")) if req else ""
        return str(_l("%(ref)s “%(title)s” is now: %(state)s (%(actor)s).", state=state, **params))
    if notification.kind == "message_new":
        return str(_l("%(actor)s wrote on %(ref)s “%(title)s”.", **params))
    if notification.kind in ("hours_80", "hours_100"):  # about an organization, no request
        return _describe_hours(notification)
    return notification.kind


def _describe_hours(notification: Notification) -> str:
    from extranet.plugins import host

    p = notification.params or {}
    field = host().fields.get(p.get("field", ""))
    percent = format_decimal(Decimal(p["percent"])) if p.get("percent") else ""
    values = {"organization": p.get("organization", ""), "field": field.label if field else p.get("field", ""),
              "year": str(p.get("year", "")), "percent": percent}
    if notification.kind == "hours_100":
        return str(_l("%(organization)s has used all its %(field)s hours for %(year)s (%(percent)s%%).", **values))
    return str(_l("%(organization)s has used %(percent)s%% of its %(field)s hours for %(year)s.", **values))


def _concerned(kind: str, req) -> list[User]:
    if kind == "request_new":
        experts = select(User).join(ExpertField).where(ExpertField.field == req.field, User.active.is_(True))
        return list(db.session.scalars(experts))
    return [req.requester, *req.contacts, *req.assignees]


def notify(kind: str, req, actor: User | None, recipients: list[User] | None = None, **params) -> None:
    from extranet.policy import can

    people = recipients if recipients is not None else _concerned(kind, req)
    seen = set()
    internal = params.get("internal", False)
    chosen = []
    for user in people:
        if user.id in seen or (actor is not None and user.id == actor.id) or not user.active:
            continue
        seen.add(user.id)
        if not can(user, "request.view", req):
            continue
        if internal and not can(user, "request.see_internal", req):
            continue
        chosen.append(user)
    if not chosen:
        return
    # One query for everybody's e-mail preferences, not one per recipient.
    muted = set(db.session.scalars(
        select(MutedEmail.user_id).where(MutedEmail.kind == kind, MutedEmail.user_id.in_([u.id for u in chosen]))
    ))
    for user in chosen:
        notification = Notification(user=user, kind=kind, request=req, actor=actor, params=params)
        db.session.add(notification)
        if user.id not in muted and not user.invitation_pending:
            _email(user, notification)


def _email(user: User, notification: Notification) -> None:

    req = notification.request
    with force_locale(user.locale):
        text = describe(notification)
        subject = f"[{req.reference}] {text}"
    queue_email(
        user.email,
        user.locale,
        subject[:300],
        "notification",
        user=user,
        text=text,
        link=external_url("requests.detail", reference=req.reference),
        preferences=external_url("notifications.preferences"),
    )
