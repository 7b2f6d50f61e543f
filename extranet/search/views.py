"""The search page: the header's box sends its words here as they are typed (the results
replace the page's content, the address follows), and the page's own form adds filters. A
plain GET form without script. What each hit shows comes from rows the search already
allowed, loaded by id for the page's few results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extranet.documents.models import Document
from extranet.extensions import db
from extranet.files.models import FileText
from extranet.organizations.models import Organization
from extranet.plugins import host
from extranet.policy import can
from extranet.requests.models import Message, ServiceRequest
from extranet.requests.rules import request_scope
from extranet.resources.models import Resource
from extranet.search import service
from extranet.search.excerpts import excerpt, highlight
from extranet.search.sources import answers
from extranet.web.htmx import render, wants_fragment
from extranet.web.lookups import signed_in_user

bp = Blueprint("search", __name__, url_prefix="/search")

KIND_LABELS = {
    "request": _l("Requests"),
    "message": _l("Messages and notes"),
    "document": _l("Documents"),
    "resource": _l("Resources"),
}


@dataclass
class Hit:
    kind: str
    url: str
    title: Markup
    excerpt: Markup
    at: datetime | None
    context: str = ""  # reference, field, organization: what locates the hit
    internal: bool = False


def _requests(ids, query) -> dict[int, Hit]:
    rows = db.session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_(ids))
                              .options(selectinload(ServiceRequest.organization)))
    return {r.id: Hit("request", url_for("requests.detail", reference=r.reference),
                      highlight(f"{r.reference} · {r.title}", query),
                      excerpt(f"{r.description}\n{answers(r.data)}", query), r.created_at,
                      f"{host().field_label(r.field)} · {r.organization.name}") for r in rows}


def _messages(ids, query) -> dict[int, Hit]:
    rows = db.session.scalars(select(Message).where(Message.id.in_(ids))
                              .options(selectinload(Message.request), selectinload(Message.attachments)))
    rows = list(rows)
    texts = _texts([a.id for m in rows for a in m.attachments])
    hits = {}
    for m in rows:
        names = "\n".join(f"{a.filename} {texts.get(a.id, '')}" for a in m.attachments)
        hits[m.id] = Hit("message", url_for("requests.detail", reference=m.request.reference, _anchor=f"message-{m.id}"),
                         highlight(f"{m.request.reference} · {m.request.title}", query),
                         excerpt(f"{m.body}\n{names}", query), m.created_at,
                         host().field_label(m.request.field), internal=m.internal)
    return hits


def _documents(ids, query) -> dict[int, Hit]:
    rows = db.session.scalars(select(Document).where(Document.id.in_(ids))
                              .options(selectinload(Document.versions), selectinload(Document.organization)))
    rows = list(rows)
    texts = _texts([d.current.id for d in rows if d.current])
    hits = {}
    for d in rows:
        name = f"{d.current.filename}\n{texts.get(d.current.id, '')}" if d.current else ""
        url = url_for("documents.document", field=d.field, doc_id=d.id, org=d.organization_id)
        hits[d.id] = Hit("document", url, highlight(d.title, query), excerpt(name, query), d.updated_at,
                         f"{host().field_label(d.field)} · {d.organization.name}")
    return hits


def _resources(ids, query) -> dict[int, Hit]:
    rows = db.session.scalars(select(Resource).where(Resource.id.in_(ids))
                              .options(selectinload(Resource.document).selectinload(Document.versions)))
    rows = list(rows)
    current = [r.document.current for r in rows if r.document and r.document.current]
    texts = _texts([f.id for f in current])
    hits = {}
    for r in rows:
        file = r.document.current if r.document else None
        name = f"{file.filename}\n{texts.get(file.id, '')}" if file else ""
        url = url_for("resources.library", field=r.field, q=r.title, lang="all")
        hits[r.id] = Hit("resource", url, highlight(r.title, query), excerpt(f"{r.summary}\n{name}", query),
                         r.published_at, host().field_label(r.field))
    return hits


def _texts(file_version_ids) -> dict[int, str]:
    """What the worker read from these files."""
    ids = [i for i in file_version_ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(FileText.file_version_id, FileText.text).where(FileText.file_version_id.in_(ids))).all())


LOADERS = {"request": _requests, "message": _messages, "document": _documents, "resource": _resources}


def _organization(user, filters: service.Filters) -> Organization | None:
    """Staff's organization filter (members search their current organization anyway)."""
    if filters.organization_id is None or request_scope(user) is not None:
        return None
    org = db.session.get(Organization, filters.organization_id)
    if org is None or not can(user, "search.organization", org):
        abort(404)
    return org


def _choices(user) -> dict:
    fields = [f for f in host().enabled_fields() if can(user, "field.use", f.slug)]
    states = {}
    for workflow in host().workflows.values():
        for state in workflow.states:
            states.setdefault(state.slug, state.label)
    organizations = []
    if request_scope(user) is None:  # (id, name) rows: objects cost 10 ms for 600 organizations
        organizations = db.session.execute(select(Organization.id, Organization.name)
                                           .where(Organization.active.is_(True)).order_by(Organization.name)).all()
    return {"fields": fields, "states": states, "organizations": organizations, "kinds": KIND_LABELS}


@bp.get("/")
@login_required
def index():
    user = signed_in_user()
    filters = service.Filters.from_args(request.args)
    organization = _organization(user, filters)
    found = service.search(user, filters, organization)
    groups = {}
    for kind, ids in found.hits.items():
        loaded = LOADERS[kind](ids, found.query)
        groups[kind] = [loaded[i] for i in ids if i in loaded]
    # The header's box replaces the page's content; the page's own form, its results (which
    # need no choices: the form stays as it is while one types).
    results_only = request.headers.get("HX-Target") == "search-results" and wants_fragment()
    fragment = "search/_results.html" if results_only else "search/_main.html"
    response = render("search/index.html", fragment, found=found, groups=groups, filters=filters,
                      args=request.args, choices=None if results_only else _choices(user), kind_labels=KIND_LABELS)
    response.vary.add("HX-Target")
    return response
