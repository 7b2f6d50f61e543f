"""Service hours: time on a request (an HTMX panel of the request page), the weekly timesheet,
the hour bank, agreements and module hour settings (admins), and the satisfaction survey."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import login_required
from htmx_flask import request as htmx_request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from extranet import modules
from extranet.accounts.models import User
from extranet.extensions import db
from extranet.hours import service
from extranet.hours.balances import (
    agreements_used_at_least,
    balance,
    balances,
    balances_of_agreements,
    request_totals,
)
from extranet.hours.forms import (
    AgreementForm,
    HourSettingsForm,
    SatisfactionForm,
    TimeEntryForm,
    TimesheetEntryForm,
)
from extranet.hours.models import ACTIVITIES, Agreement, Satisfaction, TimeEntry
from extranet.hours.units import (
    format_minutes,
    format_money,
    hours_decimal,
    iso_week,
    money_decimal,
    parse_iso_week,
)
from extranet.organizations.models import Organization
from extranet.plugins import host
from extranet.policy import can, current_organization, require
from extranet.requests.models import ServiceRequest
from extranet.requests.rules import visible_requests
from extranet.requests.views import is_open
from extranet.web.htmx import render, wants_fragment
from extranet.web.ids import arg_id, arg_number
from extranet.web.lookups import request_or_404, row_or_404, signed_in_user
from extranet.web.pager import bounded_page

bp = Blueprint("hours", __name__, url_prefix="/hours")

LOGGED = "time-logged"  # the HX-Trigger event sent after time is logged, changed or deleted



@bp.app_template_filter("hm")
def _hm(minutes):
    return format_minutes(minutes)


@bp.app_template_filter("money")
def _money(cents):
    return format_money(cents)


@bp.app_template_global("activity_label")
def _activity_label(slug: str) -> str:
    label = ACTIVITIES.get(slug)
    return str(label) if label else slug



def closed_message(day: date) -> str:
    return _("%(month)s is closed: its time entries can no longer change.",
             month=format_date(day, "MMMM yyyy"))


def entry_values(form: TimeEntryForm) -> dict:
    return {"day": form.date.data, "minutes": form.minutes, "activity": form.activity.data,
            "billable": bool(form.billable.data), "note": form.note.data or ""}


# -- the panel of a request ----------------------------------------------------------------------

RECENT_ENTRIES = 5  # time entries the request page's panel shows; its own page shows them all


def on_request_page(req: ServiceRequest) -> bool:
    """The panel is swapped into the request's page (not its own page, where it lists all)."""
    current = htmx_request.htmx.current_url if wants_fragment() else None
    return bool(current) and urlsplit(current).path == url_for("requests.detail", reference=req.reference)


def _panel_context(req: ServiceRequest, user, form: TimeEntryForm | None = None,
                   rating_form: SatisfactionForm | None = None, notice: str | None = None) -> dict:
    context = {"req": req, "notice": notice, "see_time": can(user, "time.view", req),
               "can_log": can(user, "time.log", req), "see_notes": can(user, "time.see_notes", req)}
    if context["see_time"]:
        entries = select(TimeEntry).where(TimeEntry.request_id == req.id)
        summary = on_request_page(req)
        if summary:
            # In the request's side panel: the last few entries, read as such, and a link to
            # the panel's own page with all of them (their notes and actions).
            entries = entries.limit(RECENT_ENTRIES + 1)
        context["entries"] = db.session.scalars(
            entries.options(selectinload(TimeEntry.expert)).order_by(TimeEntry.date.desc(), TimeEntry.id.desc())
        ).all()
        context["summary"] = summary
        context["recent_entries"] = RECENT_ENTRIES
        context["totals"] = request_totals(req.id)
        year = date.today().year
        context["balance"] = None
        if context["can_log"] or can(user, "hours.view_field_balance", (req.organization, req.field)):
            context["balance"] = balance(req.organization_id, req.field, year)
    if context["can_log"]:
        context["form"] = form or TimeEntryForm(formdata=None)
    if can(user, "request.see_rating", req):
        context["rating"] = db.session.scalar(select(Satisfaction).where(Satisfaction.request_id == req.id))
        if can(user, "request.rate", req):
            context["rating_form"] = rating_form or SatisfactionForm(formdata=None)
    return context


