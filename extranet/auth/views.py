"""Login, logout, password reset and invitation links."""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from extranet.accounts.models import User
from extranet.auth import service
from extranet.auth.forms import ForgotPasswordForm, LoginForm, NewPasswordForm
from extranet.auth.tokens import read_token
from extranet.extensions import db, limiter, login_manager
from extranet.web.htmx import render
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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_login_failed,
)
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
            service.sign_in(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")), 303)
        service.sign_in_refused(user, form.email.data)
        db.session.commit()
        form.password.errors.append(_("Incorrect email or password."))
    return render("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    service.sign_out(current_user._get_current_object() if current_user.is_authenticated else None)
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is not None and user.active:
            service.send_password_reset(user)
            db.session.commit()
        # The same answer whether or not the address is known: no account discovery.
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
            return redirect(url_for("dashboard.index"), 303)
        flash(_("Your password is changed. You can log in with it now."), "success")
        return redirect(url_for("auth.login"), 303)
    return render("auth/set_password.html", form=form, user=user, purpose=purpose)
