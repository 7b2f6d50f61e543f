"""The REST API's operations (`/api/v1`). Each reads and writes through the same lookups,
policy, forms and services as the pages: a request one cannot see is a 404 here too, a change
is the page's use case, committed once, then told to the plugins."""

from __future__ import annotations

import math

from flask import abort, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from extranet.access import service as access
from extranet.accounts.models import User
from extranet.documents import service as documents
from extranet.documents.models import Document
from extranet.documents.views import request_files, upload_each
from extranet.extensions import db
from extranet.hours import service as hours
from extranet.hours.forms import TimeEntryForm
from extranet.hours.models import Agreement, Statement, TimeEntry
from extranet.hours.statements import closed_statements, month_key
from extranet.hours.views import closed_message, entry_values
from extranet.organizations.models import Membership, Organization
from extranet.plugins import host
from extranet.policy import can, require, switchable_organizations
from extranet.requests import service as requests
from extranet.requests.forms import CommentForm, MessageForm
from extranet.requests.history import history
from extranet.requests.models import RequestParticipant, ServiceRequest
from extranet.requests.rules import openable_requests
from extranet.requests.views import filtered_requests, organizations_to_file_for, send_attachment
from extranet.rest import present
from extranet.rest import schemas as s
from extranet.rest.form_schema import form_errors, form_input, form_schema, unknown_answers
from extranet.rest.openapi import document
from extranet.rest.routing import Refused, bp, operation
from extranet.web.lookups import request_or_404, row_or_404, signed_in_user
from extranet.web.problems import problem


def _page_of(query, paging: s.Paging):
    return db.paginate(query, page=paging.page, per_page=paging.per_page, error_out=False, count=True)


def _page_fields(page, paging: s.Paging) -> dict:
    return {"page": paging.page, "per_page": paging.per_page, "total": page.total or 0,
            "pages": max(1, math.ceil((page.total or 0) / paging.per_page))}


# -- the description ----------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/docs")
def docs():
    return render_template("rest/docs.html", spec=document())


# -- who is calling -----------------------------------------------------------------------------


@operation("GET", "/me", "The token's owner, and what the token may do", kind=None, response=s.Me)
def me():
    user = signed_in_user()
    return s.Me(id=user.id, name=user.name, email=user.email, locale=user.locale, is_admin=user.is_admin,
                is_expert=user.is_expert, fields=sorted(user.field_slugs),
                organizations=[o.id for o in switchable_organizations(user)], scopes=g.api_token.scopes)


# -- requests -----------------------------------------------------------------------------------


@operation("GET", "/requests", "List requests, with the list page's filters", kind="requests",
           query=s.RequestFilters, response=s.RequestList)
def list_requests(query: s.RequestFilters):
    """The requests the caller sees, as on the request list: a member's are those of one
    organization (`organization`), staff's span the organizations they serve."""
    args = {k: v for k, v in query.model_dump(exclude={"page", "per_page", "organization"}).items() if v is not None}
    if args.pop("open", None):
        args["open"] = "1"
    # The list page reads its arguments as the query string's MultiDict (a filter may repeat).
    args = MultiDict({k: v.isoformat() if hasattr(v, "isoformat") else str(v) for k, v in args.items()})
    user = signed_in_user()
    page = _page_of(filtered_requests(args, user).options(
        selectinload(ServiceRequest.participants).selectinload(RequestParticipant.user),
        selectinload(ServiceRequest.requester)), query)
    return s.RequestList(items=[present.request_out(r, user) for r in page.items], **_page_fields(page, query))


@operation("GET", "/requests/<reference>", "Read a request", kind="requests", response=s.RequestOut)
def get_request(reference: str):
    return present.request_out(request_or_404(reference), signed_in_user())


def _filing_organization(user, organization_id):
    """The organization to file for, among those the request page offers (one's own, and a
    federation's sharing members for its manager), as the header's switcher would choose."""
    for choice in switchable_organizations(user) or [None]:
        g.current_org = choice
        orgs = organizations_to_file_for(user)
        found = next((o for o in orgs if organization_id in (None, o.id)), None)
        if found is not None:
            return found
    return None


@operation("POST", "/requests", "File a request", kind="requests", write=True, body=s.NewRequest,
           response=s.RequestOut, status=201)