def _panel(req: ServiceRequest, status: int = 200, event: bool = False, **kwargs):
    response = render("hours/request.html", "hours/_request_panel.html", status=status,
                      **_panel_context(req, signed_in_user(), **kwargs))
    if event:
        response.headers["HX-Trigger"] = LOGGED
    return response


def _back_to(req: ServiceRequest, day: date | None = None):
    """Back where the change was made: the timesheet of ``day``'s week (``back=timesheet``) or
    the request's page."""
    if request.values.get("back") == "timesheet" and day is not None:
        return redirect(url_for("hours.timesheet", week=iso_week(day)), 303)
    return redirect(url_for("requests.detail", reference=req.reference) + "#hours-panel", 303)


@bp.get("/requests/<reference>")
@login_required
def request_panel(reference: str):
    """The time and satisfaction panel of a request, loaded lazily by its page (or a page of its
    own without JavaScript)."""
    req = request_or_404(reference)
    user = signed_in_user()
    if not (can(user, "time.view", req) or can(user, "request.see_rating", req)):
        abort(404)
    return _panel(req)


@bp.post("/requests/<reference>/time")
@login_required
def log_time(reference: str):
    user = signed_in_user()
    req = request_or_404(reference, "time.log")
    form = TimeEntryForm()
    if not form.validate_on_submit():
        return _panel(req, status=422, form=form)
    try:
        entry = service.log_time(req, user, **entry_values(form))
    except service.MonthClosed as closed:
        form.date.errors.append(closed_message(closed.day))
        return _panel(req, status=422, form=form)
    db.session.commit()
    host().after_commit("extranet_time_logged", entry=entry)
    notice = _("%(duration)s logged on %(ref)s.", duration=format_minutes(entry.minutes), ref=req.reference)
    if wants_fragment():
        return _panel(req, event=True, notice=notice)
    flash(notice, "success")
    return _back_to(req)


