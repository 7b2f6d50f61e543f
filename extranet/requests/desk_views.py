"""The expert's desk on a request's page: correcting its priority and due date, tags, merging a
duplicate, moving it to another field, inserting a reply template.

Its controls are partial templates the request page includes (``requests/_desk_panel.html``,
``_reply_templates.html``), so that they stay apart from the page's own layout. The list's bulk
actions and saved views are in ``list_views.py``, filing on behalf of a member in
``on_behalf_views.py``, the admins' reply templates in ``reply_views.py``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from extranet.accounts.models import User
from extranet.extensions import db
from extranet.plugins import host
from extranet.policy import can, require
from extranet.requests import corrections, merging, moving, replies, service, tags
from extranet.requests.forms import MergeForm, MessageForm, MoveForm, ScheduleForm, TagForm
from extranet.requests.models import PRIORITIES, ReplyTemplate, ServiceRequest
from extranet.requests.views import _detail_context
from extranet.web.forms import BaseForm
from extranet.web.htmx import hx_redirect, render, wants_fragment
from extranet.web.ids import read_id
from extranet.web.lookups import request_or_404, signed_in_user

bp = Blueprint("desk", __name__, url_prefix="/requests")


# -- a guarded change that lost a race -------------------------------------------------------


def _give_back(req, user, what: str, typed):
    """409: the request as it is now, and the form as typed in its box (with the current
    version, to confirm again) if the person still may; nothing of it was saved."""
    typed.version.data = str(req.version)
    overrides = {f"{what}_form": typed} if can(user, f"request.{what}", req) else {}
    flash(_("Someone else changed this request in the meantime. Here it is as it is now; nothing of yours "
            "was saved. What you typed is still in its form: check it and confirm again."), "warning")
    return render("requests/detail.html", **_detail_context(req, user, **overrides), status=409)


def _out_of_date_or_refused(req, user, what: str, form):
    """Before judging the form: 409 when the page was out of date (judged on the request as it
    is now), 404 unless the person may do ``request.<what>``; None to go on."""
    if form.version.data and form.version.data != str(req.version):
        return _give_back(req, user, what, form)
    require(f"request.{what}", req)
    return None


def _form_refused(req, user, what: str, form):
    """422: the request's page with the form in its box, its errors shown."""
    return render("requests/detail.html", **_detail_context(req, user, **{f"{what}_form": form}), status=422)


# -- priority and due date ------------------------------------------------------------------


def schedule_form_for(req: ServiceRequest) -> ScheduleForm:
    return ScheduleForm(formdata=None, version=req.version, priority=req.priority,
                        due_date=corrections.local_day(req.due_at))


@bp.app_context_processor
def _desk_forms():
    return {"schedule_form_for": schedule_form_for, "tag_form": lambda: TagForm(formdata=None),
            "merge_form_for": lambda req: MergeForm(formdata=None, version=req.version),
            "move_form_for": move_form_for, "field_name": lambda slug: host().field_label(slug or ""),
            "type_name": _type_name, "answer_label": _answer_label, "person_name": _person_name,
            "tag_suggestions": tags.suggestions, "reply_templates_of": replies.of_field,
            "priority_label": lambda key: str(PRIORITIES.get(key, key)), "iso_day": _iso_day}


def _person_name(user_id) -> str:
    """Who an event names by id: their name as it is now (an erased person's is gone)."""
    person = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return person.name if person is not None else str(_l("Someone"))


def _type_name(field: str | None, slug: str | None) -> str:
    rtype = host().request_types.get((field, slug))
    return str(rtype.label) if rtype else (slug or "")


def _answer_label(field: str | None, slug: str | None, name: str) -> str:
    """What the question ``name`` of a type was called (its key when the type is gone)."""
    rtype = host().request_types.get((field, slug))
    if rtype is None:
        return name
    form = rtype.form(formdata=None, meta={"csrf": False})
    return str(form[name].label.text) if name in form else name


def _iso_day(text: str):
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return text


@bp.post("/<reference>/schedule")
@login_required
def schedule(reference: str):
    user = signed_in_user()
    req = request_or_404(reference)
    form = ScheduleForm()
    if (answer := _out_of_date_or_refused(req, user, "schedule", form)) is not None:
        return answer
    if not form.validate_on_submit():
        return _form_refused(req, user, "schedule", form)
    try:
        changed = corrections.change_schedule(req, form.priority.data, form.due_date.data, form.reason.data, user)
        db.session.commit()
    except service.StaleRequest:  # someone changed the request between the check and now
        db.session.rollback()
        return _give_back(request_or_404(reference), user, "schedule", form)
    if changed:
        flash(_("The priority and due date of %(ref)s are saved.", ref=req.reference), "success")
    else:
        flash(_("The priority and due date of %(ref)s were already so: nothing changed.", ref=req.reference), "info")
    return hx_redirect(url_for("requests.detail", reference=reference))


# -- merging a duplicate --------------------------------------------------------------------


