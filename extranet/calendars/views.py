"""Calendar feeds: the secret ICS address a calendar application reads, and the profile page
where a person makes, renews and revokes theirs (and their organizations' as a manager)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from extranet.calendars import service
from extranet.extensions import db
from extranet.organizations.models import Organization
from extranet.policy import can, require
from extranet.web.htmx import hx_redirect, render
from extranet.web.ids import read_id
from extranet.web.lookups import row_or_404, signed_in_user
from extranet.web.urls import external_url

bp = Blueprint("calendars", __name__)


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """Read by calendar applications, with no session: the token is the key."""
    found = service.feed_for(token)
    if found is None:
        abort(404)
    response = make_response(service.ics(found))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _managed(user) -> list[Organization]:
    organizations = [m.organization for m in user.memberships if m.active and m.role == "manager"]
    return [org for org in organizations if can(user, "calendar.organization_feed", org)]


def _page(made: dict | None = None):
    user = signed_in_user()
    return render("calendars/index.html", feeds=service.feeds_of(user), organizations=_managed(user),
                  made=made or {})


def _organization() -> Organization | None:
    """The organization a form names (None: the person's own feed); 404 unless they manage it."""
    raw = request.form.get("organization_id") or ""
    if not raw:
        return None
    org_id = read_id(raw)
    if org_id is None:
        abort(404)
    return row_or_404(Organization, org_id, "calendar.organization_feed")


@bp.get("/profile/calendar")
@login_required
def index():
    require("calendar.own_feed")
    return _page()


@bp.post("/profile/calendar")
@login_required
def make():
    require("calendar.own_feed")
    organization = _organization()
    token = service.make_feed(signed_in_user(), organization)
    db.session.commit()
    url = external_url("calendars.feed", token=token)
    response = _page(made={organization.id if organization else None: url})
    response.headers["Cache-Control"] = "no-store"  # the address is shown once: no copy kept
    return response


@bp.post("/profile/calendar/revoke")
@login_required
def revoke():
    require("calendar.own_feed")
    organization = _organization()
    if service.revoke(signed_in_user(), organization):
        db.session.commit()
        flash(_("The calendar address is revoked: calendars that read it get nothing more."), "success")
    return hx_redirect(url_for("calendars.index"))
