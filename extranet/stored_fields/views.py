"""The field builder under Administration → Modules (a field, its request types, each type's
questions; export and import), and the home page of a stored field, which plugins mount
themselves at ``/<slug>/`` (a stored field cannot add a route to a running application)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from extranet.extensions import db
from extranet.field_pages import field_home
from extranet.plugins import host
from extranet.policy import require
from extranet.stored_fields import service
from extranet.stored_fields.forms import FieldForm, ImportForm, QuestionForm, TypeForm
from extranet.stored_fields.models import StoredField, StoredRequestType
from extranet.stored_fields.questions import KINDS
from extranet.web.htmx import hx_redirect, render

bp = Blueprint("fields_admin", __name__, url_prefix="/admin/fields")
home_bp = Blueprint("stored_field", __name__, url_prefix="/services")

MAX_IMPORT = 1_000_000
CONFLICT = _l("Someone else changed this field meanwhile: nothing was saved. Here it is as it is now; "
              "what you typed is kept below.")
CONFLICT_HERE = _l("Someone else changed this form meanwhile: nothing was saved. Here it is as it is now.")


def _saved() -> bool:
    """Commit; False when another admin's change came first (the revision moved, or the same
    identifier was just taken), and nothing of this one is kept."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return False
    return True


@home_bp.get("/<field_slug>/")
@login_required
def home(field_slug: str):
    field = host().fields.get(field_slug)
    if field is None or not field.stored or not host().is_enabled(field_slug):
        abort(404)
    return field_home(field_slug)


@bp.before_request
@login_required
def only_admins():
    require("modules.manage")


def _field_or_404(slug: str) -> StoredField:
    return service.field_by_slug(slug) or abort(404)


def _type_or_404(field: StoredField, slug: str) -> StoredRequestType:
    return service.type_of(field, slug) or abort(404)


def _workflow_choices() -> list[tuple[str, str]]:
    plugins = host()
    return [(slug, str(plugins.workflows[slug].label)) for slug in plugins.core_workflows]


def _field_values(form: FieldForm) -> dict:
    values = {name: getattr(form, name).data for name in service.FIELD_ATTRS}
    values["description_fr"], values["description_en"] = values["description_fr"] or "", values["description_en"] or ""
    return values


@bp.route("/new", methods=["GET", "POST"])
def new_field():
    form = FieldForm()
    if form.validate_on_submit():
        if form.slug.data in host().fields or service.field_by_slug(form.slug.data):
            form.slug.errors.append(_("A field already has this identifier."))
        elif service.prefix_taken(form.prefix.data, form.slug.data, host().fields):
            form.prefix.errors.append(_("Another field already uses this prefix."))
        else:
            field = service.create_field(form.slug.data, **_field_values(form))
            if _saved():
                flash(_("The field %(name)s is created. Add its request types.", name=field.name_fr), "success")
                return redirect(url_for("fields_admin.edit_field", field_slug=field.slug), 303)
            form.slug.errors.append(_("A field already has this identifier."))
    return render("fields_admin/field_form.html", form=form, field=None, status=422 if form.errors else 200)


@bp.route("/<field_slug>", methods=["GET", "POST"])
def edit_field(field_slug: str):
    field = _field_or_404(field_slug)
    form = FieldForm(obj=field)
    form.slug.data = field.slug  # it never changes: references and data point at it
    valid = form.validate_on_submit()
    if valid and service.prefix_taken(form.prefix.data, field.slug, host().fields):
        form.prefix.errors.append(_("Another field already uses this prefix."))
    elif valid:
        service.update_field(field, **_field_values(form))
        if _saved():
            flash(_("The field is saved."), "success")
            return redirect(url_for("fields_admin.edit_field", field_slug=field.slug), 303)
        form.form_errors.append(CONFLICT)
        return render("fields_admin/field_form.html", form=form, field=field, status=409)
    return render("fields_admin/field_form.html", form=form, field=field, status=422 if form.errors else 200)


@bp.get("/<field_slug>/export")
def export_field(field_slug: str):
    field = _field_or_404(field_slug)
    body = json.dumps(service.export_field(field), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="field-{field.slug}.json"'})


@bp.route("/import", methods=["GET", "POST"])
def import_field():
    form = ImportForm()
    reasons = []
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_IMPORT + 1) if getattr(form.file.data, "filename", None) else form.text.data.encode()
        try:
            if len(raw) > MAX_IMPORT:
                raise service.ImportRefused([_("The file is too large.")])
            try:
                payload = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                raise service.ImportRefused([_("The file is not JSON.")]) from None
            field = service.import_field(payload, host().fields, host().core_workflows)
            if not _saved():
                raise service.ImportRefused([str(CONFLICT_HERE)])
        except service.ImportRefused as refused:
            db.session.rollback()
            reasons = refused.reasons
        else:
            flash(_("The field %(name)s is imported.", name=field.name_fr), "success")
            return redirect(url_for("fields_admin.edit_field", field_slug=field.slug), 303)
    return render("fields_admin/import.html", form=form, reasons=reasons,
                  status=422 if form.errors or reasons else 200)


