"""Login (the password, then the second factor when the person has one or must set one up),
logout, password reset and invitation links."""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from extranet.accounts.models import User
from extranet.auth import second_factor, service
from extranet.auth.forms import (
    AppCodeForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    SecondFactorForm,
)
from extranet.auth.tokens import read_token
from extranet.extensions import db, limiter, login_manager
from extranet.web.htmx import render
from extranet.web.lookups import signed_in_user
from extranet.web.security import safe_next

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()


_DUMMY_HASHES: dict[str, str] = {}


def _hash_anyway(password: str) -> None:
    """Spend the time of a real password check, so that an unknown address (or an invitation
    not yet accepted) cannot be told from a wrong password by timing the answer."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)


def _login_failed(response) -> bool:
    return response.status_code != 303


@login_manager.unauthorized_handler
def unauthorized():
    login_url = url_for("auth.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        # Never swap a login form into a fragment: send the whole page to the login screen.
        return "", 401, {"HX-Redirect": url_for("auth.login")}
    return redirect(login_url)


def _sign_in_limits(per_account: str, key_func, deduct_when):
    """The limits on a sign-in step's posts: the address's, and the account's (the setting
    ``per_account``), which counts only the attempts ``deduct_when`` says were refused."""
    per_ip = limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
    per_account_limit = limiter.limit(lambda: current_app.config[per_account], methods=["POST"],
                                      key_func=key_func, deduct_when=deduct_when)
    return lambda view: per_ip(per_account_limit(view))


@bp.route("/login", methods=["GET", "POST"])
@_sign_in_limits("LOGIN_LIMIT_PER_ACCOUNT", _account_key, _login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is not None and user.password_hash is not None:
            password_ok = user.check_password(form.password.data)
        else:
            _hash_anyway(form.password.data)
            password_ok = False
        if user is not None and user.active and password_ok:
            return _password_accepted(user, form.remember.data)
        service.sign_in_refused(user, form.email.data)
        db.session.commit()
        form.password.errors.append(_("Incorrect email or password."))
    return render("auth/login.html", form=form)


# The password was right, the second factor is still to come: who, for how long, and whether
# the person must set one up first. Kept in the (signed) session cookie, never a session row:
# nobody is signed in until the second step is done.
PENDING_KEY = "pending_login"
PENDING_SECRET_KEY = "pending_totp_secret"  # noqa: S105 - a session key's name, not a secret
PENDING_SECONDS = 600


def _password_accepted(user: User, remember: bool):
    next_url = safe_next(request.args.get("next"), url_for("dashboard.index"))
    outcome = service.password_accepted(user)
    if outcome in {"signed_in", "trusted"}:
        service.sign_in(user, remember=remember, by="trusted_browser" if outcome == "trusted" else None)
        db.session.commit()
        return redirect(next_url, 303)
    session.pop(PENDING_SECRET_KEY, None)
    session[PENDING_KEY] = {"user": user.id, "remember": bool(remember), "since": int(time.time())}
    step = "auth.second_factor_step" if outcome == "code" else "auth.enrol_second_factor"
    return redirect(url_for(step, next=next_url), 303)


def _pending_user() -> User | None:
    """The person half-way through signing in, while the ten minutes last."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    return user if user is not None and user.active else None


def _code_key() -> str:
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user") if isinstance(pending, dict) else None
    return f"second-factor:{user_id}"


def _code_refused(response) -> bool:
    return response.status_code == 422


@bp.route("/login/code", methods=["GET", "POST"])
@_sign_in_limits("SECOND_FACTOR_LIMIT_PER_ACCOUNT", _code_key, _code_refused)
def second_factor_step():
    user = _pending_user()
    if user is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"), 303)
    if not user.has_second_factor:
        return redirect(url_for("auth.enrol_second_factor", next=request.args.get("next")), 303)
    form = SecondFactorForm()
    form.trust.label.text = _(
        "Trust this browser for %(days)s days (no code asked here until then)",
        days=current_app.config["TRUSTED_BROWSER_DAYS"],
    )
    if form.validate_on_submit():
        remember = session[PENDING_KEY].get("remember", False)
        by = service.check_second_factor(user, form.code.data)
        if by is not None:
            service.sign_in(user, remember=remember, by=by, trust=form.trust.data)
            left = second_factor.recovery_codes_left(user) if by == "recovery_code" else None
            db.session.commit()
            if left is not None:
                flash(ngettext(
                    "You used a recovery code: %(num)d is left. Make new ones from your profile.",
                    "You used a recovery code: %(num)d are left. Make new ones from your profile.",
                    left,
                ), "warning")
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")), 303)
        service.second_factor_refused(user)
        db.session.commit()
        form.code.errors.append(_("This code is not right, or it was already used."))
    return render("auth/second_factor.html", form=form, status=422 if form.errors else 200)


@bp.route("/login/setup", methods=["GET", "POST"])
@_sign_in_limits("SECOND_FACTOR_LIMIT_PER_ACCOUNT", _code_key, _code_refused)
def enrol_second_factor():
    """Sign-in of a person who must use a second factor and has none yet: they set it up here,
    then are signed in and shown their recovery codes."""
    user = _pending_user()
    if user is None:
        flash(_("Please log in again."), "info")
        return redirect(url_for("auth.login"), 303)
    if user.has_second_factor:
        return redirect(url_for("auth.second_factor_step", next=request.args.get("next")), 303)
    # The secret waits in the session until confirmed: showing the page writes nothing.
    secret = session.get(PENDING_SECRET_KEY) or second_factor.new_secret()
    session[PENDING_SECRET_KEY] = secret
    form = AppCodeForm()
    next_url = safe_next(request.args.get("next"), url_for("dashboard.index"))
    if form.validate_on_submit():
        remember = session[PENDING_KEY].get("remember", False)
        codes = service.enrol(user, secret, form.code.data)
        if codes is not None:
            service.sign_in(user, remember=remember, by="app")
            db.session.commit()
            flash(_("Two-factor sign-in is on."), "success")
            return render("accounts/recovery_codes.html", codes=codes, next_url=next_url)
        form.code.errors.append(_("This code is not right. Check the time of your phone and try again."))
    return render(
        "auth/enrol.html",
        form=form,
        secret=second_factor.grouped(secret),
        qr_code=second_factor.qr_code_svg(
            second_factor.provisioning_uri(user, secret), _("QR code to scan with your authenticator app")
        ),
        status=422 if form.errors else 200,
    )


@bp.post("/logout")
def logout():
    service.sign_out(signed_in_user() if current_user.is_authenticated else None)
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same work and the same answer whether or not the address is known: the account
        # is looked up only after the answer (no account discovery, by its text or its time).
        service.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, a link to reset the password is on its way."), "info")
        return redirect(url_for("auth.login"), 303)
    return render("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password(token, "reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password(token, "invite")


def _set_password(token: str, purpose: str):
    user = read_token(token, purpose)
    if user is None:
        return render("auth/link_invalid.html", purpose=purpose, status=410)
    form = NewPasswordForm()
    if form.validate_on_submit():
        service.set_password_from_link(user, form.password.data, purpose)
        db.session.commit()
        if purpose == "invite":
            flash(_("Welcome! Your password is set."), "success")
            if any(m.pending for m in user.memberships):  # the organization waits for their answer
                return redirect(url_for("organizations.invitations"), 303)
            return redirect(url_for("dashboard.index"), 303)
        flash(_("Your password is changed. You can log in with it now."), "success")
        return redirect(url_for("auth.login"), 303)
    return render("auth/set_password.html", form=form, user=user, purpose=purpose)
