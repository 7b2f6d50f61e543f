"""The service targets' pages: the calendar and the targets (Administration), and the report."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import login_required

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.plugins import host
from extranet.policy import require
from extranet.requests.models import PRIORITIES
from extranet.servicetargets import service
from extranet.servicetargets.calendar import closed_days, forget, settings, working_calendar
from extranet.servicetargets.forms import (
    CalendarForm,
    ClosedDayForm,
    RemoveClosedDayForm,
    target_name,
    targets_form,
)
from extranet.servicetargets.holidays import quebec_holidays
from extranet.servicetargets.report import service_target_report
from extranet.web.htmx import render
from extranet.web.ids import arg_number

bp = Blueprint("servicetargets", __name__)


def _types_of(field: str):
    return sorted((t for t in host().request_types.values() if t.field == field), key=lambda t: t.order)


def _targets_form(field: str, formdata=None):
    form = targets_form(_types_of(field))(formdata=formdata, prefix=field)
    if formdata is None:
        for (type_slug, priority), (first, resolution) in service.current_targets(
                field, _types_of(field), PRIORITIES).items():
            for kind, minutes in (("first", first), ("resolution", resolution)):
                if minutes is not None:
                    form[target_name(type_slug, priority, kind)].data = round(minutes / 60, 2)
    return form


def _page(status=200, **forms):
    row = settings()
    calendar_form = forms.get("calendar_form")
    if calendar_form is None:
        calendar_form = CalendarForm(formdata=None, weekdays=row.weekdays.split(","), opens=row.opens,
                                     closes=row.closes, timezone=row.timezone)
    year = utcnow().astimezone(working_calendar().zone).year
    targets = {slug: forms.get(f"targets_{slug}") or _targets_form(slug) for slug in host().fields}
    return render(
        "servicetargets/admin.html", calendar_form=calendar_form,
        closed_day_form=forms.get("closed_day_form") or ClosedDayForm(formdata=None),
        remove_form=RemoveClosedDayForm(formdata=None), closed_days=closed_days(),
        holidays=sorted(quebec_holidays(year).items()), year=year, fields=host().fields,
        types_of=_types_of, priorities=PRIORITIES, targets=targets, target_name=target_name,
        status=status,
    )


@bp.get("/admin/service-targets")
@login_required
def admin():
    require("servicetargets.manage")
    return _page()


@bp.post("/admin/service-targets/calendar")
@login_required
def save_calendar():
    require("servicetargets.manage")
    form = CalendarForm()
    if not form.validate_on_submit():
        return _page(422, calendar_form=form)
    service.save_calendar(form.weekdays.data or [], form.opens.data, form.closes.data, form.timezone.data)
    db.session.commit()
    forget()
    flash(_("The working calendar is saved."), "success")
    return redirect(url_for("servicetargets.admin"), 303)


@bp.post("/admin/service-targets/closed-days")
@login_required
def add_closed_day():
    require("servicetargets.manage")
    form = ClosedDayForm()
    if not form.validate_on_submit():
        return _page(422, closed_day_form=form)
    service.add_closed_day(form.day.data, form.label.data or "")
    db.session.commit()
    flash(_("The cooperative is closed on %(day)s.", day=format_date(form.day.data, "long")), "success")
    return redirect(url_for("servicetargets.admin"), 303)


@bp.post("/admin/service-targets/closed-days/remove")
@login_required
def remove_closed_day():
    require("servicetargets.manage")
    form = RemoveClosedDayForm()
    if not form.validate_on_submit() or not service.remove_closed_day(form.day.data):
        abort(404)
    db.session.commit()
    flash(_("%(day)s is a working day again.", day=format_date(form.day.data, "long")), "success")
    return redirect(url_for("servicetargets.admin"), 303)


@bp.post("/admin/service-targets/targets/<field>")
@login_required
def save_targets(field: str):
    require("servicetargets.manage")
    if field not in host().fields:
        abort(404)
    form = _targets_form(field, formdata=request.form)
    if not form.validate_on_submit():
        return _page(422, **{f"targets_{field}": form})
    values = {
        (t.slug, p): (form[target_name(t.slug, p, "first")].data, form[target_name(t.slug, p, "resolution")].data)
        for t in _types_of(field) for p in PRIORITIES
    }
    recomputed = service.save_targets(field, values)
    db.session.commit()
    if recomputed:
        flash(ngettext("The service targets of %(field)s are saved; the deadlines of %(num)d open request "
                       "follow them.",
                       "The service targets of %(field)s are saved; the deadlines of %(num)d open requests "
                       "follow them.", recomputed, field=host().field_label(field)), "success")
    else:
        flash(_("The service targets of %(field)s are saved.", field=host().field_label(field)), "success")
    return redirect(url_for("servicetargets.admin", _anchor=f"targets-{field}"), 303)


@bp.get("/reports/service-targets")
@login_required
def report():
    require("reports.view")
    this_year = utcnow().astimezone(working_calendar().zone).year
    year = arg_number("year", 2000, this_year + 1, default=this_year)
    return render("servicetargets/report.html", rows=service_target_report(year), year=year,
                  years=range(this_year, this_year - 5, -1), field_label=host().field_label)