@bp.route("/<field_slug>/types/new", methods=["GET", "POST"])
def new_type(field_slug: str):
    return _type_page(_field_or_404(field_slug), None)


@bp.route("/<field_slug>/types/<type_slug>", methods=["GET", "POST"])
def edit_type(field_slug: str, type_slug: str):
    field = _field_or_404(field_slug)
    return _type_page(field, _type_or_404(field, type_slug))


def _type_page(field: StoredField, rtype: StoredRequestType | None):
    form = TypeForm(obj=rtype)
    form.workflow.choices = _workflow_choices()
    if rtype is not None:
        form.slug.data = rtype.slug
        if request.method == "GET":
            form.fill_targets(rtype.response_hours)
    if form.validate_on_submit():
        if rtype is None and service.type_of(field, form.slug.data):
            form.slug.errors.append(_("This field already has a type with this identifier."))
        else:
            values = {name: getattr(form, name).data or "" for name in service.TYPE_FORM_ATTRS}
            values["order"], values["response_hours"] = form.order.data, form.response_hours()
            saved = service.save_type(field, rtype, form.slug.data, **values)
            slug = saved.slug
            if _saved():
                flash(_("The request type is saved."), "success")
                return redirect(url_for("fields_admin.edit_type", field_slug=field.slug, type_slug=slug), 303)
            form.form_errors.append(CONFLICT)
            return render("fields_admin/type_form.html", form=form, field=field, rtype=rtype, kinds=KINDS, status=409)
    return render("fields_admin/type_form.html", form=form, field=field, rtype=rtype, kinds=KINDS,
                  status=422 if form.errors else 200)


@bp.route("/<field_slug>/types/<type_slug>/questions/new", methods=["GET", "POST"])
def new_question(field_slug: str, type_slug: str):
    field = _field_or_404(field_slug)
    return _question_page(field, _type_or_404(field, type_slug), None)


@bp.route("/<field_slug>/types/<type_slug>/questions/<name>", methods=["GET", "POST"])
def edit_question(field_slug: str, type_slug: str, name: str):
    field = _field_or_404(field_slug)
    rtype = _type_or_404(field, type_slug)
    question = next((q for q in rtype.questions if q["name"] == name), None) or abort(404)
    return _question_page(field, rtype, question)


def _question_page(field, rtype, question):
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        form.fill(question)
    if form.validate_on_submit():
        taken = {q["name"] for q in rtype.questions} - ({question["name"]} if question else set())
        if form.name.data in taken:
            form.name.errors.append(_("Another question of this form has this identifier."))
        else:
            service.put_question(rtype, form.question(), replacing=question["name"] if question else None)
            back = url_for("fields_admin.edit_type", field_slug=field.slug, type_slug=rtype.slug)
            if _saved():
                flash(_("The question is saved."), "success")
                return redirect(back, 303)
            form.form_errors.append(CONFLICT)
            return render("fields_admin/question_form.html", form=form, field=field, rtype=rtype, question=question,
                          status=409)
    return render("fields_admin/question_form.html", form=form, field=field, rtype=rtype, question=question,
                  status=422 if form.errors else 200)


@bp.post("/<field_slug>/types/<type_slug>/questions/<name>/move")
def move_question(field_slug: str, type_slug: str, name: str):
    field = _field_or_404(field_slug)
    rtype = _type_or_404(field, type_slug)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None or name not in {q["name"] for q in rtype.questions}:
        abort(404 if step is not None else 400)
    back = url_for("fields_admin.edit_type", field_slug=field.slug, type_slug=rtype.slug)
    if service.move_question(rtype, name, step) and not _saved():
        flash(str(CONFLICT_HERE), "error")
    return hx_redirect(back + f"#q-{name}")


@bp.post("/<field_slug>/types/<type_slug>/questions/<name>/remove")
def remove_question(field_slug: str, type_slug: str, name: str):
    field = _field_or_404(field_slug)
    rtype = _type_or_404(field, type_slug)
    if not service.remove_question(rtype, name):
        abort(404)
    back = url_for("fields_admin.edit_type", field_slug=field.slug, type_slug=rtype.slug)
    if _saved():
        flash(_("The question is removed from the form. Requests that answered it keep their answer."), "success")
    else:
        flash(str(CONFLICT_HERE), "error")
    return hx_redirect(back)
