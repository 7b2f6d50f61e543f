"""Who read my information, and my organization's: read-only pages, newest first."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import login_required

from extranet.access import entries, service
from extranet.extensions import db
from extranet.policy import current_organization, require
from extranet.web.htmx import render
from extranet.web.lookups import signed_in_user

bp = Blueprint("access", __name__, url_prefix="/access")

LAST_PAGE = 10**6


def _page_number() -> int:
    """The page asked for; one out of any page's range (a huge number) is the first, never a 500."""
    number = request.args.get("page", 1, type=int)
    return number if number is not None and 1 <= number <= LAST_PAGE else 1


def _page(query):
    page = db.paginate(query, page=_page_number(),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return page, entries.entries(list(page.items), signed_in_user())


@bp.get("/")
@login_required
def mine():
    require("access.view_own")
    user = signed_in_user()
    page, rows = _page(service.about_person(user))
    return render("access/index.html", "access/_entries.html", page=page, rows=rows, organization=None,
                  retention_days=service.retention_days())


@bp.get("/organization")
@login_required
def organization():
    org = current_organization()
    require("access.view_organization", org)
    page, rows = _page(service.about_organization(org))
    return render("access/index.html", "access/_entries.html", page=page, rows=rows, organization=org,
                  retention_days=service.retention_days())
