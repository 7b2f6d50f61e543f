"""The home page: widgets contributed by the core and by enabled modules."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user, login_required

from extranet.plugins import host
from extranet.policy import current_organization
from extranet.web.htmx import render

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    organization = current_organization()
    results = host().hook("extranet_dashboard_widgets")(
        user=current_user._get_current_object(), organization=organization
    )
    widgets = sorted((w for ws in results for w in (ws or [])), key=lambda w: (w.order, w.slug))
    return render("dashboard/index.html", widgets=widgets, organization=organization)


@bp.get("/widgets/organization")
@login_required
def organization_widget():
    return render("dashboard/_organization.html", organization=current_organization(),
                  fields=host().fields)
