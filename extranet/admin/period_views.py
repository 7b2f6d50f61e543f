"""The year's and month's end for every organization at once: copy the hour agreements of a year
to the next, close a month's statements. Each page previews what it will do (the GET), the
admin confirms (the POST), and is sent back to the page (Post/Redirect/Get: a reload asks for
nothing again) with the run's id, whose outcome says, organization by organization, what was
done and what was skipped because it was done already."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import login_required

from extranet.extensions import db
from extranet.hours import bulk
from extranet.hours import statements as st
from extranet.hours.units import month_start
from extranet.plugins import host
from extranet.policy import require
from extranet.web.htmx import hx_redirect, render
from extranet.web.ids import arg_id, arg_number
from extranet.web.lookups import signed_in_user

bp = Blueprint("period_end", __name__, url_prefix="/admin")

MONTHS_OFFERED = 24  # the months one may close, counted back from the last one that is over


@bp.before_request
@login_required
def only_admins():
    require("admin.access")


def _years() -> list[int]:
    this = date.today().year
    return list(range(this + 1, this - 6, -1))


@bp.route("/agreements/copy", methods=["GET", "POST"])
def copy_agreements():
    require("hours.manage")
    this = date.today().year
    source = request.form if request.method == "POST" else request.args
    year = arg_number("year", this - 5, this + 1, default=this, args=source)
    label = host().field_label
    if request.method == "GET":
        run = arg_id("run")
        done = None if run is None else bulk.agreement_copy_outcome(run, year)
        if done is not None:
            return render("admin/agreements_copy.html", step="done", year=year, years=_years(), plan=done,
                          to_create=0, field_name=label)
        plan = bulk.plan_agreement_copy(year)
        return render("admin/agreements_copy.html", step="preview", year=year, years=_years(), plan=plan,
                      to_create=sum(not item.existed for item in plan), field_name=label)
    plan, run = bulk.copy_agreements(year)
    db.session.commit()
    created = sum(item.created for item in plan)
    flash(_("Agreements copied to %(year)d: %(created)d; skipped because they existed already: %(skipped)d.",
            created=created, skipped=len(plan) - created, year=year + 1), "success")
    return hx_redirect(url_for("period_end.copy_agreements", year=year, run=run))


def _months(today: date) -> list[date]:
    """The months that are over, the most recent first."""
    last, months = month_start(today.replace(day=1) - date.resolution), []
    for _i in range(MONTHS_OFFERED):
        months.append(last)
        last = month_start(last - date.resolution)
    return months


@bp.route("/statements/close", methods=["GET", "POST"])
def close_month():
    require("statements.close")
    today = date.today()
    months = _months(today)
    source = request.form if request.method == "POST" else request.args
    month = st.parse_month(source.get("month"))
    if month not in months:  # a month not over yet (refused at the POST) or absent: the last one over
        month = months[0] if request.method == "GET" or month is None else month
    context = {"months": [(st.month_key(m), format_date(m, "MMMM yyyy")) for m in months],
               "month": month, "month_key": st.month_key(month), "month_name": format_date(month, "MMMM yyyy")}
    if request.method == "GET":
        run = arg_id("run")
        done = None if run is None else bulk.month_close_outcome(run, month)
        if done is not None:
            return render("admin/month_close.html", step="done", plan=done, to_close=0, **context)
        plan = bulk.plan_month_close(month)
        return render("admin/month_close.html", step="preview", plan=plan,
                      to_close=sum(not item.was_closed for item in plan), **context)
    try:
        plan, run = bulk.close_month(month, signed_in_user(), today=today)
    except st.MonthNotOver:  # a refused form: answered in place, with the reason
        db.session.rollback()
        flash(_("A month can be closed only once it is over."), "error")
        return render("admin/month_close.html", step="preview", status=422, plan=bulk.plan_month_close(month),
                      to_close=0, **context)
    db.session.commit()
    closed = sum(item.closed for item in plan)
    flash(_("Statements of %(month)s closed: %(closed)d; skipped because they were closed already: %(skipped)d.",
            closed=closed, skipped=len(plan) - closed, month=context["month_name"]), "success")
    return hx_redirect(url_for("period_end.close_month", month=context["month_key"], run=run))
