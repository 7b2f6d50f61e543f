"""The expert's desk on top of the request pages: on a request, correcting its priority and due
date, tags, merging a duplicate, moving it to another field, inserting a reply template; on the
list, bulk actions and saved views.

Its controls are partial templates the request page and the list include
(``requests/_desk_panel.html``, ``_reply_templates.html``, ``_bulk.html``,
``_saved_views.html``), so that they stay apart from the pages' own layout. Filing on behalf of
a member is in ``on_behalf_views.py``, the admins' reply templates in ``reply_views.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from extranet.accounts.models import ExpertField, User
from extranet.extensions import db
from extranet.plugins import host
from extranet.policy import can, require
from extranet.requests import corrections, merging, moving, replies, saved_views, service, tags
from extranet.requests.forms import (
    BulkForm,
    CommentForm,
    MergeForm,
    MessageForm,
    MoveForm,
    SaveViewForm,
    ScheduleForm,
    TagForm,
)
from extranet.requests.models import PRIORITIES, ReplyTemplate, SavedView, ServiceRequest
from extranet.requests.views import _detail_context
from extranet.web.forms import BaseForm
from extranet.web.htmx import hx_redirect, render, wants_fragment
from extranet.web.ids import read_id
from extranet.web.lookups import request_or_404, row_or_404, signed_in_user

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
            "tag_suggestions": tags.suggestions, "bulk_choices": bulk_choices,
            "reply_templates_of": replies.of_field, "saved_views_of": saved_views.of_user,
            "default_views_of": saved_views.defaults, "save_view_form": lambda: SaveViewForm(formdata=None),
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
    if form.version.data and form.version.data != str(req.version):
        return _give_back(req, user, "schedule", form)  # judged on the request as it is now
    require("request.schedule", req)
    if not form.validate_on_submit():
        return render("requests/detail.html", **_detail_context(req, user, schedule_form=form), status=422)
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
    if form.version.data and form.version.data != str(duplicate.version):
        return _give_back(duplicate, user, "merge", form)
    require("request.merge", duplicate)
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
        return render("requests/detail.html", **_detail_context(duplicate, user, merge_form=form), status=422)
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
    if form.version.data and form.version.data != str(req.version):
        return _give_back(req, user, "move", form)
    require("request.move", req)
    if not form.validate_on_submit():
        return render("requests/detail.html", **_detail_context(req, user, move_form=form), status=422)
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




# -- saved list views -----------------------------------------------------------------------


@bp.post("/views")
@login_required
def save_view():
    user = signed_in_user()
    form = SaveViewForm()
    query = saved_views.query_of(request.form)
    if not form.validate_on_submit():
        flash(_("Give the view a name to save it."), "error")
        return hx_redirect(url_for("requests.index") + (f"?{query}" if query else ""))
    view = saved_views.save(user, form.name.data, query)
    db.session.commit()
    flash(_("The view “%(name)s” is saved.", name=view.name), "success")
    return hx_redirect(url_for("requests.index") + (f"?{query}" if query else ""))


@bp.route("/views/<id:view_id>/delete", methods=["GET", "POST"])
@login_required
def delete_view(view_id: int):
    """GET asks to confirm (a page, also without JavaScript); POST deletes."""
    view = row_or_404(SavedView, view_id, "saved_view.delete")
    form = BaseForm()
    if request.method == "GET":
        return render("requests/delete_view.html", view=view)
    if not form.validate_on_submit():
        abort(400)
    name = view.name
    db.session.delete(view)
    db.session.commit()
    flash(_("The view “%(name)s” is deleted.", name=name), "success")
    return hx_redirect(url_for("requests.index"))


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


# -- bulk actions on the list ---------------------------------------------------------------


REASONS = {
    "conflict": _l("someone changed it since the list was loaded"),
    "not_allowed": _l("you may not do this on it"),
    "not_possible": _l("not possible in its state"),
}


@dataclass
class Outcome:
    req: ServiceRequest | None  # None: a request the person may not see, never named
    done: bool
    reason: str = ""
    detail: str = ""

    @property
    def reason_label(self) -> str:
        return str(REASONS.get(self.reason, ""))


def bulk_choices(user) -> dict:
    """The experts and steps offered by the list's bulk form: those of the fields one serves
    (every field for admins)."""
    plugins = host()
    fields = [f.slug for f in plugins.enabled_fields() if user.is_admin or f.slug in user.field_slugs]
    experts = db.session.scalars(
        select(User).join(ExpertField).where(ExpertField.field.in_(fields), User.active.is_(True))
        .distinct().order_by(User.name)
    ).all()
    steps = {}
    for rtype in plugins.request_types.values():
        if rtype.field in fields:
            for t in plugins.workflows[rtype.workflow].transitions:
                steps.setdefault(t.slug, t.label)
    return {"experts": experts, "steps": steps}


def _chosen(values) -> list[tuple[int, str]]:
    """``id:version`` pairs ticked in the list; anything else is ignored."""
    chosen, seen = [], set()
    for value in values:
        ident, _sep, version = value.partition(":")
        number = read_id(ident)
        if number is not None and number not in seen:
            seen.add(number)
            chosen.append((number, version))
    return chosen


def _refusal(user, req, action, target=None) -> str | None:
    if can(user, action, target if target is not None else req):
        return None
    workflow = service.workflow_of(req)
    state = workflow.state(req.state)
    return "not_possible" if state is not None and state.terminal else "not_allowed"


def _assign_one(user, req, form):
    expert = db.session.get(User, form.expert.data) if form.expert.data else None
    if (refused := _refusal(user, req, "request.assign")) is not None:
        return refused
    if expert is None or not expert.active or req.field not in expert.field_slugs:
        return "not_possible"
    service.assign(req, expert, actor=user)
    return None


def _transition_one(user, req, form):
    chosen = service.workflow_of(req).transition(form.transition.data or "")
    if chosen is None or req.state not in chosen.sources:
        return "not_possible"
    if (refused := _refusal(user, req, "request.transition", (req, chosen))) is not None:
        return refused
    # The step's own form, filled with the comment only: a step that needs more (a reason, a
    # choice) is refused here and done from the request's page.
    step_form = (chosen.form or CommentForm)(formdata=MultiDict({"comment": form.comment.data or ""}),
                                             meta={"csrf": False})
    if not step_form.validate():
        return "not_possible"
    details = {k: v for k, v in step_form.data.items() if k not in {"csrf_token", "version", "comment"}}
    service.apply_transition(req, chosen, user, comment=form.comment.data or "", details=details)
    return None


def _tag_one(user, req, form):
    if (refused := _refusal(user, req, "request.tag")) is not None:
        return refused
    tags.change_tags(req, user, add=tags.split(form.tag.data))
    return None


ACTIONS = {"assign": _assign_one, "transition": _transition_one, "tag": _tag_one}
GUARDED = {"assign", "transition"}  # changes guarded by the version the list showed


def _act_on(user, number: int, version: str, form) -> Outcome:
    """One request of the batch, in its own transaction: a conflict on one keeps the others."""
    req = db.session.get(ServiceRequest, number)
    if req is None or not can(user, "request.view", req):
        return Outcome(None, False, "not_allowed")
    if form.action.data in GUARDED and version != str(req.version):
        return Outcome(req, False, "conflict")
    try:
        refused = ACTIONS[form.action.data](user, req, form)
        if refused is not None:
            db.session.rollback()
            return Outcome(req, False, refused)
        db.session.commit()
    except service.StaleRequest:
        db.session.rollback()
        return Outcome(db.session.get(ServiceRequest, number), False, "conflict")
    if form.action.data == "transition":
        chosen = service.workflow_of(req).transition(form.transition.data)
        host().after_commit("extranet_request_transitioned", service_request=req, transition=chosen, user=user)
    return Outcome(req, True)


def _list_address() -> str:
    """Back to the list as it was filtered (only its query string is taken from the form)."""
    query = urlencode([(k, v) for k, v in parse_qsl(request.form.get("list_query", ""))[:20] if k != "page"])
    return url_for("requests.index") + (f"?{query}" if query else "")


@bp.post("/bulk")
@login_required
def bulk():
    user = signed_in_user()
    require("request.bulk")
    form = BulkForm()
    chosen = _chosen(request.form.getlist("request"))[:200]
    problems = []
    if form.validate_on_submit():
        if not chosen:
            problems.append(_("Tick at least one request."))
        if form.action.data == "assign" and not form.expert.data:
            problems.append(_("Choose the expert to assign."))
        if form.action.data == "transition" and not form.transition.data:
            problems.append(_("Choose the step."))
        if form.action.data == "tag" and not tags.split(form.tag.data):
            problems.append(_("Type the tag to add."))
    else:
        problems.append(_("The form is not valid; nothing was done."))
    if problems:
        return render("requests/bulk_result.html", outcomes=[], problems=problems,
                      back=_list_address(), status=422)

    outcomes = [_act_on(user, number, version, form) for number, version in chosen]
    done = sum(o.done for o in outcomes)
    return render("requests/bulk_result.html", outcomes=outcomes, problems=[], done=done, back=_list_address())