@bp.post("/<reference>/merge")
@login_required
def merge(reference: str):
    user = signed_in_user()
    duplicate = request_or_404(reference)
    form = MergeForm()
    if (answer := _out_of_date_or_refused(duplicate, user, "merge", form)) is not None:
        return answer
    survivor = None
    if form.validate_on_submit():
        survivor = db.session.scalar(select(ServiceRequest).where(ServiceRequest.reference == form.into.data.strip()))
        # One answer for a reference that does not exist and one the person may not act on.
        if survivor is None or not can(user, "request.merge", survivor):
            form.into.errors = [_("No open request with this reference that you may merge into.")]
            survivor = None
        else:
            try:
                merging.check(duplicate, survivor)
            except merging.CannotMerge as refused:
                form.into.errors = [str(refused)]
                survivor = None
    if survivor is None:
        return _form_refused(duplicate, user, "merge", form)
    try:
        merging.merge(duplicate, survivor, user, form.comment.data or "")
        db.session.commit()
    except service.StaleRequest:  # one of the two changed meanwhile
        db.session.rollback()
        return _give_back(request_or_404(reference), user, "merge", form)
    flash(_("%(dup)s is merged into %(ref)s and closed.", dup=duplicate.reference, ref=survivor.reference), "success")
    return hx_redirect(url_for("requests.detail", reference=survivor.reference))


# -- moving a misfiled request ---------------------------------------------------------------


def move_form_for(req, user=None, formdata=None) -> MoveForm:
    """The types of the fields the person works in and the organization subscribes to."""
    user = user or signed_in_user()
    plugins = host()
    subscribed = req.organization.subscribed_fields
    choices = [
        (f"{t.field}/{t.slug}", f"{plugins.field_label(t.field)} — {t.label}")
        for t in sorted(plugins.request_types.values(), key=lambda t: (plugins.fields[t.field].order, t.order))
        if (t.field, t.slug) != (req.field, req.type) and t.field in subscribed
        and can(user, "request.file_on_behalf", t.field)
    ]
    form = MoveForm(formdata=formdata) if formdata is not None else MoveForm(formdata=None, version=req.version)
    form.destination.choices = choices
    return form


@bp.post("/<reference>/move")
@login_required
def move(reference: str):
    user = signed_in_user()
    req = request_or_404(reference)
    form = move_form_for(req, user, formdata=request.form)
    if (answer := _out_of_date_or_refused(req, user, "move", form)) is not None:
        return answer
    if not form.validate_on_submit():
        return _form_refused(req, user, "move", form)
    field, _sep, type_slug = form.destination.data.partition("/")
    rtype = host().request_types[(field, type_slug)]
    source = host().field_label(req.field)
    try:
        moving.move(req, rtype, user, form.reason.data)
        db.session.commit()
    except service.StaleRequest:
        db.session.rollback()
        return _give_back(request_or_404(reference), user, "move", form)
    flash(_("%(ref)s is moved from %(source)s to %(field)s.", ref=req.reference, source=source,
            field=host().field_label(field)), "success")
    if not can(user, "request.view", req):  # moved out of the person's sight
        return hx_redirect(url_for("requests.index"))
    return hx_redirect(url_for("requests.detail", reference=reference))


# -- reply templates ------------------------------------------------------------------------


@bp.get("/<reference>/reply")
@login_required
def insert_reply(reference: str):
    """The message box with a template of the request's field added to what was typed (sent
    along by htmx), in the requester's language: the box alone for htmx, the page otherwise."""
    user = signed_in_user()
    req = request_or_404(reference, "request.insert_reply")
    template_id = read_id(request.args.get("template", ""))
    template = db.session.get(ReplyTemplate, template_id) if template_id is not None else None
    if template is None or template.field != req.field:
        abort(404)
    typed = (request.args.get("body") or "").rstrip()
    body = "\n\n".join(part for part in (typed, template.body_for(req.requester.locale)) if part)
    form = MessageForm(formdata=None, body=body)
    if wants_fragment():
        return render("requests/_reply_body.html", "requests/_reply_body.html", message_form=form)
    return render("requests/detail.html", **_detail_context(req, user, message_form=form))


# -- tags -----------------------------------------------------------------------------------


def _tags_answer(req, user, form=None, status=200):
    if wants_fragment():
        return render("requests/_tags.html", "requests/_tags.html", req=req, tag_form_typed=form, status=status)
    if status != 200:
        return render("requests/detail.html", **_detail_context(req, user, tag_form_typed=form), status=status)
    return hx_redirect(url_for("requests.detail", reference=req.reference))


@bp.post("/<reference>/tags")
@login_required
def add_tags(reference: str):
    user = signed_in_user()
    req = request_or_404(reference, "request.tag")
    form = TagForm()
    if not form.validate_on_submit() or not tags.split(form.tags.data):
        if not form.errors:
            form.tags.errors = [_("Type a tag.")]
        return _tags_answer(req, user, form, status=422)
    tags.change_tags(req, user, add=tags.split(form.tags.data))
    db.session.commit()
    return _tags_answer(req, user)


@bp.post("/<reference>/tags/remove")
@login_required
def remove_tag(reference: str):
    user = signed_in_user()
    req = request_or_404(reference, "request.tag")
    form = BaseForm()  # the CSRF token; the tag is the button's value
    name = tags.clean(request.form.get("tag", ""))
    if not form.validate_on_submit() or not name:
        return _tags_answer(req, user, status=400)
    tags.change_tags(req, user, remove=[name])
    db.session.commit()
    return _tags_answer(req, user)