def create_request(body: s.NewRequest):
    """The answers are validated by the request type's own form (see `GET
    /fields/{field}/types/{type_slug}`), exactly as on the page."""
    user = signed_in_user()
    rtype = host().request_types.get((body.field, body.type))
    organization = _filing_organization(user, body.organization_id) if rtype else None
    if rtype is None or organization is None or not can(user, "request.create", (organization, body.field)):
        abort(404)
    restricted = body.restricted if body.restricted is not None else rtype.confidentiality == "restricted"
    values = {**body.answers, "title": body.title, "description": body.description, "restricted": restricted}
    form = rtype.form(formdata=form_input(values), meta={"csrf": False})
    if unknown := unknown_answers(form, body.answers):
        raise Refused(_("Unknown answers."), [{"loc": ["body", "answers", n], "msg": _("Unknown question.")}
                                              for n in unknown])
    if not form.validate():
        raise Refused(_("Some answers are not valid."), form_errors(form))
    req = requests.create_request(organization, rtype, form, user)
    db.session.commit()
    host().after_commit("extranet_request_created", service_request=req, user=user)
    response = jsonify(present.request_out(req, user).model_dump(mode="json"))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_request", reference=req.reference)
    return response


@operation("POST", "/requests/<reference>/transitions/<slug>", "Move a request through its workflow",
           kind="requests", write=True, body=s.TransitionInput, response=s.RequestOut)
def transition(reference: str, slug: str, body: s.TransitionInput):
    """Only the steps listed in the request's `transitions` are possible; send the
    `version` you read to be told (409) when someone acted in the meantime."""
    user = signed_in_user()
    req = request_or_404(reference)
    chosen = requests.workflow_of(req).transition(slug)
    if chosen is None or not can(user, "request.transition", (req, chosen)):
        abort(404)
    if body.version is not None and body.version != req.version:
        return problem(409, _("Someone else changed this request in the meantime: read it again."))
    form = (chosen.form or CommentForm)(formdata=form_input({**body.answers, "comment": body.comment}),
                                       meta={"csrf": False})
    if unknown := unknown_answers(form, body.answers):
        raise Refused(_("Unknown answers."), [{"loc": ["body", "answers", n], "msg": _("Unknown question.")}
                                              for n in unknown])
    if not form.validate():
        raise Refused(_("Some answers are not valid."), form_errors(form))
    try:
        details = {k: v for k, v in form.data.items() if k not in {"csrf_token", "version", "comment"}}
        requests.apply_transition(req, chosen, user, comment=form.comment.data or "", details=details)
        db.session.commit()
    except requests.StaleRequest:
        db.session.rollback()
        return problem(409, _("Someone else changed this request in the meantime: read it again."))
    host().after_commit("extranet_request_transitioned", service_request=req, transition=chosen, user=user)
    return present.request_out(req, user)


# -- messages -----------------------------------------------------------------------------------


@operation("GET", "/requests/<reference>/messages", "List a request's messages", kind="messages",
           query=s.Paging, response=s.MessageList)
def list_messages(reference: str, query: s.Paging):
    """Oldest first; internal notes only for those who see them on the page."""
    user = signed_in_user()
    messages = [item for kind, _at, item in history(request_or_404(reference), user) if kind == "message"]
    start = (query.page - 1) * query.per_page
    total = len(messages)
    return s.MessageList(items=[present.message_out(m) for m in messages[start:start + query.per_page]],
                         page=query.page, per_page=query.per_page, total=total,
                         pages=max(1, math.ceil(total / query.per_page)))


@operation("POST", "/requests/<reference>/messages", "Post a message (or an internal note)", kind="messages",
           write=True, body=s.NewMessage, response=s.MessageOut, status=201)
def post_message(reference: str, body: s.NewMessage):
    user = signed_in_user()
    req = request_or_404(reference, "request.message")
    if body.internal:
        require("request.internal_note", req)
    form = MessageForm(formdata=form_input({"body": body.body, "internal": body.internal}), meta={"csrf": False})
    if not form.validate():
        raise Refused(_("The message is not valid."), form_errors(form, answers=False))
    message = requests.post_message(req, user, form.body.data, internal=bool(form.internal.data))
    db.session.commit()
    return present.message_out(message)


@operation("GET", "/requests/<reference>/attachments/<id:attachment_id>/content",
           "Download a message's attachment", kind="messages", binary=True)
def attachment_content(reference: str, attachment_id: int):
    return send_attachment(request_or_404(reference), attachment_id)


# -- documents ----------------------------------------------------------------------------------


@operation("GET", "/requests/<reference>/files", "A request's documents and message attachments",
           kind="documents", response=s.RequestFiles)
def request_documents(reference: str):
    user = signed_in_user()
    files = request_files(request_or_404(reference), user)
    return s.RequestFiles(documents=[present.document_out(f) for kind, f in files if kind == "document"],
                          attachments=[present.attachment_out(f) for kind, f in files if kind == "attachment"])


@operation("POST", "/requests/<reference>/files", "Upload documents to a request", kind="documents",
           write=True, multipart=s.UploadInput, response=s.UploadResult, status=201)
