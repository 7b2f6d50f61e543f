"""Admins manage each field's reply templates (the experts insert them from a request's page,
``desk_views.insert_reply``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import login_required

from extranet.extensions import db
from extranet.plugins import host
from extranet.policy import require
from extranet.requests import replies
from extranet.requests.forms import ReplyTemplateForm
from extranet.requests.models import ReplyTemplate
from extranet.web.forms import BaseForm
from extranet.web.htmx import hx_redirect, render
from extranet.web.lookups import row_or_404

bp = Blueprint("replies", __name__, url_prefix="/replies")


def _form(template: ReplyTemplate | None = None) -> ReplyTemplateForm:
    form = ReplyTemplateForm(obj=template)
    form.field.choices = [(f.slug, str(f.label)) for f in sorted(host().fields.values(), key=lambda f: f.order)]
    return form


@bp.get("/")
@login_required
def index():
    require("reply_template.manage")
    fields = sorted(host().fields.values(), key=lambda f: f.order)
    return render("requests/replies/index.html", fields=[(f, replies.of_field(f.slug)) for f in fields])


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require("reply_template.manage")
    form = _form()
    if form.validate_on_submit():
        require("reply_template.manage", form.field.data)
        template = replies.save(None, form)
        db.session.commit()
        flash(_("The reply template “%(name)s” is saved.", name=template.name), "success")
        return redirect(url_for("replies.index"), 303)
    return render("requests/replies/form.html", form=form, template=None, status=422 if form.errors else 200)


def _template_or_404(template_id: int) -> ReplyTemplate:
    template = row_or_404(ReplyTemplate, template_id)
    require("reply_template.manage", template.field)
    return template


@bp.route("/<id:template_id>/edit", methods=["GET", "POST"])
@login_required
def edit(template_id: int):
    require("reply_template.manage")
    template = _template_or_404(template_id)
    form = _form(template)
    if form.validate_on_submit():
        replies.save(template, form)
        db.session.commit()
        flash(_("The reply template “%(name)s” is saved.", name=template.name), "success")
        return redirect(url_for("replies.index"), 303)
    return render("requests/replies/form.html", form=form, template=template, status=422 if form.errors else 200)


@bp.post("/<id:template_id>/delete")
@login_required
def delete(template_id: int):
    require("reply_template.manage")
    template = _template_or_404(template_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    name = template.name
    replies.delete(template)
    db.session.commit()
    flash(_("The reply template “%(name)s” is deleted.", name=name), "success")
    return hx_redirect(url_for("replies.index"))