@bp.route("/entries/<id:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    entry = row_or_404(TimeEntry, entry_id, "time.edit")
    req = entry.request
    if request.method == "GET":
        form = TimeEntryForm(formdata=None, obj=entry)
        form.duration.data = f"{entry.minutes // 60}:{entry.minutes % 60:02d}"
    else:
        form = TimeEntryForm()
    closed = service.month_closed(req.organization_id, entry.date)
    if request.method == "POST" and form.validate_on_submit():
        try:
            service.change_entry(entry, signed_in_user(), **entry_values(form))
        except service.MonthClosed as closed_month:
            form.date.errors.append(closed_message(closed_month.day))
        else:
            db.session.commit()
            flash(_("The time entry is saved."), "success")
            return _back_to(req, entry.date)
    status = 422 if form.errors else 200
    back = request.values.get("back") == "timesheet"
    cancel = (url_for("hours.timesheet", week=iso_week(entry.date)) if back
              else url_for("requests.detail", reference=req.reference))
    return render("hours/entry_edit.html", entry=entry, req=req, form=form, closed=closed, status=status,
                  back=back, cancel=cancel)


@bp.post("/entries/<id:entry_id>/delete")
@login_required
def delete_entry(entry_id: int):
    entry = row_or_404(TimeEntry, entry_id, "time.edit")
    req, day = entry.request, entry.date
    try:
        service.delete_entry(entry)
    except service.MonthClosed as closed:
        message = closed_message(closed.day)
        if wants_fragment():
            return _panel(req, status=409, notice=message)
        flash(message, "error")
        return _back_to(req, day)
    db.session.commit()
    notice = _("The time entry is deleted.")
    if wants_fragment():
        return _panel(req, event=True, notice=notice)
    flash(notice, "success")
    return _back_to(req, day)


@bp.post("/requests/<reference>/rate")
@login_required
def rate(reference: str):
    req = request_or_404(reference, "request.rate")
    form = SatisfactionForm()
    if not form.validate_on_submit():
        return _panel(req, status=422, rating_form=form)
    service.rate_request(req, signed_in_user(), int(form.rating.data), form.comment.data or "")
    try:
        db.session.commit()
    except IntegrityError:  # rated meanwhile by a colleague: once per request
        db.session.rollback()
        abort(404)
    notice = _("Thank you for your answer.")
    if wants_fragment():
        return _panel(req, notice=notice)
    flash(notice, "success")
    return _back_to(req)


# -- the weekly timesheet -----------------------------------------------------------------------


CHOICES_LIMIT = 300  # open requests offered on the timesheet; others are logged from their page


def _loggable_choices(user, also=()) -> list[tuple[int, str]]:
    """The open requests ``user`` may log time on (their fields' ones, every field for admins),
    newest first, and ``also`` (the week's rows): one query.

    The query is the rule ``time.log`` itself (a request one sees, of a field whose module is on
    and that one serves, or any for admins), so its 300 rows are read as three columns and not
    judged one by one (≈ 15 ms at ×10); the week's rows are. Logging checks the rule again."""
    R = ServiceRequest
    fields = [f.slug for f in host().enabled_fields() if user.is_admin or f.slug in user.field_slugs]
    query = (visible_requests(user).where(is_open(), R.field.in_(fields or ["-"]))
             .with_only_columns(R.id, R.reference, R.title)
             .order_by(R.created_at.desc(), R.id.desc()).limit(CHOICES_LIMIT))
    rows = [tuple(row) for row in db.session.execute(query)]
    seen = {number for number, _reference, _title in rows}
    rows += [(r.id, r.reference, r.title) for r in also if r.id not in seen and can(user, "time.log", r)]
    return [(number, f"{reference} · {title}") for number, reference, title in rows]


def _timesheet_form(user, rows=(), **kwargs) -> TimesheetEntryForm:
    form = TimesheetEntryForm(**kwargs)
    form.request_id.choices = _loggable_choices(user, rows)
    return form


@bp.get("/timesheet")
@login_required
def timesheet():
    user = signed_in_user()
    experts = _experts(user)
    expert = user if user in experts or not experts else experts[0]
    if request.args.get("expert"):  # whose timesheet: one that cannot be an id is nobody's (404)
        expert = db.session.get(User, arg_id("expert") or 0)
    require("time.timesheet", expert)
    return _timesheet_page(user, expert, parse_iso_week(request.args.get("week")), experts)


def _experts(user) -> list:
    """The experts whose timesheet an admin may choose (nobody else chooses)."""
    if not can(user, "hours.manage"):
        return []
    return db.session.scalars(select(User).where(User.is_expert.is_(True)).order_by(User.name)).all()


def _timesheet_page(user, expert, monday: date, experts: list, form: TimesheetEntryForm | None = None,
                    status: int = 200):
    days = [monday + timedelta(days=i) for i in range(7)]
    entries = db.session.scalars(
        select(TimeEntry).where(TimeEntry.expert_id == expert.id, TimeEntry.date >= days[0], TimeEntry.date <= days[-1])
        # What the policy reads to link each request (``request.view``), loaded at once.
        .options(selectinload(TimeEntry.request).options(selectinload(ServiceRequest.organization),
                                                         selectinload(ServiceRequest.participants)))
        .order_by(TimeEntry.date, TimeEntry.id)
    ).all()
    rows: dict[int, dict] = {}
    by_day = defaultdict(int)
    for entry in entries:
        row = rows.setdefault(entry.request_id, {"req": entry.request, "cells": [0] * 7, "total": 0, "billable": 0})
        row["cells"][(entry.date - monday).days] += entry.minutes
        row["total"] += entry.minutes
        row["billable"] += entry.minutes if entry.billable else 0
        by_day[(entry.date - monday).days] += entry.minutes
    own = expert.id == user.id
    if own and form is None:
        today = date.today()
        form = _timesheet_form(user, [r["req"] for r in rows.values()], formdata=None)
        form.date.data = today if days[0] <= today <= days[-1] else days[0]
    week_total = sum(by_day.values())
    capacity = expert.weekly_capacity_minutes
    return render(
        "hours/timesheet.html", "hours/_timesheet.html", status=status,
        expert=expert, days=days, rows=sorted(rows.values(), key=lambda r: r["req"].reference),
        day_totals=[by_day[i] for i in range(7)], week_total=week_total,
        billable_total=sum(r["billable"] for r in rows.values()), entries=entries, form=form if own else None,
        capacity=capacity, load=round(week_total * 100 / capacity) if capacity else None,
        week=iso_week(monday), previous_week=iso_week(monday - timedelta(days=7)),
        next_week=iso_week(monday + timedelta(days=7)), this_week=iso_week(date.today()),
        experts=experts,
        expert_arg=request.args.get("expert") if expert.id != user.id else None,
    )


@bp.post("/timesheet/time")
@login_required
def timesheet_log():
    """Time logged from one's own timesheet, on a request chosen in the form."""
    user = signed_in_user()
    require("time.timesheet", user)
    form = _timesheet_form(user)
    if not form.validate_on_submit():
        return _timesheet_page(user, user, parse_iso_week(iso_week(form.date.data or date.today())),
                               _experts(user), form, 422)
    req = row_or_404(ServiceRequest, form.request_id.data, "time.log")
    try:
        entry = service.log_time(req, user, **entry_values(form))
    except service.MonthClosed as closed:
        form.date.errors.append(closed_message(closed.day))
        return _timesheet_page(user, user, parse_iso_week(iso_week(form.date.data)), _experts(user), form, 422)
    db.session.commit()
    host().after_commit("extranet_time_logged", entry=entry)
    flash(_("%(duration)s logged on %(ref)s.", duration=format_minutes(entry.minutes), ref=req.reference), "success")
    return redirect(url_for("hours.timesheet", week=iso_week(entry.date)), 303)


# -- the hour bank ---------------------------------------------------------------------------------


def _year_arg() -> int:
    return arg_number("year", 2000, 2100, default=date.today().year)


def _balances_of(org: Organization, year: int, user) -> list:
    have = set(db.session.scalars(
        select(Agreement.field).where(Agreement.organization_id == org.id, Agreement.year == year)
    ))
    fields = [slug for slug in host().fields if slug in org.subscribed_fields or slug in have]
    fields = [slug for slug in fields if can(user, "hours.view_field_balance", (org, slug))]
    found = balances(org.id, year, fields)
    return [(host().fields[slug], found[slug]) for slug in fields]


@bp.get("/")
@login_required
def index():
    user = signed_in_user()
    org = current_organization()
    require("hours.menu", org)
    organizations = []
    if can(user, "hours.manage"):
        organizations = db.session.scalars(
            select(Organization).where(Organization.active.is_(True)).order_by(Organization.name)
        ).all()
        chosen = arg_id("organization")
        if chosen:
            org = db.session.get(Organization, chosen)
    year = _year_arg()
    shown = org is not None and can(user, "hours.view_balance", org)
    return render(
        "hours/index.html", organization=org if shown else None, year=year,
        balances=_balances_of(org, year, user) if shown else [], organizations=organizations,
    )


@bp.get("/widget")
@login_required
def widget():
    user, org = signed_in_user(), current_organization()
    require("hours.view_balance", org)
    year = date.today().year
    return render("hours/_widget.html", organization=org, year=year, balances=_balances_of(org, year, user))


# -- agreements and module settings (admins) -----------------------------------------------------


def _agreement_form(agreement: Agreement | None = None) -> AgreementForm:
    if request.method == "POST":
        form = AgreementForm()
    else:
        form = AgreementForm(formdata=None, obj=agreement)
        if agreement is None:
            form.year.data = date.today().year
        else:
            form.hours.data = str(hours_decimal(agreement.minutes_allotted)).rstrip("0").rstrip(".")
            form.hourly_rate.data = str(money_decimal(agreement.hourly_rate_cents))
            form.overage_rate.data = str(money_decimal(agreement.overage_rate_cents))
    form.organization_id.choices = [
        (o.id, o.name) for o in db.session.scalars(
            select(Organization).where(Organization.active.is_(True)).order_by(Organization.name)
        )
    ]
    if agreement is not None and agreement.organization_id not in {c[0] for c in form.organization_id.choices}:
        form.organization_id.choices.append((agreement.organization_id, agreement.organization.name))
    form.field.choices = [(slug, str(f.label)) for slug, f in host().fields.items()]
    return form


def _save_agreement(form: AgreementForm, agreement: Agreement | None):
    """Validate and save; None when the form is invalid or the (organization, field, year)
    already has an agreement."""
    if not form.validate_on_submit():
        return None
    try:
        agreement = service.save_agreement(
            agreement, organization_id=form.organization_id.data, field=form.field.data, year=form.year.data,
            minutes_allotted=form.hours.minutes, hourly_rate_cents=form.hourly_rate.cents,
            overage_rate_cents=form.overage_rate.cents, carry_over=form.carry_over.data,
        )
    except service.AgreementTaken:
        form.year.errors.append(_("An agreement already exists for this organization, field and year."))
        return None
    db.session.commit()
    return agreement


@bp.get("/agreements")
@login_required
def agreements():
    require("hours.manage")
    query = select(Agreement).options(selectinload(Agreement.organization))
    # Filters: a number out of range is ignored, as a word is.
    year = arg_number("year", 2000, 2100)
    if year:
        query = query.where(Agreement.year == year)
    organization_id = arg_id("organization")
    if organization_id:
        query = query.where(Agreement.organization_id == organization_id)
    if request.args.get("field"):
        query = query.where(Agreement.field == request.args["field"])
    usage = arg_number("usage", 1, 1000)
    if usage:  # the dashboard's "hour banks above 80 %"
        query = query.where(Agreement.id.in_(agreements_used_at_least(usage, year or None)))
    query = query.join(Organization).order_by(Agreement.year.desc(), Organization.name, Agreement.field)
    # An agreement per organization, field and year (24,000 at ×10): a bounded count.
    page = bounded_page(query)
    settings = {}
    for slug in host().fields:
        form = HourSettingsForm(formdata=None, prefix=slug)
        form.members_see_hours.data = modules.members_see_hours(slug)
        form.members_see_time_notes.data = modules.members_see_notes(slug)
        settings[slug] = form
    organizations = db.session.scalars(select(Organization).order_by(Organization.name)).all()
    return render(
        "hours/agreements.html", "hours/_agreements.html", page=page, args=request.args,
        found=balances_of_agreements(list(page.items)), organizations=organizations,
        fields=host().fields, settings=settings, field_label=host().field_label,
    )


@bp.route("/agreements/new", methods=["GET", "POST"])
@login_required
def new_agreement():
    require("hours.manage")
    form = _agreement_form()
    if request.method == "POST" and _save_agreement(form, None) is not None:
        flash(_("The agreement is saved."), "success")
        return redirect(url_for("hours.agreements"), 303)
    return render("hours/agreement_form.html", form=form, agreement=None, status=422 if form.errors else 200)


@bp.route("/agreements/<id:agreement_id>", methods=["GET", "POST"])
@login_required
def edit_agreement(agreement_id: int):
    require("hours.manage")
    agreement = row_or_404(Agreement, agreement_id)
    form = _agreement_form(agreement)
    if request.method == "POST" and _save_agreement(form, agreement) is not None:
        flash(_("The agreement is saved."), "success")
        return redirect(url_for("hours.agreements"), 303)
    return render("hours/agreement_form.html", form=form, agreement=agreement,
                  status=422 if form.errors else 200)


@bp.post("/settings/<field>")
@login_required
def module_settings(field: str):
    require("hours.manage")
    if field not in host().fields:
        abort(404)
    form = HourSettingsForm(prefix=field)
    if not form.validate_on_submit():
        abort(400)
    service.change_hour_settings(field, members_see_hours=bool(form.members_see_hours.data),
                                 members_see_notes=bool(form.members_see_time_notes.data))
    db.session.commit()
    flash(_("The hour settings of %(field)s are saved.", field=host().field_label(field)), "success")
    return redirect(url_for("hours.agreements"), 303)
