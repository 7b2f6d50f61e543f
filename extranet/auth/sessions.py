"""Server-side login sessions: the cookie holds a random token, the database the truth."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, request, session
from sqlalchemy.orm import joinedload

from extranet.accounts.models import User
from extranet.auth.models import UserSession, hash_token
from extranet.db_types import utcnow
from extranet.extensions import db, login_manager

SESSION_KEY = "sid"
TOUCH_EVERY = timedelta(minutes=1)


def start_session(user, remember: bool) -> None:
    """Log ``user`` in with a brand-new session id (nothing of the anonymous session is kept)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = (
        current_app.config["PERMANENT_SESSION_LIFETIME"]
        if remember
        else current_app.config["SESSION_IDLE_LIFETIME"]
    )
    db.session.add(
        UserSession(
            token_hash=hash_token(token),
            user=user,
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            ip=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:300],
        )
    )
    user.last_login_at = now
    _clear_keeping_language()
    session[SESSION_KEY] = token
    session.permanent = remember


def current_session() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not token:
        return None
    # The person comes with what every permission check reads of them (their memberships and the
    # fields they serve) in the same statement: three lazy loads fewer on every page.
    person = joinedload(UserSession.user)
    return db.session.scalars(
        db.select(UserSession).where(UserSession.token_hash == hash_token(token))
        .options(person.joinedload(User.memberships), person.joinedload(User.expert_fields))
    ).unique().one_or_none()


def end_session() -> None:
    row = current_session()
    if row is not None:
        db.session.delete(row)
    _clear_keeping_language()


def _clear_keeping_language() -> None:
    """A fresh session (nothing carried over but the chosen language)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def end_other_sessions(user) -> int:
    """End every session of ``user`` but the current one; returns how many ended."""
    keep = current_session()
    query = db.delete(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query).rowcount


def end_all_sessions(user) -> None:
    db.session.execute(db.delete(UserSession).where(UserSession.user_id == user.id))


@login_manager.request_loader
def load_user_from_session(_request):
    row = current_session()
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now or not row.user.active:
        db.session.delete(row)
        db.session.commit()
        session.pop(SESSION_KEY, None)
        return None
    # The header's unread-count poll is not activity: it must not keep an idle session alive.
    if now - row.last_seen_at > TOUCH_EVERY and request.endpoint != "notifications.badge":
        # Sliding expiry for browser sessions; remembered ones keep their fixed term.
        row.last_seen_at = now
        if not row.remember:
            row.expires_at = now + current_app.config["SESSION_IDLE_LIFETIME"]
        db.session.commit()
    return row.user


def active_sessions(user) -> list[UserSession]:
    """The person's sessions still running, the most recently used first."""
    return db.session.scalars(
        db.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()


# The largest id a database column holds: a larger number from a URL names no session (and
# would overflow SQLite's integer instead of answering "not found").
MAX_ID = 2**63 - 1


def own_session(user, session_id: int) -> UserSession | None:
    """One of ``user``'s sessions; None for anyone else's, so that an id guessed is not found."""
    if not 0 < session_id <= MAX_ID:
        return None
    return db.session.scalar(
        db.select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
