"""Administration screens for cooperative staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from extranet.audit.service import record
from extranet.extensions import db
from extranet.plugins import host
from extranet.policy import require
from extranet.web.htmx import hx_redirect, render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def only_admins():
    require("admin.access")


@bp.get("/")
def index():
    return render("admin/index.html")


@bp.get("/modules")
def modules():
    require("modules.manage")
    plugins = host()
    return render(
        "admin/modules.html",
        "admin/_modules.html",
        fields=plugins.fields.values(),
        states=plugins.module_states(),
        versions=plugins.versions,
    )


@bp.post("/modules/<slug>")
def toggle_module(slug: str):
    require("modules.manage")
    plugins = host()
    if slug not in plugins.fields:
        abort(404)
    enabled = request.form.get("enabled") == "1"
    plugins.set_enabled(slug, enabled)
    record("admin.module_enabled" if enabled else "admin.module_disabled", target=f"module:{slug}")
    db.session.commit()
    label = plugins.fields[slug].label
    if enabled:
        flash(_("The %(module)s module is enabled.", module=label), "success")
    else:
        flash(_("The %(module)s module is disabled. Its data is kept.", module=label), "success")
    return hx_redirect(url_for("admin.modules"))
