"""Who hears about what happens: in-app notifications and e-mail, each in the recipient's own
language, never to the person who acted, never about what they cannot see.

Every kind takes the one path, ``notify``. Most are about a request, and its people hear of
them; a few are about an organization (its hour bank running low), and its managers hear of
them. The rows and e-mails join the caller's transaction: they exist once its change is
committed, and not at all when it is rolled back (the outbox sends only committed mail)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple

from flask import current_app
from flask_babel import force_locale, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extranet.accounts.models import ExpertField, User
from extranet.contributions import NotificationKind
from extranet.extensions import db
from extranet.inbound.addresses import reply_address
from extranet.notifications.mail import queue_email
from extranet.notifications.models import MutedEmail, Notification
from extranet.organizations.models import Membership
from extranet.plugins import PluginError, host
from extranet.policy import can
from extranet.requests.presenters import state_label
from extranet.web.urls import external_url

KIND_LABELS = {
    "request_new": _l("New request in my fields"),
    "request_assigned": _l("A request is assigned to me"),
    "request_transitioned": _l("A request I follow changes state"),
    "message_new": _l("New message on a request I follow"),
    "request_moved": _l("A request is moved into or out of my fields"),
    "hours_80": _l("My organization has used 80 percent of its hours in a field"),
    "hours_100": _l("My organization has used all its hours in a field"),
    "target_at_risk": _l("A request I work on is about to miss its service target"),
    "target_missed": _l("A request in my fields missed its service target"),
    "waiting_reminder": _l("A request is waiting for my answer"),
    "auto_closed": _l("A delivered request closed itself without an answer"),
}


KIND_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def plugin_kinds() -> dict[str, tuple[str, NotificationKind]]:
    """The kinds the plugins register, each with its plugin's name (collected once per
    application)."""
    app = current_app._get_current_object()
    kinds = app.extensions.get("extranet.notification_kinds")
    if kinds is None:
        kinds = {}
        for name, kind in host().contributions("extranet_register_notification_kinds"):
            if not kind.kind.startswith(name + "_") or not KIND_RE.match(kind.kind):
                raise PluginError(f"Plugin {name!r}: notification kind {kind.kind!r} must be named '{name}_<what>' (40 characters at most).")
            if kind.kind in kinds or kind.kind in KIND_LABELS:
                raise PluginError(f"Plugin {name!r} registers the notification kind {kind.kind!r}, which already exists.")
            kinds[kind.kind] = (name, kind)
        app.extensions["extranet.notification_kinds"] = kinds
    return kinds


def kind_labels() -> dict:
    """Each kind a person may choose to receive by e-mail: the core's, then those of the
    plugins whose module is on."""
    return {**KIND_LABELS, **{k: kind.label for k, (owner, kind) in plugin_kinds().items() if host().is_enabled(owner)}}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def describe(notification: Notification) -> str:
    """The sentence shown for a notification, in the current language."""
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
    if notification.kind == "request_moved":
        field = host().field_label(notification.params.get("field", ""))
        return str(_l("%(actor)s moved %(ref)s “%(title)s” to %(field)s.", field=field, **params))
    if notification.kind == "message_new":
        return str(_l("%(actor)s wrote on %(ref)s “%(title)s”.", **params))
    if notification.kind in ("target_at_risk", "target_missed"):
        return _describe_target(notification.kind, notification.params.get("target"), params)
    if notification.kind == "waiting_reminder":
        return str(_l("%(ref)s “%(title)s” is waiting for your answer.", **params))
    if notification.kind == "auto_closed":
        return str(_l("%(ref)s “%(title)s” was closed after ten working days without an answer: "
                      "tell us how satisfied you are.", **params))
    if notification.kind in ("hours_80", "hours_100"):  # about an organization, no request
        return _describe_hours(notification)
    if notification.kind == "webhook_disabled":
        p = notification.params or {}
        return str(_l("The webhook to %(url)s is disabled after %(count)s failed deliveries in a row.",
                      url=p.get("url", ""), count=p.get("failures", "")))
    owned = plugin_kinds().get(notification.kind)
    if owned is not None:
        return str(owned[1].sentence) % _Blank({**(notification.params or {}), **params})
    return notification.kind


def _describe_target(kind: str, target: str | None, params: dict) -> str:
    if kind == "target_missed":
        if target == "resolution":
            return str(_l("%(ref)s “%(title)s” missed its resolution target.", **params))
        return str(_l("%(ref)s “%(title)s” missed its first-response target.", **params))
    if target == "resolution":
        return str(_l("%(ref)s “%(title)s” has used 80%% of its resolution target.", **params))
    return str(_l("%(ref)s “%(title)s” has used 80%% of its first-response target.", **params))


def _describe_hours(notification: Notification) -> str:
    p = notification.params or {}
    percent = format_decimal(Decimal(p["percent"])) if p.get("percent") else ""
    values = {"organization": p.get("organization", ""), "field": host().field_label(p.get("field", "")),
              "year": str(p.get("year", "")), "percent": percent}
    if notification.kind == "hours_100":
        return str(_l("%(organization)s has used all its %(field)s hours for %(year)s (%(percent)s%%).", **values))
    return str(_l("%(organization)s has used %(percent)s%% of its %(field)s hours for %(year)s.", **values))


class OrganizationKind(NamedTuple):
    """A kind about an organization and one of its fields (named ``field`` in its params)."""

    action: str  # what a recipient must be allowed on (organization, field)
    endpoint: str  # the page it leads to, for its year


ORGANIZATION_KINDS = {
    "hours_80": OrganizationKind("hours.view_field_balance", "hours.index"),
    "hours_100": OrganizationKind("hours.view_field_balance", "hours.index"),
}

# Kinds about something of the administration (a webhook): the action its recipients need, and
# its page, whose argument is the params' ``subscription_id``.
ADMINISTRATION_KINDS = {
    "webhook_disabled": OrganizationKind("webhooks.manage", "webhooks.subscription"),
}


def _concerned(kind: str, req) -> list[User]:
    if kind in ("request_new", "request_moved"):
        experts = select(User).join(ExpertField).where(ExpertField.field == req.field, User.active.is_(True))
        return list(db.session.scalars(experts))
    return [req.requester, *req.contacts, *req.assignees]


def _managers(organization) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.organization_id == organization.id, Membership.active.is_(True),
            Membership.role == "manager", User.active.is_(True),
        ).order_by(User.id)
    ))


def notify_request(kind: str, service_request, actor: User | None, recipients: list[User] | None = None,
                   **params) -> None:
    """A plugin's notification of one of its own kinds about a request: to ``recipients``, or
    the requester, contacts and assignees; only those who may see the request hear of it, and
    only while the plugin's module is on."""
    if kind not in plugin_kinds():
        raise ValueError(f"unknown notification kind {kind!r}")
    if not host().is_enabled(plugin_kinds()[kind][0]):
        return
    notify(kind, service_request, actor, recipients=recipients, **params)


