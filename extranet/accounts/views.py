"""A person's own account: profile, password, language, the second factor and the sessions."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from extranet.accounts import service
from extranet.accounts.forms import ChangePasswordForm, ProfileForm
from extranet.auth import browsers, second_factor, sessions
from extranet.auth import service as auth_service
from extranet.auth.forms import AppCodeForm
from extranet.extensions import db, limiter
from extranet.privacy import service as privacy
from extranet.web import LANGUAGE_SESSION_KEY
from extranet.web.htmx import render
from extranet.web.lookups import signed_in_user
from extranet.web.security import safe_next

bp = Blueprint("accounts", __name__)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = signed_in_user()
    form = profile_form(user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        service.update_profile(user, form.name.data.strip(), form.locale.data)
        if "weekly_hours" in form:
            service.set_weekly_capacity(user, round(form.weekly_hours.data * 60))
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"), 303)
    status = 422 if request.method == "POST" else 200
    return _profile_page(user, form=form, password_form=password_form, status=status)


def profile_form(user, **kwargs) -> ProfileForm:
    """The profile form; experts also state their weekly capacity in hours."""
    form = ProfileForm(obj=user, **kwargs)
    if not user.is_expert:
        del form.weekly_hours
    elif kwargs.get("formdata", True) is None or request.method == "GET":
        form.weekly_hours.data = Decimal(user.weekly_capacity_minutes) / 60
    return form


def _profile_page(user, status: int = 200, **forms):
    """The profile with its forms (those not given are blank) and the sign-in's security: the
    second factor, trusted browsers and the sessions running."""
    forms.setdefault("form", profile_form(user, formdata=None))
    forms.setdefault("password_form", ChangePasswordForm(prefix="pw", formdata=None))
    forms.setdefault("renew_form", AppCodeForm(prefix="renew", formdata=None))
    forms.setdefault("disable_form", AppCodeForm(prefix="off", formdata=None))
    current = sessions.current_session()
    listed = []
    for row in sessions.active_sessions(user):
        browser, system = browsers.describe(row.user_agent)
        listed.append({"row": row, "browser": browser, "system": system,
                       "network": browsers.network(row.ip), "current": current is not None and row.id == current.id})
    return render(
        "accounts/profile.html",
        status=status,
        sessions=listed,
        second_factor_required=second_factor.is_required(user),
        recovery_codes_left=second_factor.recovery_codes_left(user) if user.has_second_factor else None,
        trusted_browsers=browsers.trusted_browsers(user),
        exports=privacy.latest_exports(user),
        downloadable=privacy.downloadable,
        erasure_pending=privacy.pending_erasure(user) is not None,
        **forms,
    )


def _code_key() -> str:
    return f"second-factor:{current_user.get_id()}"


def _code_refused(response) -> bool:
    return response.status_code == 422


def _limited(view):
    """A code typed on the profile counts against the same limit as at sign-in."""
    view = limiter.limit(
        lambda: current_app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"],
        methods=["POST"],
        key_func=_code_key,
        deduct_when=_code_refused,
    )(view)
    return view


SETUP_SECRET_KEY = "totp_setup_secret"  # noqa: S105 - a session key's name, not a secret


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required
@_limited
def setup_second_factor():
    user = signed_in_user()
    if user.has_second_factor:
        return redirect(url_for("accounts.profile"), 303)
    # The secret waits in the session until confirmed: showing the page writes nothing.
    secret = session.get(SETUP_SECRET_KEY) or second_factor.new_secret()
    session[SETUP_SECRET_KEY] = secret
    form = AppCodeForm()
    if form.validate_on_submit():
        codes = auth_service.enrol(user, secret, form.code.data)
        if codes is not None:
            db.session.commit()
            session.pop(SETUP_SECRET_KEY, None)
            flash(_("Two-factor sign-in is on. Your other sessions are closed."), "success")
            return render("accounts/recovery_codes.html", codes=codes, next_url=url_for("accounts.profile"))
        form.code.errors.append(_("This code is not right. Check the time of your phone and try again."))
    return render(
        "accounts/second_factor_setup.html",
        form=form,
        secret=second_factor.grouped(secret),
        qr_code=second_factor.qr_code_svg(
            second_factor.provisioning_uri(user, secret), _("QR code to scan with your authenticator app")
        ),
        status=422 if form.errors else 200,
    )


@bp.post("/profile/two-factor/recovery-codes")
@login_required
@_limited
def renew_recovery_codes():
    user = signed_in_user()
    form = AppCodeForm(prefix="renew")
    if not user.has_second_factor:
        abort(404)
    if form.validate_on_submit():
        if second_factor.accept_code(user, form.code.data):
            codes = auth_service.renew_recovery_codes(user)
            db.session.commit()
            return render("accounts/recovery_codes.html", codes=codes, next_url=url_for("accounts.profile"))
        form.code.errors.append(_("This code is not right, or it was already used."))
    return _profile_page(user, renew_form=form, status=422)


@bp.post("/profile/two-factor/disable")
@login_required
@_limited
def disable_second_factor():
    user = signed_in_user()
    form = AppCodeForm(prefix="off")
    if not user.has_second_factor:
        abort(404)
    if second_factor.is_required(user):
        form.code.errors = [_("Two-factor sign-in is required for your account: it cannot be turned off.")]
    elif form.validate_on_submit():
        if second_factor.accept_code(user, form.code.data):
            auth_service.disable_second_factor(user)
            db.session.commit()
            flash(_("Two-factor sign-in is off. Your other sessions are closed."), "success")
            return redirect(url_for("accounts.profile"), 303)
        form.code.errors.append(_("This code is not right, or it was already used."))
    return _profile_page(user, disable_form=form, status=422)


@bp.post("/profile/trusted-browsers/forget")
@login_required
def forget_trusted_browsers():
    count = auth_service.forget_trusted_browsers(signed_in_user())
    db.session.commit()
    flash(_("No browser skips the second factor any more (%(count)s forgotten).", count=count), "success")
    return redirect(url_for("accounts.profile") + "#trusted-browsers", 303)


@bp.post("/profile/sessions/<id:session_id>/end")
@login_required
def end_session(session_id: int):
    user = signed_in_user()
    row = sessions.own_session(user, session_id)
    current = sessions.current_session()
    if row is None or (current is not None and row.id == current.id):
        # Someone else's session is not found; one's own current session ends by logging out.
        abort(404)
    auth_service.end_session(user, row)
    db.session.commit()
    flash(_("The session is ended: that browser must sign in again."), "success")
    return redirect(url_for("accounts.profile") + "#sessions", 303)


@bp.post("/profile/sessions/end-others")
@login_required
def end_other_sessions():
    count = auth_service.end_other_sessions(signed_in_user())
    db.session.commit()
    flash(_("Your other sessions are ended (%(count)s).", count=count), "success")
    return redirect(url_for("accounts.profile") + "#sessions", 303)


@bp.post("/profile/password")
@login_required
def change_password():
    user = signed_in_user()
    form = ProfileForm(obj=user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        if not user.check_password(password_form.current.data):
            password_form.current.errors.append(_("This is not your current password."))
        else:
            service.change_password(user, password_form.password.data)
            db.session.commit()
            flash(_("Your password is changed. Your other sessions are closed."), "success")
            return redirect(url_for("accounts.profile"), 303)
    return _profile_page(user, form=form, password_form=password_form, status=422)


@bp.post("/language")
def set_language():
    """The FR/EN switch in the header; remembered on the account when signed in."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("dashboard.index")), 303)
