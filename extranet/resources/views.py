"""The resource library of each field: list with search and filters, publishing, download."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from extranet.documents.models import Document
from extranet.extensions import db
from extranet.files import downloads, uploads
from extranet.plugins import host
from extranet.policy import can, require
from extranet.resources import service
from extranet.resources.forms import NewResourceForm, ResourceForm
from extranet.resources.models import Resource
from extranet.storage import get_storage
from extranet.web.htmx import hx_redirect, render, wants_fragment
from extranet.web.ids import page_arg
from extranet.web.lookups import signed_in_user

bp = Blueprint("resources", __name__, url_prefix="/resources")



def _field(slug: str):
    """The field whose library this is, if the user may use it (else 404)."""
    require("field.use", slug)
    field = host().fields.get(slug)
    if field is None:
        abort(404)
    return field


def get_resource(slug: str, resource_id: int) -> Resource:
    """The resource, under its own field's URL, if the user may see it (else 404)."""
    _field(slug)
    resource = db.session.get(Resource, resource_id)
    if resource is None or resource.field != slug:
        abort(404)
    require("resource.view", resource)
    return resource


@bp.context_processor
def _labels():
    return {
        "categories": service.CATEGORIES,
        "resource_languages": service.LANGUAGES,
        "upload_limit": lambda: uploads.human_size(uploads.max_upload_bytes()),
    }


@bp.get("/")
@login_required
def index():
    user = signed_in_user()
    fields = [f for f in host().enabled_fields() if can(user, "field.use", f.slug)]
    staff = {f.slug for f in fields if can(user, "resource.publish", f.slug)}
    counts = service.counts_by_field([f.slug for f in fields], staff)
    return render("resources/index.html", fields=fields, counts=counts)


@bp.get("/<field>/")
@login_required
def library(field: str):
    user = signed_in_user()
    info = _field(field)
    # Only a page opened in full is a visit (a search typed in place is the same visit).
    since = service.new_since(user, field, record_visit=not wants_fragment())
    query, language = service.library_query(field, user, request.args)
    page = db.paginate(
        service.ordered(query).options(selectinload(Resource.document).selectinload(Document.versions)),
        page=page_arg(current_app.config["PAGE_SIZE"]),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    hidden = 0
    if language != "all":  # how many more the "all languages" toggle would show
        everything, _language = service.library_query(field, user, {**request.args.to_dict(), "lang": "all"})
        hidden = db.session.scalar(select(func.count()).select_from(everything.subquery())) - page.total
    return render(
        "resources/library.html",
        "resources/_list.html",
        field=info,
        page=page,
        args=request.args,
        language=language,
        my_language=service.my_language(),
        hidden=hidden,
        since=since,
        is_new=service.is_new,
        staff=can(user, "resource.publish", field),
    )


def _store(form) -> uploads.SavedFile | None:
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        return service.store_file(upload)
    except uploads.UploadRefused as refused:
        form.file.errors = [*form.file.errors, str(refused)]
        return None


@bp.route("/<field>/new", methods=["GET", "POST"])
@login_required
def new(field: str):
    user = signed_in_user()
    info = _field(field)
    require("resource.publish", field)
    form = NewResourceForm()
    if form.validate_on_submit():
        saved = _store(form)
        if saved is not None:
            try:
                resource = service.create_resource(field, form, saved, user)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                uploads.discard([saved])  # no row, so no file either
                raise
            if resource.published:
                flash(_("“%(title)s” is published.", title=resource.title), "success")
            else:
                flash(_("“%(title)s” is saved as a draft.", title=resource.title), "success")
            return redirect(url_for("resources.library", field=field), 303)
    return render("resources/form.html", field=info, form=form, resource=None,
                  status=422 if form.errors else 200)


@bp.route("/<field>/<id:resource_id>/edit", methods=["GET", "POST"])
@login_required
def edit(field: str, resource_id: int):
    user = signed_in_user()
    resource = get_resource(field, resource_id)
    require("resource.publish", field)
    form = ResourceForm(obj=resource)
    if form.validate_on_submit():
        saved = _store(form)
        if not form.file.errors:
            try:
                service.update_resource(resource, form, saved, user)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                if saved is not None:
                    uploads.discard([saved])
                raise
            flash(_("“%(title)s” is saved.", title=resource.title), "success")
            return redirect(url_for("resources.library", field=field), 303)
    return render("resources/form.html", field=host().fields[field], form=form, resource=resource,
                  status=422 if form.errors else 200)


def _publish(field: str, resource_id: int, published: bool):
    resource = get_resource(field, resource_id)
    require("resource.publish", field)
    if service.set_published(resource, published):
        db.session.commit()
    if published:
        flash(_("“%(title)s” is published.", title=resource.title), "success")
    else:
        flash(_("“%(title)s” is unpublished: only the field's experts see it now.", title=resource.title), "success")
    return hx_redirect(url_for("resources.library", field=field))


@bp.post("/<field>/<id:resource_id>/publish")
@login_required
def publish(field: str, resource_id: int):
    return _publish(field, resource_id, True)


@bp.post("/<field>/<id:resource_id>/unpublish")
@login_required
def unpublish(field: str, resource_id: int):
    return _publish(field, resource_id, False)


@bp.post("/<field>/<id:resource_id>/delete")
@login_required
def delete(field: str, resource_id: int):
    resource = get_resource(field, resource_id)
    require("resource.publish", field)
    title = resource.title
    keys = service.delete_resource(resource)
    db.session.commit()
    get_storage().delete_many(keys)  # after the commit: a row never points at a missing file
    flash(_("“%(title)s” is deleted.", title=title), "success")
    return hx_redirect(url_for("resources.library", field=field))


@bp.get("/<field>/<id:resource_id>/download")
@login_required
def download(field: str, resource_id: int):
    resource = get_resource(field, resource_id)
    version = resource.document.current
    if version is None:
        abort(404)
    try:
        return downloads.send(version, "resource.view", resource)
    except downloads.Unavailable as unavailable:
        if unavailable.infected:
            abort(404)  # as if it were not there: nothing a member can do about it
        flash(unavailable.description, "warning")
        return redirect(url_for("resources.library", field=field), 303)
