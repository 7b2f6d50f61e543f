"""The worker's step: claim the deliveries that are due, POST them signed, record the answer,
retry failures with exponential back-off, and disable a subscription after too many failures in
a row (its admins are told). Safe with several workers: a delivery is claimed by one conditional
update, committed before it is sent, so two workers never send the same one."""

from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from extranet.accounts.models import User
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.notifications.service import notify
from extranet.webhooks.destinations import DestinationRefused, post, resolve
from extranet.webhooks.models import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookDelivery,
    WebhookSubscription,
)
from extranet.webhooks.signing import secret_of, signature

log = logging.getLogger(__name__)
# Longer than a batch can take (each POST times out): a worker that died lets go of its claims.
LEASE = timedelta(minutes=10)
USER_AGENT = "Coop-Extranet-Webhooks/1"


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most six hours."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _claim(now: datetime, limit: int) -> list[WebhookDelivery]:
    D, S = WebhookDelivery, WebhookSubscription
    free = or_(D.claimed_until.is_(None), D.claimed_until < now)
    due = list(db.session.scalars(
        select(D.id).join(S, S.id == D.subscription_id)
        .where(S.active, D.state == PENDING, D.next_attempt_at <= now, free)
        .order_by(D.id).limit(limit)
    ))
    if not due:
        db.session.rollback()
        return []
    claim = secrets.token_hex(16)
    # The conditions again: a worker that claimed a row first has moved claimed_until on.
    db.session.execute(
        update(D).where(D.id.in_(due), D.state == PENDING, free).values(claim=claim, claimed_until=now + LEASE),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return list(db.session.scalars(select(D).where(D.claim == claim).order_by(D.id)))


def headers_for(delivery: WebhookDelivery, body: bytes) -> dict:
    secret = secret_of(delivery.subscription.secret_salt)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Extranet-Event": delivery.event,
        "X-Extranet-Event-Id": delivery.event_id,
        "X-Extranet-Delivery": str(delivery.id),
        "X-Extranet-Signature": signature(secret, int(time.time()), body),
    }


def attempt(delivery: WebhookDelivery, now: datetime) -> bool:
    """Send one delivery and record the outcome on it; True when the receiver answered 2xx."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    status, excerpt, error = None, None, None
    try:
        destination = resolve(delivery.subscription.url)
        status, excerpt = post(destination, body, headers_for(delivery, body),
                               current_app.config["WEBHOOK_TIMEOUT"])
    except DestinationRefused as exc:
        error = f"refused: {exc}"
    except (OSError, ValueError) as exc:  # connection refused, reset, timeout, TLS, bad answer
        error = f"{type(exc).__name__}: {exc}"
    ok = status is not None and 200 <= status < 300
    delivery.attempts += 1
    delivery.last_status, delivery.last_response = status, excerpt
    delivery.last_error = None if ok else (error or f"HTTP {status}")[:2000]
    delivery.claim, delivery.claimed_until = None, None
    if ok:
        delivery.state, delivery.delivered_at = DELIVERED, utcnow()
    elif delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.state = FAILED
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return ok


def _count(subscription_id: int, ok: bool) -> None:
    S = WebhookSubscription
    if ok:
        db.session.execute(update(S).where(S.id == subscription_id, S.consecutive_failures != 0)
                           .values(consecutive_failures=0), execution_options={"synchronize_session": False})
        return
    db.session.execute(update(S).where(S.id == subscription_id)
                       .values(consecutive_failures=S.consecutive_failures + 1),
                       execution_options={"synchronize_session": False})
    # One worker turns it off and tells the admins: the condition holds for one update only.
    disabled = db.session.execute(
        update(S).where(S.id == subscription_id, S.active,
                        S.consecutive_failures >= current_app.config["WEBHOOK_DISABLE_AFTER"])
        .values(active=False, disabled_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    if disabled.rowcount == 1:
        subscription = db.session.get(WebhookSubscription, subscription_id)
        db.session.refresh(subscription)
        tell_admins(subscription)


def tell_admins(subscription: WebhookSubscription) -> None:
    admins = list(db.session.scalars(select(User).where(User.is_admin, User.active).order_by(User.id)))
    notify("webhook_disabled", subscription, actor=None, recipients=admins,
           subscription_id=subscription.id, url=subscription.url, failures=subscription.consecutive_failures)


def deliver_due(now: datetime | None = None, limit: int = 20) -> tuple[int, int]:
    """Send what is due; returns (delivered, failed attempts)."""
    now = now or utcnow()
    delivered = failed = 0
    for delivery in _claim(now, limit):
        if not delivery.subscription.active:  # turned off by an earlier failure of this batch
            delivery.claim, delivery.claimed_until = None, None
            db.session.commit()
            continue
        ok = attempt(delivery, now)
        _count(delivery.subscription_id, ok)
        db.session.commit()  # each outcome is kept even if a later one fails
        if ok:
            delivered += 1
        else:
            failed += 1
            log.warning("webhook delivery %s to %s failed: %s", delivery.id, delivery.subscription.url,
                        delivery.last_error)
    return delivered, failed


def purge_log(now: datetime | None = None) -> int:
    """Forget the deliveries finished (delivered or given up) more than
    ``WEBHOOK_LOG_DAYS`` ago: the log would otherwise grow with every event. Waiting ones stay."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["WEBHOOK_LOG_DAYS"])
    D = WebhookDelivery
    purged = db.session.execute(
        delete(D).where(D.state.in_((DELIVERED, FAILED)), D.created_at < cutoff),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.commit()
    return purged
