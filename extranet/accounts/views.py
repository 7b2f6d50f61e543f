"""A person's own account: profile, password, language."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from extranet.accounts import service
from extranet.accounts.forms import ChangePasswordForm, ProfileForm
from extranet.extensions import db
from extranet.web import LANGUAGE_SESSION_KEY
from extranet.web.htmx import render
from extranet.web.security import safe_next

bp = Blueprint("accounts", __name__)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        service.update_profile(user, form.name.data.strip(), form.locale.data)
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"), 303)
    status = 422 if request.method == "POST" else 200
    return render("accounts/profile.html", form=form, password_form=password_form, status=status)


@bp.post("/profile/password")
@login_required
def change_password():
    user = current_user._get_current_object()
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
    return render("accounts/profile.html", form=form, password_form=password_form, status=422)


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
