"""Signing in and out, and setting a password from an e-mailed link: each step starts or ends
sessions and writes its audit record; the page commits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from extranet.accounts.models import User
from extranet.audit.service import record
from extranet.auth import sessions
from extranet.auth.tokens import make_token
from extranet.notifications.mail import queue_email
from extranet.web.urls import external_url


def sign_in(user: User, remember: bool) -> None:
    sessions.start_session(user, remember=remember)
    record("auth.login", target=user, actor=user)


def sign_in_refused(user: User | None, email: str) -> None:
    """A failed attempt, recorded with the address typed (the account when there is one)."""
    record("auth.login_failed", target=user, email=email.strip().lower()[:254])


def sign_out(user: User | None) -> None:
    if user is not None:
        record("auth.logout", target=user)
    sessions.end_session()


def send_password_reset(user: User) -> None:
    queue_email(
        user.email,
        user.locale,
        # Lazy: translated by queue_email in the recipient's language, not the visitor's.
        _l("Reset your password"),
        "password_reset",
        user=user,
        link=external_url("auth.reset_password", token=make_token(user, "reset")),
    )
    record("auth.reset_requested", target=user, actor=user)


def set_password_from_link(user: User, password: str, purpose: str) -> None:
    """The password of a reset or invitation link; every session ends, and an accepted
    invitation signs the person in."""
    user.set_password(password)
    sessions.end_all_sessions(user)
    if purpose == "invite":
        record("auth.invitation_accepted", target=user, actor=user)
        sessions.start_session(user, remember=False)
    else:
        record("auth.password_reset", target=user, actor=user)
