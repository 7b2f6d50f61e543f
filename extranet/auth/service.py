"""Signing in and out, the second factor, the sessions a person ends, and setting a password
from an e-mailed link: each step starts or ends sessions and writes its audit record; the page
commits."""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l

from extranet.accounts.models import User, normalize_email
from extranet.audit.service import record
from extranet.auth import browsers, second_factor, sessions
from extranet.auth.models import ResetRequest, UserSession
from extranet.auth.tokens import make_token
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.notifications.mail import queue_email
from extranet.web.urls import external_url


def sign_in(user: User, remember: bool, *, by: str | None = None, trust: bool = False) -> None:
    """A new session for ``user``; ``by`` says how the second factor was given ("app",
    "recovery_code", "trusted_browser"), ``trust`` lets this browser skip it for a while. A
    browser the person never signed in from is e-mailed to them (not their very first one)."""
    first_ever = not browsers.has_known_browsers(user)
    sessions.start_session(user, remember=remember)
    browser, known = browsers.remember(user)
    if trust:
        browsers.trust(browser)
        record("auth.browser_trusted", target=user, actor=user, until=browser.trusted_until.isoformat())
    if not known and not first_ever:
        _tell_new_browser(user)
    details = {"second_factor": by} if by else {}
    record("auth.login", target=user, actor=user, new_browser=not known, **details)


def _tell_new_browser(user: User) -> None:
    name, system = browsers.describe(request.user_agent.string)
    queue_email(
        user.email,
        user.locale,
        _l("New sign-in to your Coop Extranet account"),
        "new_browser",
        user=user,
        browser=name,
        system=system,
        network=browsers.network(request.remote_addr),
        at=utcnow(),
        link=external_url("accounts.profile") + "#sessions",
    )


def password_accepted(user: User) -> str:
    """What a right password leads to: "signed_in" needs nothing more, "code" asks for the
    second factor, "enrol" for setting one up first (it is required and the person has none)."""
    if user.has_second_factor:
        return "trusted" if browsers.is_trusted(user) else "code"
    return "enrol" if second_factor.is_required(user) else "signed_in"


def check_second_factor(user: User, code: str) -> str | None:
    """How ``code`` proves the second factor ("app" or "recovery_code"), None if it does not;
    a recovery code is spent and its use recorded."""
    if second_factor.looks_like_app_code(code):
        return "app" if second_factor.accept_code(user, code) else None
    if second_factor.use_recovery_code(user, code):
        record("auth.recovery_code_used", target=user, actor=user, left=second_factor.recovery_codes_left(user))
        return "recovery_code"
    return None


def second_factor_refused(user: User) -> None:
    record("auth.second_factor_failed", target=user, actor=user)


def enrol(user: User, secret: str, code: str) -> list[str] | None:
    """Turn the second factor on with the ``secret`` the person's app was given, once it shows
    a right ``code``; returns the recovery codes to show once (None: the code is wrong). The
    person's other sessions end."""
    step = second_factor.matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = second_factor.replace_recovery_codes(user)
    ended = sessions.end_other_sessions(user)
    record("auth.second_factor_enabled", target=user, actor=user, other_sessions_ended=ended)
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    codes = second_factor.replace_recovery_codes(user)
    ended = sessions.end_other_sessions(user)
    record("auth.recovery_codes_renewed", target=user, actor=user, other_sessions_ended=ended)
    return codes


def disable_second_factor(user: User) -> None:
    second_factor.forget(user)
    browsers.withdraw_trust(user)
    ended = sessions.end_other_sessions(user)
    record("auth.second_factor_disabled", target=user, actor=user, other_sessions_ended=ended)


def reset_second_factor(user: User, admin: User) -> None:
    """An administrator's reset for a person who lost their phone and codes: the factor, the
    trusted browsers and every session go, the person is told by e-mail (and is led to enrol
    again at their next sign-in when it is required of them)."""
    second_factor.forget(user)
    browsers.withdraw_trust(user)
    sessions.end_all_sessions(user)
    queue_email(
        user.email,
        user.locale,
        _l("Your two-factor sign-in was reset"),
        "second_factor_reset",
        user=user,
        admin=admin,
        link=external_url("accounts.profile"),
    )
    record("auth.second_factor_reset", target=user, actor=admin)


def forget_trusted_browsers(user: User) -> int:
    count = browsers.withdraw_trust(user)
    record("auth.trusted_browsers_forgotten", target=user, actor=user, count=count)
    return count


def end_session(user: User, row: UserSession) -> None:
    """End one of the person's own sessions (another browser's)."""
    db.session.delete(row)
    record("auth.session_ended", target=user, actor=user, session=row.id)


def end_other_sessions(user: User) -> int:
    ended = sessions.end_other_sessions(user)
    record("auth.other_sessions_ended", target=user, actor=user, count=ended)
    return ended


def sign_in_refused(user: User | None, email: str) -> None:
    """A failed attempt, recorded with the address typed (the account when there is one)."""
    record("auth.login_failed", target=user, email=email.strip().lower()[:254])


def sign_out(user: User | None) -> None:
    if user is not None:
        record("auth.logout", target=user)
    sessions.end_session()


def request_password_reset(email: str) -> None:
    """What the page does for any address: one row, whether or not an account uses it (the
    account is not even looked up here); ``handle_reset_requests`` takes it from there."""
    db.session.add(ResetRequest(email=normalize_email(email)[:254]))
    g.reset_requested = True


def handle_reset_requests(limit: int = 50) -> int:
    """Turn waiting reset requests into e-mails for active accounts and discard the others;
    how many were handled. Safe with several workers: a row is claimed, then deleted. The
    caller commits."""
    claimed = db.session.scalars(
        db.select(ResetRequest).order_by(ResetRequest.id).limit(limit).with_for_update(skip_locked=True)
    ).all()
    for asked in claimed:
        user = User.by_email(asked.email)
        if user is not None and user.active:
            send_password_reset(user)
        db.session.delete(asked)
    return len(claimed)


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
