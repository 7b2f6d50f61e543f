from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, request
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from extranet.audit import sentences, service
from extranet.audit.models import AuditEvent
from extranet.extensions import db
from extranet.organizations.models import Organization
from extranet.policy import require
from extranet.reports.exports import Column, Table, download
from extranet.web.htmx import render
from extranet.web.ids import arg_id
from extranet.web.lookups import signed_in_user
from extranet.web.pager import Keys, bounded_page

bp = Blueprint("audit", __name__)

EXPORT_LIMIT = 20_000  # events in one CSV file (and ids in one IN list); narrow the filters for more


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def _filters() -> service.Filters:
    kind = request.args.get("kind", "").strip()
    return service.Filters(
        actor=request.args.get("actor", "").strip()[:100],
        kind=kind if kind in sentences.KINDS else "",
        since=_day("since"),
        until=_day("until"),
        organization_id=arg_id("organization"),
    )


def _page(query, reader=None):
    size = current_app.config["PAGE_SIZE"]
    # The log only grows: a bounded count, and pages by position in the id order.
    page = bounded_page(query, Keys("a", (AuditEvent.id, True)), per_page=size)
    targets = sentences.Targets(list(page.items))
    rows = [(event, sentences.sentence(event, targets, reader)) for event in page.items]
    return page, rows


@bp.get("/admin/audit/")
@login_required
def log():
    require("audit.view")
    filters = _filters()
    page, rows = _page(service.events(filters))
    organizations = db.session.execute(select(Organization.id, Organization.name).order_by(Organization.name)).all()
    return render("audit/log.html", "audit/_events.html", page=page, rows=rows, filters=filters,
                  kinds=sentences.KINDS, organizations=organizations)


@bp.get("/admin/audit/export.csv")
@login_required
def export():
    """The events the filters keep, as sentences (and their codes), in a CSV file."""
    require("audit.view")
    events = list(db.session.scalars(service.events(_filters()).limit(EXPORT_LIMIT)))
    targets = sentences.Targets(events)
    table = Table(str(_l("Audit log")), [
        Column(str(_l("When"))), Column(str(_l("Who"))), Column(str(_l("What happened"))),
        Column(str(_l("Action code"))), Column(str(_l("Organization"))), Column(str(_l("IP address"))),
    ], [
        [format_datetime(e.at, "yyyy-MM-dd HH:mm:ss"), sentences.actor_name(e), sentences.sentence(e, targets),
         e.action, e.organization.name if e.organization else "", e.ip or ""]
        for e in events
    ])
    return download([table], "audit-log", "csv")


@bp.get("/profile/history")
@login_required
def mine():
    """What was done to the reader's own account, in sentences."""
    require("audit.view_own")
    user = signed_in_user()
    page, rows = _page(service.about_person(user), reader=user)
    return render("audit/mine.html", "audit/_mine.html", page=page, rows=rows)
