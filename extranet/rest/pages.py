"""The profile's personal access tokens: made (the secret shown once), listed with their last
use, and revoked after a confirmation."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.rest import service
from extranet.rest.forms import TokenForm, scope_choices
from extranet.web.htmx import render
from extranet.web.lookups import signed_in_user

bp = Blueprint("api_tokens", __name__, url_prefix="/profile/api-tokens")


def _page(form, status=200, secret=None, made=None):
    user = signed_in_user()
    return render("rest/tokens.html", status=status, form=form, tokens=service.tokens_of(user),
                  labels=dict(scope_choices()), secret=secret, made=made, now=utcnow())


@bp.get("/")
@login_required
def index():
    return _page(TokenForm(formdata=None))


@bp.post("/")
@login_required
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    days = int(form.lifetime.data)
    expires = utcnow() + timedelta(days=days) if days else None
    token, secret = service.create_token(signed_in_user(), form.name.data, form.scopes.data, expires)
    db.session.commit()
    # Shown in this answer only: it is stored hashed, and the page is never cached (no-store).
    return _page(TokenForm(formdata=None), status=201, secret=secret, made=token)


def _own(token_id: int):
    token = service.own_token(signed_in_user(), token_id)
    if token is None:
        abort(404)
    return token


@bp.route("/<id:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(token_id: int):
    """GET asks to confirm; POST revokes."""
    token = _own(token_id)
    if request.method == "GET":
        return render("rest/revoke.html", token=token)
    service.revoke(token)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"), 303)
