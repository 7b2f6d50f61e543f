"""Requests: the list, filing a new one, the detail page, transitions, assignment, messages."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from extranet.access import service as access
from extranet.accounts.models import ExpertField, User
from extranet.extensions import db
from extranet.files import downloads, uploads
from extranet.hours.models import Satisfaction
from extranet.organizations.models import Membership, Organization
from extranet.plugins import host
from extranet.policy import can, current_organization, require
from extranet.query_hints import selective
from extranet.requests import attachments, history, service, tags
from extranet.requests.forms import AssignForm, CommentForm, MessageForm
from extranet.requests.models import Attachment, RequestParticipant, ServiceRequest
from extranet.requests.presenters import transition_done, transition_label
from extranet.requests.rules import (
    request_roles,
    request_scope,
    transition_refusal,
    visible_requests,
)
from extranet.servicetargets.presenters import badge, badges_of, overdue
from extranet.web.htmx import hx_redirect, render, wants_fragment
from extranet.web.ids import arg_id, page_arg, read_id
from extranet.web.lookups import request_or_404, signed_in_user
from extranet.web.pager import BoundedPage, Keys

LOW_RATING = 2  # a rating at or below it is "low" (the dashboard's low ratings)

bp = Blueprint("requests", __name__, url_prefix="/requests")

SORTS = {
    "-created": ServiceRequest.created_at.desc(),
    "created": ServiceRequest.created_at.asc(),
    "-updated": ServiceRequest.updated_at.desc(),
    "due": ServiceRequest.due_at.asc().nulls_last(),  # as on PostgreSQL, also on SQLite
    "reference": ServiceRequest.reference.asc(),
}
# The same orders as keyset positions (web/pager.py), each ending with the id the list's query
# adds; "due" is read by offset (a date that may be empty is no position).
_R = ServiceRequest
SORT_KEYS = {
    "-created": Keys("c", (_R.created_at, True), (_R.id, True)),
    "created": Keys("o", (_R.created_at, False), (_R.id, True)),
    "-updated": Keys("u", (_R.updated_at, True), (_R.id, True)),
    "reference": Keys("r", (_R.reference, False), (_R.id, True)),
}



def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filtered_requests(args, user):
    """The list's query from its URL arguments (shareable: the URL is the whole state)."""
    query = visible_requests(user, request_scope(user))
    fields = [f for f in args.getlist("field") if f]  # any number: field=a&field=b
    if fields:
        query = query.where(ServiceRequest.field.in_(fields))
    if args.get("state"):
        query = query.where(ServiceRequest.state == args["state"])
    if args.get("type"):
        query = query.where(ServiceRequest.type == args["type"])
    assignee = args.get("assignee", "")
    assigned = select(RequestParticipant.request_id).where(RequestParticipant.role == "assignee")
    if assignee == "me":
        query = query.where(ServiceRequest.id.in_(assigned.where(RequestParticipant.user_id == user.id)))
    elif assignee == "none":
        # Looked up per request read (the open ones, through their index), rather than a set
        # of every request ever assigned built first (≈ 150,000 ids at ×10).
        query = query.where(~exists().where(RequestParticipant.request_id == ServiceRequest.id,
                                            RequestParticipant.role == "assignee"))
    elif read_id(assignee) is not None:  # another number is ignored, as a word is
        query = query.where(ServiceRequest.id.in_(assigned.where(RequestParticipant.user_id == read_id(assignee))))
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    since, until = _parse_day(args.get("since")), _parse_day(args.get("until"))
    if since:
        query = query.where(ServiceRequest.created_at >= datetime.combine(since, time.min, tzinfo=zone))
    if until:
        query = query.where(ServiceRequest.created_at <= datetime.combine(until, time.max, tzinfo=zone))
    # Closed between two days: the dashboard's "closed" figures, as the reports count them.
    closed_since, closed_until = _parse_day(args.get("closed_since")), _parse_day(args.get("closed_until"))
    if closed_since or closed_until:
        query = query.where(ServiceRequest.state == "closed")
    if closed_since:
        query = query.where(ServiceRequest.state_changed_at >= datetime.combine(closed_since, time.min, tzinfo=zone))
    if closed_until:
        query = query.where(ServiceRequest.state_changed_at <= datetime.combine(closed_until, time.max, tzinfo=zone))
    if args.get("rating") == "low" and user.is_staff:  # rated 1 or 2 by the member
        query = query.where(ServiceRequest.id.in_(select(Satisfaction.request_id).where(Satisfaction.rating <= LOW_RATING)))
    text = args.get("q", "").strip()
    if text:
        text = text.lower()  # "%" and "_" are searched for as such, not as wildcards
        query = query.where(
            or_(
                func.lower(ServiceRequest.title).contains(text, autoescape=True),
                func.lower(ServiceRequest.reference).contains(text, autoescape=True),
                func.lower(ServiceRequest.description).contains(text, autoescape=True),
            )
        )
    if args.get("tag", "").strip() and user.is_staff:  # tags are the staff's own words
        query = query.where(tags.tagged(args["tag"]))
    if args.get("open") == "1":
        query = query.where(is_open())
    if args.get("overdue") == "1":
        query = query.where(overdue(), is_open())
    if args.get("fields") == "mine":  # the fields one serves (the saved view "unassigned in my fields")
        query = query.where(ServiceRequest.field.in_(user.field_slugs or ["-"]))
    return query.order_by(SORTS.get(args.get("sort"), SORTS["-created"]), ServiceRequest.id.desc())


