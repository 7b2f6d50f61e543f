"""Who read my information, and my organization's: read-only pages, newest first."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import login_required

from extranet.access import entries, service
from extranet.access.models import AccessRecord
from extranet.policy import current_organization, require
from extranet.web.htmx import render
from extranet.web.lookups import signed_in_user
from extranet.web.pager import Keys, bounded_page

bp = Blueprint("access", __name__, url_prefix="/access")


def _page(query):
    size = current_app.config["PAGE_SIZE"]
    # A row per reader, thing read and hour: the log grows with every page read.
    page = bounded_page(query, Keys("r", (AccessRecord.at, True), (AccessRecord.id, True)), per_page=size)
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