def upload_documents(reference: str, body: s.UploadInput):
    """`multipart/form-data` with one or more `files`: each is checked by its content, its
    size, the organization's quota and the virus scan, and kept or refused on its own (nothing
    of a refused file is kept). Answers 201 with each file's outcome."""
    user = signed_in_user()
    req = request_or_404(reference, "document.upload")
    if body.visibility == "internal" and not can(user, "documents.internal", req.field):
        raise Refused(_("Some values are not valid."), [{"loc": ["body", "visibility"], "msg": _("Not a valid choice.")}])
    try:
        outcomes = upload_each(request.files.getlist("files"), org=req.organization, field=req.field, user=user,
                               request=req, visibility=body.visibility, category=body.category or None)
    except documents.UploadRefused as refused:
        raise Refused(str(refused), [{"loc": ["body", "files"], "msg": str(refused)}]) from None
    answer = s.UploadResult(items=[s.UploadOutcome(
        filename=o.filename, document=present.document_out(o.document) if o.document else None, refusal=o.refusal)
        for o in outcomes])
    response = jsonify(answer.model_dump(mode="json"))
    response.status_code = 201 if any(o.document for o in outcomes) else 422  # every file refused
    return response


def _document(doc_id: int) -> Document:
    doc = db.session.get(Document, doc_id)
    if doc is None or doc.deleted_at is not None:
        abort(404)
    require("document.view", doc)
    access.note_document(signed_in_user(), doc)
    return doc


@operation("GET", "/documents/<id:doc_id>", "A document's metadata", kind="documents", response=s.DocumentOut)
def get_document(doc_id: int):
    return present.document_out(_document(doc_id))


@operation("GET", "/documents/<id:doc_id>/content", "Download a document's current version", kind="documents",
           binary=True)
def document_content(doc_id: int):
    doc = _document(doc_id)
    if doc.current is None:
        abort(404)
    response = documents.send_version(doc.current)
    db.session.commit()
    return response


# -- hours --------------------------------------------------------------------------------------


@operation("GET", "/requests/<reference>/time-entries", "Time logged on a request", kind="hours",
           query=s.Paging, response=s.TimeEntryList)
def time_entries(reference: str, query: s.Paging):
    user = signed_in_user()
    req = request_or_404(reference, "time.view")
    notes = can(user, "time.see_notes", req)
    page = _page_of(select(TimeEntry).where(TimeEntry.request_id == req.id)
                    .options(selectinload(TimeEntry.expert)).order_by(TimeEntry.date, TimeEntry.id), query)
    items = [s.TimeEntryOut(id=e.id, date=e.date, minutes=e.minutes, activity=e.activity, billable=e.billable,
                            expert=present.person(e.expert), note=e.note if notes else None) for e in page.items]
    return s.TimeEntryList(items=items, **_page_fields(page, query))


@operation("POST", "/requests/<reference>/time-entries", "Log time on a request (its field's experts)",
           kind="hours", write=True, body=s.NewTimeEntry, response=s.TimeEntryOut, status=201)
def log_time(reference: str, body: s.NewTimeEntry):
    """Validated by the time form of the request page; a month whose statement is closed is refused."""
    user = signed_in_user()
    req = request_or_404(reference, "time.log")
    form = TimeEntryForm(formdata=form_input({**body.model_dump(), "date": body.date.isoformat()}),
                         meta={"csrf": False})
    if not form.validate():
        raise Refused(_("Some values are not valid."), form_errors(form, answers=False))
    try:
        entry = hours.log_time(req, user, **entry_values(form))
    except hours.MonthClosed as closed:
        raise Refused(closed_message(closed.day), [{"loc": ["body", "date"], "msg": closed_message(closed.day)}]) from None
    db.session.commit()
    host().after_commit("extranet_time_logged", entry=entry)
    return s.TimeEntryOut(id=entry.id, date=entry.date, minutes=entry.minutes, activity=entry.activity,
                          billable=entry.billable, expert=present.person(user), note=entry.note)


def _organization(org_id: int, action: str) -> Organization:
    return row_or_404(Organization, org_id, action)


@operation("GET", "/organizations/<id:org_id>/agreements", "An organization's agreements (hour banks)",
           kind="hours", response=s.AgreementList)
def agreements(org_id: int):
    """The agreements of the fields whose hour bank the caller sees on the hours page."""
    user = signed_in_user()
    org = _organization(org_id, "hours.view_balance")
    rows = db.session.scalars(select(Agreement).where(Agreement.organization_id == org.id)
                              .order_by(Agreement.year.desc(), Agreement.field)).all()
    return s.AgreementList(items=[s.AgreementOut.model_validate(a, from_attributes=True) for a in rows
                                  if can(user, "hours.view_field_balance", (org, a.field))])


