"""Staff file a request on behalf of a member who phoned: they choose the organization and the
member, who becomes the requester and is told by e-mail; the history says who filed it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from extranet.accounts.models import User
from extranet.extensions import db
from extranet.organizations.models import Membership, Organization, Subscription
from extranet.plugins import host
from extranet.policy import can, require
from extranet.requests import service
from extranet.web.htmx import render
from extranet.web.ids import read_id
from extranet.web.lookups import signed_in_user

bp = Blueprint("on_behalf", __name__, url_prefix="/requests/on-behalf")


def requesters(field: str) -> list[tuple[Organization, list[User]]]:
    """The active members of the active organizations subscribed to ``field``, by organization."""
    rows = db.session.execute(
        select(Organization, User)
        .join(Subscription, (Subscription.organization_id == Organization.id) & (Subscription.field == field)
              & Subscription.active.is_(True))
        .join(Membership, Membership.organization_id == Organization.id)
        .join(User, User.id == Membership.user_id)
        .where(Organization.active.is_(True), Membership.active.is_(True), Membership.pending.is_(False),
               User.active.is_(True))
        .order_by(Organization.name, Organization.id, User.name, User.id)
    )
    grouped: dict[int, tuple[Organization, list[User]]] = {}
    for org, user in rows:
        grouped.setdefault(org.id, (org, []))[1].append(user)
    return list(grouped.values())


@bp.get("/")
@login_required
def choose():
    user = signed_in_user()
    fields = [f for f in host().enabled_fields() if can(user, "request.file_on_behalf", f.slug)]
    if not fields:
        abort(404)
    return render("requests/on_behalf_choose.html", fields=[(f, host().types_of(f.slug)) for f in fields])


def _requester(value: str, field: str) -> tuple[Organization | None, User | None]:
    """``org_id:user_id`` from the form: the pair, if that person may file in that organization."""
    org_id, _sep, user_id = (value or "").partition(":")
    org = db.session.get(Organization, read_id(org_id)) if read_id(org_id) is not None else None
    person = db.session.get(User, read_id(user_id)) if read_id(user_id) is not None else None
    if org is None or person is None or not can(person, "request.create", (org, field)):
        return None, None
    return org, person


@bp.route("/<field>/<type_slug>", methods=["GET", "POST"])
@login_required
def new(field: str, type_slug: str):
    user = signed_in_user()
    require("request.file_on_behalf", field)
    rtype = host().request_types.get((field, type_slug))
    if rtype is None:
        abort(404)
    form = rtype.form()
    if request.method == "GET":
        form.restricted.data = rtype.confidentiality == "restricted"
    chosen = request.form.get("requester", "")
    requester_error = None
    if form.validate_on_submit():
        org, person = _requester(chosen, field)
        if person is None:
            requester_error = _("Choose the member who asked, in an organization subscribed to this field.")
        else:
            req = service.create_request(org, rtype, form, person, filed_by=user)
            db.session.commit()
            host().after_commit("extranet_request_created", service_request=req, user=person)
            flash(_("%(ref)s is filed on behalf of %(name)s, who is told by e-mail.", ref=req.reference,
                    name=person.name), "success")
            return redirect(url_for("requests.detail", reference=req.reference), 303)
    elif request.method == "POST" and not chosen:
        requester_error = _("Choose the member who asked, in an organization subscribed to this field.")
    return render("requests/on_behalf.html", field=host().fields[field], rtype=rtype, form=form,
                  requesters=requesters(field), chosen=chosen, requester_error=requester_error,
                  status=422 if form.errors or requester_error else 200)
