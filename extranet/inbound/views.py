"""Administration → Inbound mail: what was received, what became of it, retrying a failure, and the
address each field receives mail at."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import case, func, select

from extranet.extensions import db
from extranet.inbound import addresses, failures, service
from extranet.inbound.forms import FieldAddressForm
from extranet.inbound.models import FAILED, InboundEmail
from extranet.modules import module_settings
from extranet.plugins import host
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
    fields = [(f, addresses.field_address(f.slug), service.default_type(f.slug)) for f in host().enabled_fields()]
    return render("inbound/index.html", rows=rows, counts=counts, outcomes=service.OUTCOMES, fields=fields,
                  domain=addresses.domain(), is_error_id=failures.is_error_id)


@bp.route("/fields/<slug>", methods=["GET", "POST"])
def field_address(slug: str):
    """Where an enabled field receives mail, and the type of request that mail files."""
    field = next((f for f in host().enabled_fields() if f.slug == slug), None) or abort(404)
    settings = module_settings(slug)
    form = FieldAddressForm(slug, data=None if request.method == "POST" else {
        "address": settings.get("inbound_address") or "", "type": settings.get("inbound_type") or ""})
    if form.validate_on_submit():
        service.save_field_address(slug, form.address.data, form.type.data)
        db.session.commit()
        flash(_("%(field)s now receives mail at %(address)s.", field=field.label,
                address=addresses.field_address(slug) or form.address.data), "success")
        return hx_redirect(url_for("inbound.index"))
    return render("inbound/field.html", field=field, form=form, domain=addresses.domain(),
                  status=422 if form.errors else 200)


@bp.post("/<id:mail_id>/retry")
def retry(mail_id: int):
    row = row_or_404(InboundEmail, mail_id, "inbound.manage")
    if service.retry(row):
        db.session.commit()
        flash(_("The message will be processed again at the worker's next pass."), "success")
    else:
        flash(_("Only a message that failed can be processed again."), "info")
    return hx_redirect(url_for("inbound.index"))
