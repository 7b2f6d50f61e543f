"""A person's rights over their information, from their profile: an export of their data and a
request to erase it; the administrators' page of erasure requests; how long each field keeps
its information, and the report of what the retention rules removed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from extranet.extensions import db
from extranet.modules import RETENTION_KINDS, retention_months
from extranet.plugins import host
from extranet.policy import require
from extranet.privacy import retention, service
from extranet.privacy.forms import RetentionForm
from extranet.privacy.models import PENDING, DataExport, ErasureRequest
from extranet.storage import StorageError, get_storage
from extranet.web.htmx import render
from extranet.web.ids import page_arg
from extranet.web.lookups import row_or_404, signed_in_user

bp = Blueprint("privacy", __name__)


@bp.post("/profile/data-export")
@login_required
def request_export():
    require("privacy.export")
    service.request_export(signed_in_user())
    db.session.commit()
    flash(_("Your export is being prepared. We will e-mail you a link to download it."), "success")
    return redirect(url_for("accounts.profile") + "#my-data", 303)


@bp.get("/profile/data-export/<id:export_id>")
@login_required
def download_export(export_id: int):
    export = row_or_404(DataExport, export_id, "privacy.download_export")
    if not service.downloadable(export):
        abort(404)  # expired, or not built yet: as if it did not exist
    try:
        fh = get_storage().open(export.storage_key)
    except (FileNotFoundError, StorageError, ValueError):
        current_app.logger.error("privacy: object of export %s is missing", export.id)
        abort(404)
    service.note_download(signed_in_user(), export)
    db.session.commit()
    response = send_file(fh, mimetype="application/zip", as_attachment=True,
                         download_name=f"extranet-data-{export.ready_at:%Y-%m-%d}.zip")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/profile/erasure")
@login_required
def request_erasure():
    require("privacy.request_erasure")
    service.request_erasure(signed_in_user())
    db.session.commit()
    flash(_("Your request to erase your information is sent to the administrators."), "success")
    return redirect(url_for("accounts.profile") + "#my-data", 303)


@bp.get("/admin/erasures/")
@login_required
def erasures():
    require("privacy.view_requests")
    size = current_app.config["PAGE_SIZE"]
    page = db.paginate(service.erasure_requests(), page=page_arg(size), per_page=size, error_out=False)
    return render("privacy/erasures.html", page=page, pending=PENDING, exports=service.export_requests())


@bp.post("/admin/erasures/<id:request_id>/carry-out")
@login_required
def carry_out_erasure(request_id: int):
    require("privacy.manage_erasures")
    asked = row_or_404(ErasureRequest, request_id)
    if asked.status != PENDING:
        flash(_("This request was already carried out."), "info")
        return redirect(url_for("privacy.erasures"), 303)
    keys = service.carry_out_erasure(asked, signed_in_user())
    db.session.commit()
    if keys is None:
        flash(_("This request was already carried out."), "info")
        return redirect(url_for("privacy.erasures"), 303)
    get_storage().delete_many(keys)
    flash(_("The person's information is erased; the organization's records are kept."), "success")
    return redirect(url_for("privacy.erasures"), 303)


def _retention_forms(invalid: RetentionForm | None = None, slug: str | None = None) -> list:
    """(field, form) for every field, its form filled with its limits (or the one refused)."""
    return [(field, invalid if field.slug == slug else
             RetentionForm(prefix=field.slug, formdata=None, data=retention_months(field.slug)))
            for field in host().fields.values()]


@bp.get("/admin/retention/")
@login_required
def retention_settings():
    require("privacy.manage_retention")
    return render("privacy/retention.html", forms=_retention_forms())


@bp.post("/admin/retention/<slug>")
@login_required
def set_retention(slug: str):
    require("privacy.manage_retention")
    if slug not in host().fields:
        abort(404)
    form = RetentionForm(prefix=slug)
    if not form.validate_on_submit():
        return render("privacy/retention.html", forms=_retention_forms(form, slug)), 422
    service.set_retention(slug, {kind: form[kind].data for kind in RETENTION_KINDS})
    db.session.commit()
    flash(_("How long %(field)s keeps its information is saved.", field=host().field_label(slug)), "success")
    return redirect(url_for("privacy.retention_settings") + f"#retention-{slug}", 303)


@bp.get("/admin/retention/report")
@login_required
def retention_report():
    require("privacy.view_retention")
    return render("privacy/retention_report.html", runs=retention.latest_runs(),
                  totals=retention.totals, field_label=host().field_label)