def open_states() -> set[str]:
    return {s.slug for w in host().workflows.values() for s in w.states if not s.terminal}


def is_open():
    """The condition "not finished": a small share of the requests once a cooperative has a
    history, which SQLite's statistics cannot tell (``extranet/query_hints.py``)."""
    return selective(ServiceRequest.state.in_(open_states()))


def _filter_choices(user):
    plugins = host()
    fields = [f for f in plugins.enabled_fields() if can(user, "field.use", f.slug)]
    states = {}
    for workflow in plugins.workflows.values():
        for state in workflow.states:
            states.setdefault(state.slug, state.label)
    types = [t for t in plugins.request_types.values() if t.field in {f.slug for f in fields}]
    experts = []
    if request_scope(user) is None:  # lists that span organizations: staff
        experts = db.session.scalars(
            select(User).where(User.is_expert.is_(True), User.active.is_(True)).order_by(User.name)
        ).all()
    return {"fields": fields, "states": states, "types": types, "experts": experts, "sorts": SORTS}


@bp.get("/")
@login_required
def index():
    user = signed_in_user()
    size = current_app.config["PAGE_SIZE"]
    page = BoundedPage(
        filtered_requests(request.args, user).options(
            selectinload(ServiceRequest.participants).selectinload(RequestParticipant.user),
            selectinload(ServiceRequest.organization),
            selectinload(ServiceRequest.tags),
        ),
        page=page_arg(size),
        per_page=size,
        keys=SORT_KEYS.get(request.args.get("sort") if request.args.get("sort") in SORTS else "-created"),
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render(
        "requests/index.html",
        "requests/_table.html",
        page=page,
        args=request.args,
        choices=_filter_choices(user),
        can_file=bool(fields_to_file(user)),
        spans_organizations=request_scope(user) is None,
        clock_badges=badges_of([r.id for r in page.items]) if can(user, "servicetargets.see") else {},
        sees_clocks=can(user, "servicetargets.see"),
    )


# -- filing ---------------------------------------------------------------------------------


def organizations_to_file_for(user) -> list[Organization]:
    """The current organization and, for a federation's manager, its sharing members."""
    org = current_organization()
    if org is None:
        return []
    candidates = [org, *sorted(org.children, key=lambda o: o.name.casefold())]
    return [o for o in candidates if any(can(user, "request.create", (o, f)) for f in host().fields)]


def fields_to_file(user):
    orgs = organizations_to_file_for(user)
    return [f for f in host().enabled_fields() if any(can(user, "request.create", (o, f.slug)) for o in orgs)]


@bp.get("/new")
@login_required
def choose_field():
    fields = fields_to_file(signed_in_user())
    return render("requests/choose_field.html", fields=fields)


@bp.get("/new/<field>")
@login_required
def choose_type(field: str):
    if field not in [f.slug for f in fields_to_file(signed_in_user())]:
        abort(404)
    return render("requests/choose_type.html", field=host().fields[field], types=host().types_of(field))


@bp.route("/new/<field>/<type_slug>", methods=["GET", "POST"])
@login_required
def new(field: str, type_slug: str):
    user = signed_in_user()
    rtype = host().request_types.get((field, type_slug))
    if rtype is None or field not in [f.slug for f in fields_to_file(user)]:
        abort(404)
    orgs = [o for o in organizations_to_file_for(user) if can(user, "request.create", (o, field))]
    form = rtype.form()
    if request.method == "GET":
        form.restricted.data = rtype.confidentiality == "restricted"
    chosen = request.form.get("organization_id")
    organization_id = read_id(chosen) if chosen else orgs[0].id  # one it cannot read: none (404)
    organization = next((o for o in orgs if o.id == organization_id), None)
    # The files of the form's file questions (a stored type's) go with the attached ones.
    chosen = uploads.uploads_of([f for name in request.files for f in request.files.getlist(name)])
    file_errors = []
    if form.validate_on_submit():
        if organization is None:
            abort(404)
        try:
            # Stored first: a refused file files nothing.
            saved = uploads.store_uploads(chosen, organization=organization)
        except uploads.UploadRefused as refused:
            file_errors = [str(refused)]
        else:
            try:
                req = service.create_request(organization, rtype, form, user)
                attachments.attach_when_filing(req, saved, user)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                uploads.discard(saved)  # no row, so no file either
                raise
            host().after_commit("extranet_request_created", service_request=req, user=user)
            flash(_("Your request %(ref)s is submitted.", ref=req.reference), "success")
            return redirect(url_for("requests.detail", reference=req.reference), 303)
    elif chosen:
        file_errors = [uploads.not_kept(chosen)]
    return render(
        "requests/new.html", field=host().fields[field], rtype=rtype, form=form, organizations=orgs,
        organization_id=organization_id, file_errors=file_errors,
        status=422 if form.errors or file_errors else 200,
    )


# -- one request ----------------------------------------------------------------------------


def colleagues_to_name(req: ServiceRequest) -> list[User]:
    """Active members of the request's organization, other than the requester."""
    return db.session.scalars(
        select(User).join(Membership).where(
            Membership.organization_id == req.organization_id, Membership.active.is_(True),
            User.active.is_(True), User.id != req.requester_id,
        ).order_by(User.name)
    ).all()


def finished(req: ServiceRequest) -> bool:
    """In a terminal state: nothing changes it any more, so its page stops asking."""
    state = service.workflow_of(req).state(req.state)
    return bool(state and state.terminal)


def clock_badge(req: ServiceRequest, user):
    """The service-target clock beside the request's state, for those who may see it."""
    return badge(req.clock) if can(user, "servicetargets.see", req) else None


def _detail_context(req: ServiceRequest, user, **overrides):
    workflow = service.workflow_of(req)
    transitions = [t for t in workflow.transitions_from(req.state) if can(user, "request.transition", (req, t))]
    refused = [(t, reason) for t in workflow.transitions_from(req.state)
               if (reason := transition_refusal(user, req, t)) is not None]
    forms = {t.slug: (t.form or CommentForm)(prefix=t.slug, formdata=None, version=req.version) for t in transitions}
    roles = request_roles(user, req)
    labels = {t.slug: transition_label(t, roles) for t in [*transitions, *(t for t, _reason in refused)]}
    experts = []
    if can(user, "request.assign", req):
        experts = db.session.scalars(
            select(User).join(ExpertField).where(ExpertField.field == req.field, User.active.is_(True)).order_by(User.name)
        ).all()
    assign_form = AssignForm(formdata=None)
    assign_form.expert.choices = [(e.id, e.name) for e in experts]
    items, older, cursor = history.recent(req, user)
    done = finished(req)
    context = {
        "req": req,
        "rtype": host().request_types.get((req.field, req.type)),
        "workflow": workflow,
        "transitions": transitions,
        "refused_transitions": refused,
        "transition_forms": forms,
        "transition_labels": labels,
        "message_form": MessageForm(formdata=None),
        "assign_form": assign_form,
        "colleagues": colleagues_to_name(req) if can(user, "request.contacts", req) else [],
        "timeline": items,
        "timeline_older": older,
        "live_cursor": cursor,
        "finished": done,
        # A merge closes the duplicate: only a finished request can have been merged away.
        "merged_into": history.merged_into(req) if done else None,
        "module_enabled": host().is_enabled(req.field),
        "clock_badge": clock_badge(req, user),
    }
    context.update(overrides)
    return context


def _with_its_page(reference: str) -> ServiceRequest | None:
    """The request by its reference, read once with what its page and the permission checks
    read of it (its organization and subscriptions, people, tags, requester, service-target
    clock): one statement where lazy loads sent six."""
    organization = joinedload(ServiceRequest.organization)
    return db.session.scalars(
        select(ServiceRequest).where(ServiceRequest.reference == reference)
        .options(organization.joinedload(Organization.subscriptions),
                 joinedload(ServiceRequest.participants).joinedload(RequestParticipant.user),
                 joinedload(ServiceRequest.tags), joinedload(ServiceRequest.requester),
                 joinedload(ServiceRequest.clock))
    ).unique().one_or_none()


@bp.get("/<reference>")
@login_required
def detail(reference: str):
    found = _with_its_page(reference)
    if found is not None and can(signed_in_user(), "request.know_paused", found):
        # An old e-mail's link while the admin has the module off: the request is kept, say so.
        return render("requests/paused.html", status=403, reference=found.reference,
                      field_name=host().field_label(found.field))
    req = request_or_404(reference, found=found)
    return render("requests/detail.html", **_detail_context(req, signed_in_user()))


@bp.get("/<reference>/history")
@login_required
def older_history(reference: str):
    """The history entries before ``?before=`` (a "show older" link's): with HTMX, the entries
    and the next link, put in place of the link; without, a page of them."""
    user = signed_in_user()
    req = request_or_404(reference)
    before = history.position(req, request.args.get("before"))
    if before is None:
        return redirect(url_for("requests.detail", reference=req.reference, _anchor="conversation"))
    items, older, _cursor = history.recent(req, user, before)
    return render("requests/history.html", "requests/_timeline_page.html",
                  req=req, timeline=items, timeline_older=older)


@bp.get("/<reference>/live")
@login_required
def live(reference: str):
    """What changed since the page's cursor (``events``, ``messages``: the last ids it shows;
    ``version``: the request's): "204 No Content" after one query when nothing did, else the new
    history entries (requests/_live.html). No process keeps any state: any worker of any node
    answers from the database alone."""
    user = signed_in_user()
    req = request_or_404(reference)
    since = history.Cursor(events=arg_id("events") or 0, messages=arg_id("messages") or 0)
    now = history.latest(req, see_notes=can(user, "request.see_internal", req),
                         see_staff_events=can(user, "request.see_tags", req))
    if now.events <= since.events and now.messages <= since.messages:
        return "", 204
    items = history.history(req, user, since)
    moved = str(req.version) != request.args.get("version")
    response = render("requests/_live.html", req=req, items=items, live_update=True, live_cursor=now, moved=moved,
                      clock_badge=clock_badge(req, user), finished=finished(req))
    response.headers["HX-Trigger"] = json.dumps({"request-changed": {"moved": moved}})
    return response


@bp.post("/<reference>/transition/<slug>")
@login_required
def transition(reference: str, slug: str):
    user = signed_in_user()
    req = request_or_404(reference)
    chosen = service.workflow_of(req).transition(slug)
    if chosen is None:
        abort(404)
    form = (chosen.form or CommentForm)(prefix=slug)
    if form.version.data and str(req.version) != form.version.data:
        # The page was out of date (whether the move is still possible or not, and before
        # judging the form): show the request as it is now. A garbled version lands here too.
        return _conflict(req, user, chosen, form)
    if not can(user, "request.transition", (req, chosen)):
        abort(404)
    if not form.validate_on_submit():
        context = _detail_context(req, user, open_transition=slug)
        context["transition_forms"][slug] = form
        return render("requests/detail.html", **context, status=422)
    try:
        details = {k: v for k, v in form.data.items() if k not in {"csrf_token", "version", "comment"}}
        service.apply_transition(req, chosen, user, comment=form.comment.data or "", details=details)
        db.session.commit()
    except service.StaleRequest:  # someone acted between this page's load and now
        db.session.rollback()
        return _conflict(request_or_404(reference), user, chosen, form)
    host().after_commit("extranet_request_transitioned", service_request=req, transition=chosen, user=user)
    flash(transition_done(req, chosen, service.workflow_of(req)), "success")
    return hx_redirect(url_for("requests.detail", reference=req.reference))


def _conflict(req, user, chosen=None, typed=None):
    """409: the request as it is now, and what the person typed given back: in the step's form
    if it is still possible (with the current version, to confirm again), otherwise in the
    message box. The page is not the post's address (see detail.html's data-replace-url), and
    sent again it is refused again: a stale version never becomes current."""
    context = _detail_context(req, user)
    told = _("Someone else changed this request in the meantime. Here it is as it is now; nothing of yours was saved.")
    comment = (typed.comment.data or "").strip() if typed is not None else ""
    if chosen is not None and chosen.slug in context["transition_forms"]:
        typed.version.data = str(req.version)
        context["transition_forms"][chosen.slug] = typed
        context["open_transition"] = chosen.slug
    elif comment and can(user, "request.message", req):
        context["message_form"] = MessageForm(formdata=None, body=comment)
        told = _("Someone else changed this request in the meantime. Here it is as it is now; nothing of "
                 "yours was saved. What you wrote is in the message box, not sent.")
    flash(told, "warning")
    return render("requests/detail.html", **context, status=409)


@bp.post("/<reference>/take")
@login_required
def take(reference: str):
    user = signed_in_user()
    req = request_or_404(reference, "request.take")
    try:
        service.assign(req, user, actor=user)
        db.session.commit()
    except service.StaleRequest:  # assigned or moved meanwhile (two experts taking at once)
        db.session.rollback()
        return _conflict(request_or_404(reference), user)
    flash(_("You are now assigned to %(ref)s.", ref=req.reference), "success")
    return hx_redirect(url_for("requests.detail", reference=reference))


@bp.post("/<reference>/assign")
@login_required
def assign(reference: str):
    user = signed_in_user()
    req = request_or_404(reference, "request.assign")
    form = AssignForm()
    if not form.validate_on_submit():  # no expert, or a number no row can have
        abort(400)
    expert = db.session.get(User, form.expert.data) if form.expert.data else None
    removing = request.form.get("remove") == "1"
    # Any current assignee can be removed, also one who left the field or was deactivated.
    if removing and (expert is None or expert not in req.assignees):
        abort(400)
    if not removing and (expert is None or req.field not in expert.field_slugs or not expert.active):
        abort(400)
    try:
        (service.unassign if removing else service.assign)(req, expert, actor=user)
        db.session.commit()
    except service.StaleRequest:  # assignment changed meanwhile: nothing overwritten
        db.session.rollback()
        return _conflict(request_or_404(reference), user)
    if removing:
        flash(_("%(name)s no longer works on request %(ref)s.", name=expert.name, ref=reference), "success")
    else:
        flash(_("%(name)s is assigned to request %(ref)s.", name=expert.name, ref=reference), "success")
    return hx_redirect(url_for("requests.detail", reference=reference))


@bp.post("/<reference>/contacts")
@login_required
def contacts(reference: str):
    user = signed_in_user()
    req = request_or_404(reference, "request.contacts")
    wanted = {read_id(v) for v in request.form.getlist("contact")}
    allowed = {u.id: u for u in colleagues_to_name(req)}
    if wanted - set(allowed):
        abort(400)
    service.set_contacts(req, [allowed[i] for i in wanted], actor=user)
    db.session.commit()
    flash(_("The contacts are saved."), "success")
    return hx_redirect(url_for("requests.detail", reference=reference))


@bp.post("/<reference>/messages")
@login_required
def post_message(reference: str):
    user = signed_in_user()
    req = request_or_404(reference, "request.message")
    form = MessageForm()
    if form.internal.data:
        require("request.internal_note", req)
    if form.validate_on_submit():
        try:
            saved = uploads.store_uploads(uploads.uploads_of(request.files.getlist("files")),
                                          organization=req.organization)
        except uploads.UploadRefused as refused:
            return render("requests/detail.html", "requests/_conversation.html",
                          **_detail_context(req, user, message_form=form, file_errors=[str(refused)]), status=422)
        try:
            message = service.post_message(req, user, form.body.data, internal=bool(form.internal.data))
            attachments.attach(message, saved, user)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            uploads.discard(saved)  # no row, so no file either
            raise
        if wants_fragment():
            return render("requests/detail.html", "requests/_conversation.html",
                          **_detail_context(req, user))
        return redirect(url_for("requests.detail", reference=reference) + "#conversation", 303)
    return render("requests/detail.html", "requests/_conversation.html",
                  **_detail_context(req, user, message_form=form), status=422)


# -- attachments ----------------------------------------------------------------------------


@bp.app_context_processor  # also for the desk's pages (desk_views.py), which show the request page
def _upload_limits():
    return {"upload_limit": lambda: uploads.human_size(uploads.max_upload_bytes())}


@bp.get("/<reference>/attachments/<id:attachment_id>")
@login_required
def attachment(reference: str, attachment_id: int):
    """Download a file: visible only with its message, and only under its own request's URL."""
    return send_attachment(request_or_404(reference), attachment_id)


def send_attachment(req: ServiceRequest, attachment_id: int):
    """The download of one of ``req``'s message files (the API's too), noted in the access log."""
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.message.request_id != req.id:
        abort(404)
    response = downloads.send(found, "message.view", found.message)
    access.note_attachment(signed_in_user(), found)
    return response
