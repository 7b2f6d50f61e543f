"""The home page: widgets contributed by the core and by enabled modules.

Each core widget is a fragment loaded lazily by the dashboard; its route checks the same
policy action that made the widget appear (404 otherwise). Queries are bounded: counts are
group-by queries, lists are limited and load what they show with ``selectinload``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app
from flask_babel import format_number
from flask_login import login_required
from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from extranet.contributions import State
from extranet.dashboard.glance import glance, growth
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.hours.units import format_minutes, format_money
from extranet.plugins import host
from extranet.policy import can, current_organization, require
from extranet.requests.models import RequestParticipant as P
from extranet.requests.models import ServiceRequest as R
from extranet.requests.rules import visible_requests
from extranet.requests.views import is_open
from extranet.servicetargets.presenters import overdue
from extranet.web.htmx import render
from extranet.web.lookups import signed_in_user

bp = Blueprint("dashboard", __name__)

LIMIT = 10  # rows listed by a widget; the total is counted and linked to the full list



@bp.get("/")
@login_required
def index():
    organization = current_organization()
    results = host().hook("extranet_dashboard_widgets")(
        user=signed_in_user(), organization=organization
    )
    widgets = sorted((w for ws in results for w in (ws or [])), key=lambda w: (w.order, w.slug))
    return render("dashboard/index.html", widgets=widgets, organization=organization)


@bp.get("/widgets/organization")
@login_required
def organization_widget():
    return render("dashboard/_organization.html", organization=current_organization(),
                  fields=host().fields)


# -- helpers ----------------------------------------------------------------------------------


def _is_open():
    """The same "open" as the request list's ``open=1`` filter, so that counts match links."""
    return is_open()


def _states_where(predicate: Callable[[State], bool]):
    """Requests whose state satisfies ``predicate`` in their own type's workflow."""
    plugins = host()
    by_states: dict[tuple[str, ...], list] = {}
    for (field, type_slug), rtype in plugins.request_types.items():
        workflow = plugins.workflows.get(rtype.workflow)
        states = tuple(sorted(s.slug for s in workflow.states if predicate(s))) if workflow else ()
        if states:
            by_states.setdefault(states, []).append(and_(R.field == field, R.type == type_slug))
    clauses = [and_(R.state.in_(states), or_(*types)) for states, types in by_states.items()]
    return or_(*clauses) if clauses else false()


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def _listing(query, order, *options) -> tuple[list, int]:
    rows = db.session.scalars(query.options(*options).order_by(*order, R.id).limit(LIMIT)).all()
    total = len(rows) if len(rows) < LIMIT else _count(query)
    return rows, total


def _month_start() -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    local = utcnow().astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _state_labels() -> dict[str, object]:
    """Each state slug's label, in workflow order (the standard workflow first)."""
    labels: dict[str, object] = {}
    for workflow in host().workflows.values():
        for state in workflow.states:
            labels.setdefault(state.slug, state.label)
    return labels


# -- member -----------------------------------------------------------------------------------


@bp.get("/widgets/open-by-field")
@login_required
def open_by_field_widget():
    user, org = signed_in_user(), current_organization()
    require("dashboard.member", org)
    query = (
        visible_requests(user, org)
        .with_only_columns(R.field, func.count(R.id))
        .where(_is_open())
        .group_by(R.field)
    )
    counts = dict(db.session.execute(query).all())
    fields = [f for f in host().enabled_fields() if f.slug in counts or can(user, "field.use", f.slug)]
    rows = [(f, counts.get(f.slug, 0)) for f in fields]
    return render("dashboard/_open_by_field.html", "dashboard/_open_by_field.html",
                  rows=rows, total=sum(counts.values()))


@bp.get("/widgets/waiting-on-me")
@login_required
def waiting_on_me_widget():
    user, org = signed_in_user(), current_organization()
    require("dashboard.member", org)
    named = exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "contact")
    mine = [R.requester_id == user.id, named]
    if can(user, "organization.manage_members", org):
        # The organization's managers answer for its standard requests too.
        mine.append(and_(R.organization_id == org.id, R.confidentiality == "standard"))
    query = visible_requests(user, org).where(_states_where(lambda s: s.waiting_on == "member"), or_(*mine))
    rows, total = _listing(query, (R.state_changed_at,))
    return render("dashboard/_waiting_on_me.html", "dashboard/_waiting_on_me.html", rows=rows, total=total)


# -- expert -----------------------------------------------------------------------------------


def _expert_widget(template: str, query, order, link_args: dict, *options):
    rows, total = _listing(query, order, selectinload(R.organization), *options)
    return render(template, template, rows=rows, total=total, link_args=link_args)


@bp.get("/widgets/my-queue")
@login_required
def my_queue_widget():
    user = signed_in_user()
    require("dashboard.expert")
    assigned = exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "assignee")
    query = visible_requests(user).where(assigned, _is_open())
    return _expert_widget("dashboard/_my_queue.html", query, (R.created_at,),
                          {"assignee": "me", "open": 1, "sort": "created"})


@bp.get("/widgets/unassigned")
@login_required
def unassigned_widget():
    user = signed_in_user()
    require("dashboard.expert")
    anyone = exists().where(P.request_id == R.id, P.role == "assignee")
    query = visible_requests(user).where(R.field.in_(user.field_slugs), ~anyone, _is_open())
    return _expert_widget("dashboard/_unassigned.html", query, (R.created_at,),
                          {"assignee": "none", "open": 1, "sort": "created"})


@bp.get("/widgets/overdue")
@login_required
def overdue_widget():
    user = signed_in_user()
    require("dashboard.expert")
    query = visible_requests(user).where(_is_open(), overdue())
    return _expert_widget("dashboard/_overdue.html", query, (R.due_at,), {"overdue": 1, "sort": "due"},
                          selectinload(R.participants).selectinload(P.user))


# -- admin ------------------------------------------------------------------------------------


@bp.get("/widgets/volume")
@login_required
def volume_widget():
    user = signed_in_user()
    require("dashboard.admin")
    since = _month_start()
    query = (
        visible_requests(user)
        .with_only_columns(R.field, R.state, func.count(R.id))
        .where(R.created_at >= since)
        .group_by(R.field, R.state)
    )
    cells: dict[tuple[str, str], int] = {}
    for field, state, count in db.session.execute(query):
        cells[(field, state)] = count
    order = {slug: i for i, slug in enumerate(host().fields)}
    fields = sorted({f for f, _ in cells}, key=lambda f: (order.get(f, len(order)), f))
    labels = _state_labels()
    states = sorted({s for _, s in cells}, key=lambda s: (list(labels).index(s) if s in labels else len(labels), s))
    table = {
        "fields": [(f, host().field_label(f)) for f in fields],
        "states": [(s, labels.get(s, s)) for s in states],
        "cells": cells,
        "field_totals": {f: sum(c for (ff, _), c in cells.items() if ff == f) for f in fields},
        "state_totals": {s: sum(c for (_, ss), c in cells.items() if ss == s) for s in states},
        "total": sum(cells.values()),
    }
    return render("dashboard/_volume.html", "dashboard/_volume.html", since=since, **table)


@bp.get("/widgets/glance")
@login_required
def glance_widget():
    user = signed_in_user()
    require("dashboard.admin")
    figures = glance(visible_requests(user))
    return render("dashboard/_glance.html", "dashboard/_glance.html", g=figures, growth=growth,
                  field_label=host().field_label, number=format_number, hm=format_minutes, money=format_money)