def notify(kind: str, about, actor: User | None, recipients: list[User] | None = None, **params) -> None:
    """Tell the people concerned that ``kind`` happened to ``about``: a request (its requester,
    contacts and assignees, or the experts of its field for a new one), or an organization for
    the kinds of ``ORGANIZATION_KINDS`` (its managers). ``recipients`` chooses them instead;
    either way only those who may see what it is about hear of it."""
    if kind in ADMINISTRATION_KINDS:
        req = None
        people = recipients or []

        def sees(user):
            return can(user, ADMINISTRATION_KINDS[kind].action)
    elif kind in ORGANIZATION_KINDS:
        req = None
        people = recipients if recipients is not None else _managers(about)
        params = {"organization": about.name, "organization_id": about.id, **params}
        target = (about, params.get("field"))

        def sees(user):
            return can(user, ORGANIZATION_KINDS[kind].action, target)
    else:
        req = about
        people = recipients if recipients is not None else _concerned(kind, req)
        internal = params.get("internal", False)

        def sees(user):
            return can(user, "request.view", req) and (not internal or can(user, "request.see_internal", req))

    seen = set()
    chosen = []
    for user in people:
        if user.id in seen or (actor is not None and user.id == actor.id) or not user.active:
            continue
        seen.add(user.id)
        if sees(user):
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


def destination(notification: Notification, reader: User | None = None) -> tuple[str, dict] | None:
    """The endpoint and arguments of the page a notification is about; None when it has none,
    or when ``reader`` may no longer open the request it is about."""
    if notification.request is not None:
        if reader is not None and not can(reader, "request.view", notification.request):
            return None
        return "requests.detail", {"reference": notification.request.reference}
    if notification.kind in ADMINISTRATION_KINDS:
        if reader is not None and not can(reader, ADMINISTRATION_KINDS[notification.kind].action):
            return None
        endpoint = ADMINISTRATION_KINDS[notification.kind].endpoint
        return endpoint, {"subscription_id": (notification.params or {}).get("subscription_id")}
    kind = ORGANIZATION_KINDS.get(notification.kind)
    if kind is not None:
        return kind.endpoint, {"year": (notification.params or {}).get("year")}
    return None


def _email(user: User, notification: Notification) -> None:
    req = notification.request
    with force_locale(user.locale):
        text = describe(notification)
        subject = f"[{req.reference}] {text}" if req is not None else text
    endpoint, values = destination(notification)
    owned = plugin_kinds().get(notification.kind)
    queue_email(
        user.email,
        user.locale,
        subject[:300],
        (owned and owned[1].email_template) or "notification",
        notification=notification,
        # Answering the e-mail writes on the request as this person (extranet.inbound).
        reply_to=reply_address(user.id, req.id) if req is not None else None,
        user=user,
        text=text,
        link=external_url(endpoint, **values),
        preferences=external_url("notifications.preferences"),
    )