def _statement_out(statement: Statement, user) -> s.StatementOut:
    openable = openable_requests(user, [line.get("request_id") for line in statement.lines])
    lines = [s.StatementLine(field=line["field"], reference=line.get("reference"), minutes=line["minutes"],
                             title=line.get("title") if line.get("request_id") in openable else None,
                             overage_minutes=line["overage_minutes"], amount_cents=line["amount_cents"],
                             overage_cents=line["overage_cents"]) for line in statement.lines]
    return s.StatementOut(id=statement.id, organization_id=statement.organization_id, month=month_key(statement.month),
                          total_minutes=statement.total_minutes, total_cents=statement.total_cents,
                          overage_minutes=statement.overage_minutes, overage_cents=statement.overage_cents,
                          closed_at=statement.closed_at, lines=lines)


@operation("GET", "/organizations/<id:org_id>/statements", "An organization's closed monthly statements",
           kind="hours", response=s.StatementList)
def statements(org_id: int):
    """A line names a request the caller may not open by its reference only (no title)."""
    user = signed_in_user()
    org = _organization(org_id, "statements.view")
    return s.StatementList(items=[_statement_out(st, user) for st in closed_statements(org.id)])


# -- organizations and people -------------------------------------------------------------------


@operation("GET", "/organizations", "The organizations one belongs to (all of them for admins)",
           kind="organizations", query=s.Paging, response=s.OrganizationList)
def list_organizations(query: s.Paging):
    user = signed_in_user()
    orgs = select(Organization).order_by(Organization.name, Organization.id)
    if not user.is_admin:
        orgs = orgs.join(Membership).where(Membership.user_id == user.id, Membership.active.is_(True),
                                           Membership.pending.is_(False), Organization.active.is_(True))
    page = _page_of(orgs.options(selectinload(Organization.subscriptions)), query)
    return s.OrganizationList(items=[present.organization_out(o) for o in page.items], **_page_fields(page, query))


@operation("GET", "/organizations/<id:org_id>", "Read an organization", kind="organizations",
           response=s.OrganizationOut)
def get_organization(org_id: int):
    return present.organization_out(_organization(org_id, "organization.view"))


@operation("GET", "/organizations/<id:org_id>/members", "An organization's people (its managers and admins)",
           kind="organizations", response=s.MemberList)
def members(org_id: int):
    org = _organization(org_id, "organization.manage_members")
    rows = db.session.scalars(select(Membership).where(Membership.organization_id == org.id, Membership.active.is_(True))
                              .options(selectinload(Membership.user))).all()
    return s.MemberList(items=[s.MemberOut(id=m.user.id, name=m.user.name, email=m.user.email, role=m.role,
                                           pending=m.pending) for m in sorted(rows, key=lambda m: m.user.name.casefold())])


@operation("GET", "/users/<id:user_id>", "Read a person's account (administrators)", kind="organizations",
           response=s.UserOut)
def get_user(user_id: int):
    require("users.manage")
    person = row_or_404(User, user_id)
    access.note_profile(signed_in_user(), person)
    return s.UserOut(id=person.id, name=person.name, email=person.email, active=person.active,
                     is_admin=person.is_admin, is_expert=person.is_expert, fields=sorted(person.field_slugs))


# -- fields and request types -------------------------------------------------------------------


@operation("GET", "/fields", "The fields one may file in or work on, with their request types", kind="fields",
           response=s.FieldList)
def list_fields():
    user = signed_in_user()
    items = [s.FieldOut(slug=f.slug, label=str(f.label), types=[present.type_out(t) for t in host().types_of(f.slug)])
             for f in host().enabled_fields() if can(user, "field.use", f.slug)]
    return s.FieldList(items=items)


@operation("GET", "/fields/<field>/types/<type_slug>", "A request type: its form's schema and its workflow",
           kind="fields", response=s.RequestTypeDetail)
def get_request_type(field: str, type_slug: str):
    rtype = host().request_types.get((field, type_slug))
    if rtype is None or not can(signed_in_user(), "field.use", field):
        abort(404)
    workflow = host().workflows[rtype.workflow]
    steps = [s.TransitionOut(slug=t.slug, label=str(t.label), sources=list(t.sources), target=t.target,
                             roles=list(t.roles), form=form_schema((t.form or CommentForm)(formdata=None, meta={"csrf": False})))
             for t in workflow.transitions]
    return s.RequestTypeDetail(
        **present.type_out(rtype).model_dump(), form=form_schema(rtype.form(formdata=None, meta={"csrf": False})),
        states=[s.StateOut(slug=st.slug, label=str(st.label), terminal=st.terminal) for st in workflow.states],
        transitions=steps,
    )

