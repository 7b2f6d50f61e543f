"""Administration → Inbound mail: what was received, what became of it, retrying a failure."""

from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import case, func, select

from extranet.extensions import db
from extranet.inbound import service
from extranet.inbound.models import FAILED, InboundEmail
from extranet.policy import require
from extranet.web.htmx import hx_redirect, render
from extranet.web.lookups import row_or_404

bp = Blueprint("inbound", __name__, url_prefix="/admin/inbound-mail")
SHOWN = 200


@bp.before_request
@login_required
def only_admins():
    require("inbound.manage")


@bp.get("/")
def index():
    # The failures first (they wait for an admin), then the most recent.
    rows = list(db.session.scalars(
        select(InboundEmail).order_by(case((InboundEmail.status == FAILED, 0), else_=1), InboundEmail.id.desc())
        .limit(SHOWN)
    ))
    counts = dict(db.session.execute(select(InboundEmail.status, func.count()).group_by(InboundEmail.status)).all())
    return render("inbound/index.html", rows=rows, counts=counts, outcomes=service.OUTCOMES)


@bp.post("/<id:mail_id>/retry")
def retry(mail_id: int):
    row = row_or_404(InboundEmail, mail_id, "inbound.manage")
    if service.retry(row):
        db.session.commit()
        flash(_("The message will be processed again at the worker's next pass."), "success")
    else:
        flash(_("Only a message that failed can be processed again."), "info")
    return hx_redirect(url_for("inbound.index"))
