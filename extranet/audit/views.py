from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import login_required

from extranet.accounts.models import User
from extranet.audit.models import AuditEvent
from extranet.extensions import db
from extranet.policy import require
from extranet.web.htmx import render

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@login_required
def log():
    require("audit.view")
    action = request.args.get("action", "").strip()
    who = request.args.get("who", "").strip()
    query = db.select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if who:
        query = query.join(AuditEvent.actor).where(User.email.contains(who.lower()))
    page = db.paginate(
        query, page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"], error_out=False,
    )
    return render("audit/log.html", "audit/_events.html", page=page, action=action, who=who)
