"""What admins do with webhooks: allowed hosts, subscriptions, their secret, and sending a
delivery again. The caller commits."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from extranet.audit.service import record
from extranet.extensions import db
from extranet.webhooks.models import PENDING, WebhookDelivery, WebhookHost, WebhookSubscription
from extranet.webhooks.signing import secret_of


def add_host(host: str, user) -> WebhookHost | None:
    """None when the host is already allowed."""
    if db.session.scalar(select(WebhookHost).where(WebhookHost.host == host)) is not None:
        return None
    row = WebhookHost(host=host, created_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    record("webhooks.host_allowed", target=row, host=host)
    return row


def remove_host(row: WebhookHost) -> None:
    record("webhooks.host_removed", target=row, host=row.host)
    db.session.delete(row)


def subscribe(url: str, description: str, events: list[str], user) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (to show once)."""
    subscription = WebhookSubscription(url=url, description=description, events=sorted(set(events)),
                                       secret_salt=secrets.token_hex(16), created_by_id=user.id)
    db.session.add(subscription)
    db.session.flush()
    record("webhooks.subscribed", target=subscription, url=url, events=subscription.events)
    return subscription, secret_of(subscription.secret_salt)


def new_secret(subscription: WebhookSubscription) -> str:
    subscription.secret_salt = secrets.token_hex(16)
    record("webhooks.secret_changed", target=subscription, url=subscription.url)
    return secret_of(subscription.secret_salt)


def set_active(subscription: WebhookSubscription, active: bool) -> None:
    subscription.active = active
    if active:
        # A fresh start: the failures that turned it off are not held against it again.
        subscription.consecutive_failures = 0
        subscription.disabled_at = None
    record("webhooks.enabled" if active else "webhooks.disabled", target=subscription, url=subscription.url)


def delete(subscription: WebhookSubscription) -> None:
    record("webhooks.deleted", target=subscription, url=subscription.url)
    db.session.delete(subscription)


def send_again(delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery of the same event (same event id, so that a receiver can tell)."""
    again = WebhookDelivery(subscription_id=delivery.subscription_id, event=delivery.event,
                            event_id=delivery.event_id, payload=delivery.payload, state=PENDING)
    db.session.add(again)
    db.session.flush()
    record("webhooks.sent_again", target=again, original=delivery.id)
    return again


def delivery_counts(subscription_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {i: {} for i in subscription_ids}
    rows = db.session.execute(
        select(WebhookDelivery.subscription_id, WebhookDelivery.state, func.count())
        .where(WebhookDelivery.subscription_id.in_(subscription_ids or [-1]))
        .group_by(WebhookDelivery.subscription_id, WebhookDelivery.state)
    )
    for subscription_id, state, n in rows:
        counts[subscription_id][state] = n
    return counts
