"""The expert's desk on the request list: acting on many requests at once (with an outcome per
request) and saved list views. Their controls are partials the list includes
(``requests/_bulk.html``, ``_saved_views.html``)."""

from __future__ import annotations

from dataclasses import dataclass
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
from extranet.requests import saved_views, service, tags
from extranet.requests.forms import BulkForm, CommentForm, SaveViewForm
from extranet.requests.models import SavedView, ServiceRequest
from extranet.web.forms import BaseForm
from extranet.web.htmx import hx_redirect, render
from extranet.web.ids import read_id
from extranet.web.lookups import row_or_404, signed_in_user

bp = Blueprint("request_list", __name__, url_prefix="/requests")


@bp.app_context_processor
def _list_tools():
    return {"bulk_choices": bulk_choices, "saved_views_of": saved_views.of_user,
            "default_views_of": saved_views.defaults, "save_view_form": lambda: SaveViewForm(formdata=None)}


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
