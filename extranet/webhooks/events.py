"""What webhooks are told: the events, their payloads, and ``emit``, which writes one delivery
per interested subscription into the caller's transaction (sent once it is committed, never for
a change that is rolled back).

Payloads follow the one confidentiality rule: a restricted request is named by its id,
reference, field and state only, never by its title; no payload carries what people wrote
(descriptions, messages, notes, file names of a restricted request). A receiver that needs more
asks the extranet with its own access, which the policy decides."""

from __future__ import annotations

import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extranet.contributions import WebhookEvent
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.plugins import CORE_PLUGIN, PluginError, host
from extranet.webhooks.models import WebhookDelivery, WebhookSubscription

CORE_EVENTS = (
    WebhookEvent("request.created", _l("A request is filed")),
    WebhookEvent("request.transitioned", _l("A request changes state")),
    WebhookEvent("message.posted", _l("A message or internal note is posted")),
    WebhookEvent("document.uploaded", _l("A document (or a new version) is uploaded")),
    WebhookEvent("time.logged", _l("Time is logged on a request")),
    WebhookEvent("statement.closed", _l("A monthly statement is closed")),
)


def known_events() -> dict[str, WebhookEvent]:
    """Every event, the core's and the plugins' (collected once per application)."""
    app = current_app._get_current_object()
    events = app.extensions.get("extranet.webhook_events")
    if events is None:
        events = {}
        for name, event in host().contributions("extranet_register_webhook_events"):
            if name != CORE_PLUGIN and not event.name.startswith(name + "."):
                raise PluginError(f"Plugin {name!r}: webhook event {event.name!r} must start with '{name}.'.")
            if event.name in events:
                raise PluginError(f"Two plugins register the webhook event {event.name!r}.")
            events[event.name] = event
        app.extensions["extranet.webhook_events"] = events
    return events


def emit(event: str, data: dict) -> int:
    """Queue ``event`` for every active subscription to it, in the caller's transaction;
    returns how many deliveries were written."""
    if event not in known_events():
        raise ValueError(f"unknown webhook event {event!r}")
    subscriptions = [s for s in db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.active))
                     if event in (s.events or [])]
    if not subscriptions:
        return 0
    event_id = str(uuid.uuid4())
    payload = {"id": event_id, "event": event, "created_at": utcnow().isoformat(), "data": data}
    for subscription in subscriptions:
        db.session.add(WebhookDelivery(subscription_id=subscription.id, event=event, event_id=event_id,
                                       payload=payload))
    return len(subscriptions)


# -- payloads -------------------------------------------------------------------------------------


def request_data(req) -> dict:
    """A request as payloads name it: a restricted one without its title (the one rule)."""
    data = {
        "id": req.id, "reference": req.reference, "field": req.field, "type": req.type, "state": req.state,
        "confidentiality": req.confidentiality, "organization_id": req.organization_id,
        "priority": req.priority, "due_at": req.due_at.isoformat() if req.due_at else None,
    }
    if not req.is_restricted:
        data["title"] = req.title
    return data


def request_created(req, user) -> None:
    emit("request.created", {"request": request_data(req), "actor_id": user.id})


def request_transitioned(req, transition, source: str, user) -> None:
    # No user: the worker moved the request (a delivered request closed after its waiting time).
    emit("request.transitioned", {"request": request_data(req), "transition": transition.slug,
                                  "from_state": source, "to_state": req.state,
                                  "actor_id": user.id if user is not None else None})


def message_posted(message) -> None:
    emit("message.posted", {"request": request_data(message.request), "message_id": message.id,
                            "internal": message.internal, "author_id": message.author_id})


def document_uploaded(doc, version_number: int, user) -> None:
    data = {"document_id": doc.id, "version": version_number, "field": doc.field,
            "organization_id": doc.organization_id, "visibility": doc.visibility, "uploader_id": user.id,
            "request": request_data(doc.request) if doc.request is not None else None}
    if doc.request is None or not doc.request.is_restricted:
        data["title"] = doc.title
    emit("document.uploaded", data)


def time_logged(entry) -> None:
    emit("time.logged", {"entry_id": entry.id, "request": request_data(entry.request), "date": entry.date.isoformat(),
                         "minutes": entry.minutes, "activity": entry.activity, "billable": entry.billable,
                         "expert_id": entry.expert_id})


def statement_closed(statement) -> None:
    emit("statement.closed", {"statement_id": statement.id, "organization_id": statement.organization_id,
                              "month": statement.month.strftime("%Y-%m"), "total_minutes": statement.total_minutes,
                              "total_cents": statement.total_cents, "overage_minutes": statement.overage_minutes,
                              "overage_cents": statement.overage_cents})
