"""Reports: admin reports, monthly statements, the annual activity report, their exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from extranet.access import service as access
from extranet.extensions import db
from extranet.hours import statements as st
from extranet.hours.models import Statement
from extranet.hours.units import format_money, hours_decimal, money_decimal
from extranet.organizations.models import Organization
from extranet.plugins import host
from extranet.policy import current_organization, require
from extranet.reports import charts, service
from extranet.reports.exports import Column, Table, download
from extranet.web.htmx import render
from extranet.web.ids import arg_id, arg_number, page_arg
from extranet.web.lookups import row_or_404
from extranet.web.pager import PageLinks

bp = Blueprint("reports", __name__, url_prefix="/reports")

FORMATS = ("csv", "xlsx")
FIRST_YEAR = 2000


# -- formatting (templates and charts) --------------------------------------------------------


@bp.app_template_filter("report_hours")
def report_hours(minutes) -> str:
    """Minutes as decimal hours with two places, per locale: 90 → "1.50" ("1,50")."""
    return format_decimal(hours_decimal(minutes or 0), format="#,##0.00")


@bp.app_template_filter("report_money")
def report_money(cents) -> str:
    return format_money(cents or 0)


@bp.app_template_filter("report_percent")
def report_percent(value) -> str:
    if value is None:
        return "—"
    return gettext("%(value)s%%", value=format_decimal(value, format="#,##0.0"))


@bp.app_template_filter("report_growth")
def report_growth(value) -> str:
    if value is None:
        return "—"
    return gettext("%(value)s%%", value=format_decimal(value, format="+#,##0.0;-#,##0.0"))


@bp.app_template_filter("report_month")
def report_month(month: date) -> str:
    return format_date(month, "MMMM yyyy")


def _month_names() -> dict[int, str]:
    return {m: format_date(date(2000, m, 1), "MMMM") for m in range(1, 13)}


def month_label(number: int) -> str:
    return format_date(date(2000, number, 1), "MMM")


def _hours_value(minutes: int) -> Decimal:
    return hours_decimal(minutes)


def _this_year_and_last(year: str, previous: str, rows, minutes: str) -> list:
    """A chart's two series from ``(key, this period, same period a year before)`` rows: the
    hours of each period's ``minutes`` attribute, labelled by its year."""
    return [(year, [_hours_value(getattr(now, minutes)) for _key, now, _before in rows]),
            (previous, [_hours_value(getattr(before, minutes)) for _key, _now, before in rows])]


def _hours_text(value) -> str:
    return format_decimal(Decimal(value).quantize(Decimal("0.01")), format="#,##0.00")


def _money(cents: int) -> Decimal:
    return money_decimal(cents).quantize(Decimal("0.01"))


def _percent_text(value) -> str:
    return report_percent(Decimal(value).quantize(Decimal("0.1")))


# -- arguments ----------------------------------------------------------------------------------


def _year() -> int:
    today = date.today()
    return arg_number("year", FIRST_YEAR, today.year + 1, default=today.year)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        abort(404)
    return fmt



def _month(text: str) -> date:
    month = st.parse_month(text)
    if month is None:
        abort(404)
    return month


def _years() -> list[int]:
    return list(range(date.today().year + 1, FIRST_YEAR - 1, -1))[:12]


# -- admin reports ------------------------------------------------------------------------------


def _filters() -> service.Filters:
    slug = request.args.get("field") or None
    return service.Filters(
        year=_year(),
        field=slug if slug in host().fields else None,
        organization_id=arg_id("organization"),
        federation_id=arg_id("federation"),
    )


def _report(filters):
    capacity = current_app.config.get("EXPERT_MONTHLY_CAPACITY_HOURS", 120)
    return service.admin_report(filters, capacity)


def _report_charts(report: service.Report) -> dict:
    year, previous = str(report.period.year), str(report.period.year - 1)
    months = [month_label(m) for m, _c, _p in report.by_month]
    top = report.top_organizations
    return {
        "by_field": charts.bar_chart(
            "chart-fields", gettext("Billable hours by field"),
            gettext("Billable hours per field in %(year)s and in the same period of %(previous)s.",
                    year=year, previous=previous),
            [host().field_label(slug) for slug, _c, _p in report.by_field],
            _this_year_and_last(year, previous, report.by_field, "billable_minutes"),
            _hours_text, gettext("Hours"), gettext("Field"),
        ),
        "by_month": charts.line_chart(
            "chart-months", gettext("Billable hours by month"),
            gettext("Billable hours per month in %(year)s compared with %(previous)s.", year=year, previous=previous),
            months,
            _this_year_and_last(year, previous, report.by_month, "billable_minutes"),
            _hours_text, gettext("Hours"), gettext("Month"),
        ),
        "top": charts.bar_chart(
            "chart-top", gettext("Top organizations by billable hours"),
            gettext("The %(count)s organizations with the most billable hours in %(year)s.",
                    count=len(top), year=year),
            [name for _id, name, _c, _p in top],
            [(year, [_hours_value(c.billable_minutes) for _i, _n, c, _p in top])],
            _hours_text, gettext("Hours"), gettext("Organization"),
        ),
        "experts": charts.bar_chart(
            "chart-experts", gettext("Expert utilisation"),
            gettext("Billable hours of each expert as a share of a capacity of %(hours)s hours.",
                    hours=_hours_text(_hours_value(report.capacity_minutes))),
            [name for _i, name, _m, _c, _p in report.experts[:TOP_EXPERTS]],
            [(gettext("Utilisation"), [p or 0 for _i, _n, _m, _c, p in report.experts[:TOP_EXPERTS]])],
            _percent_text, gettext("Share of capacity"), gettext("Expert"),
        ),
    }


TOP_EXPERTS = 15


@bp.get("/")
@login_required
def index():
    require("reports.view")
    filters = _filters()
    report = _report(filters)
    orgs = report.organizations
    return render(
        "reports/index.html", "reports/_report.html",
        report=report, charts=_report_charts(report), field_name=host().field_label, years=_years(),
        fields=sorted(host().fields.values(), key=lambda f: f.order),
        organization_choices=sorted(((i, n) for i, (n, k, _p) in orgs.items() if k != "federation"),
                                    key=lambda o: o[1].casefold()),
        federation_choices=sorted(((i, n) for i, (n, k, _p) in orgs.items() if k == "federation"),
                                  key=lambda o: o[1].casefold()),
        top_experts=TOP_EXPERTS, export_args=filters.args(), growth=report.growth, month_names=_month_names(),
    )


def report_tables(report: service.Report) -> list[Table]:
    year, previous = report.period.year, report.period.year - 1
    hours = lambda y: _l("Billable hours %(year)s", year=y)  # noqa: E731
    money = lambda y: _l("Revenue %(year)s", year=y)  # noqa: E731
    totals = [Column(str(_l("Measure"))), Column(str(year), "number"),
              Column(str(previous), "number"), Column(str(_l("Growth (%)")), "percent")]
    summary = Table(str(_l("Summary")), totals, [
        [str(_l("Billable hours")), hours_decimal(report.current.billable_minutes),
         hours_decimal(report.previous.billable_minutes), report.hours_growth],
        [str(_l("Revenue")), _money(report.current.cents), _money(report.previous.cents),
         report.revenue_growth],
    ])
    columns = [Column(str(hours(year)), "hours"), Column(str(money(year)), "money"),
               Column(str(hours(previous)), "hours"), Column(str(money(previous)), "money")]
    by_field = Table(str(_l("By field")), [Column(str(_l("Field")))] + columns, [
        [host().field_label(slug), c.billable_minutes, c.cents, p.billable_minutes, p.cents]
        for slug, c, p in report.by_field
    ])
    by_month = Table(str(_l("By month")), [Column(str(_l("Month")), "int")] + columns, [
        [m, c.billable_minutes, c.cents, p.billable_minutes, p.cents] for m, c, p in report.by_month
    ])
    by_org = Table(str(_l("By organization")), [Column(str(_l("Organization")))] + columns + [
        Column(str(_l("Overage hours %(year)s", year=year)), "hours")], [
        [name, c.billable_minutes, c.cents, p.billable_minutes, p.cents, c.overage_minutes]
        for _id, name, c, p in report.by_organization
    ])
    experts = Table(str(_l("Expert utilisation")), [
        Column(str(_l("Expert"))), Column(str(_l("Billable hours")), "hours"),
        Column(str(_l("Capacity (hours)")), "hours"), Column(str(_l("Utilisation (%)")), "percent"),
    ], [[name, minutes, capacity, share] for _id, name, minutes, capacity, share in report.experts])
    return [summary, by_field, by_month, by_org, experts]


@bp.get("/export.<fmt>")
@login_required
def export(fmt):
    require("reports.view")
    fmt = _format(fmt)
    filters = _filters()
    return download(report_tables(_report(filters)), f"report-{filters.year}", fmt)


# -- statements ---------------------------------------------------------------------------------


@dataclass
class ListPage(PageLinks):
    """Enough of a pagination object for the ``pager`` macro, over a computed list."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _previous_month(today: date | None = None) -> date:
    today = today or date.today()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@bp.get("/statements")
@login_required
def statements():
    require("reports.view")
    default = _previous_month()
    year = arg_number("year", FIRST_YEAR, date.today().year + 1, default=default.year)
    month = arg_number("month", 1, 12) if "month" in request.args else default.month  # "": every month
    org_id = arg_id("organization")
    activity = service.month_activity(year, month, org_id)
    closed_query = select(Statement).where(
        Statement.month >= date(year, 1, 1), Statement.month <= date(year, 12, 1), Statement.closed_at.is_not(None)
    )
    if month:
        closed_query = closed_query.where(Statement.month == date(year, month, 1))
    if org_id:
        closed_query = closed_query.where(Statement.organization_id == org_id)
    closed = {(s.organization_id, s.month.month): s for s in db.session.scalars(closed_query)}
    orgs = service.organizations()
    keys = set(activity) | set(closed)
    rows = sorted(
        ({"organization_id": o, "name": orgs.get(o, ("?",))[0], "month": date(year, m, 1),
          "totals": activity.get((o, m)), "statement": closed.get((o, m))} for o, m in keys),
        key=lambda r: (-r["month"].toordinal(), r["name"].casefold()),
    )
    per_page = current_app.config["PAGE_SIZE"]
    page_number = page_arg(per_page)
    page = ListPage(rows[(page_number - 1) * per_page: page_number * per_page], page_number, per_page, len(rows))
    return render(
        "reports/statements.html", "reports/_statements.html",
        page=page, year=year, month=month, organization_id=org_id, years=_years(),
        months=[(m, format_date(date(2000, m, 1), "MMMM")) for m in range(1, 13)],
        organization_choices=sorted(((i, n) for i, (n, _k, _p) in orgs.items()), key=lambda o: o[1].casefold()),
    )


def _statement(org_id: int, month_text: str) -> st.StatementData:
    org = row_or_404(Organization, org_id)
    require("statements.view", org)
    data = st.statement_for(org, _month(month_text)).seen_by(current_user)
    access.note_statement(current_user, org, data.key)
    return data


@bp.get("/statements/<id:org_id>/<month>")
@login_required
def statement(org_id, month):
    data = _statement(org_id, month)
    month_over = st.month_bounds(data.month)[1] < date.today()
    return render("reports/statement.html", data=data, field_name=host().field_label, month_over=month_over)


@bp.get("/statements/<id:org_id>/<month>/print")
@login_required
def statement_print(org_id, month):
    return render("reports/statement_print.html", data=_statement(org_id, month), field_name=host().field_label)


@bp.post("/statements/<id:org_id>/<month>/close")
@login_required
def close_statement(org_id, month):
    org = row_or_404(Organization, org_id)
    require("statements.close", org)
    first = _month(month)
    try:
        st.close_statement(org, first, current_user)
    except st.StatementClosed:
        db.session.rollback()
        flash(gettext("This statement is already closed."), "error")
        return redirect(url_for(".statement", org_id=org.id, month=month), 303)
    except st.MonthNotOver:
        db.session.rollback()
        flash(gettext("A month can be closed only once it is over."), "error")
        return redirect(url_for(".statement", org_id=org.id, month=month), 303)
    db.session.commit()
    flash(gettext("The statement of %(month)s is closed.", month=report_month(first)), "success")
    return redirect(url_for(".statement", org_id=org.id, month=month), 303)


def statement_tables(data: st.StatementData) -> list[Table]:
    lines = Table(str(_l("Statement")), [
        Column(str(_l("Field"))), Column(str(_l("Reference"))), Column(str(_l("Title"))),
        Column(str(_l("Hours")), "hours"), Column(str(_l("Overage hours")), "hours"),
        Column(str(_l("Hourly rate")), "money"), Column(str(_l("Overage rate")), "money"),
        Column(str(_l("Overage amount")), "money"), Column(str(_l("Amount")), "money"),
    ], [
        [host().field_label(line["field"]), line["reference"], str(_l("Restricted")) if line["title"] is None else line["title"],
         line["minutes"], line["overage_minutes"],
         line["hourly_rate_cents"], line["overage_rate_cents"], line["overage_cents"], line["amount_cents"]]
        for line in data.lines
    ])
    lines.rows.append([str(_l("Total")), "", "", data.total_minutes, data.overage_minutes, None, None,
                       data.overage_cents, data.total_cents])
    return [lines]


@bp.get("/statements/<id:org_id>/<month>/export.<fmt>")
@login_required
def statement_export(org_id, month, fmt):
    data = _statement(org_id, month)
    fmt = _format(fmt)
    return download(statement_tables(data), f"statement-{data.organization.id}-{data.key}", fmt)


@bp.get("/my-statements")
@login_required
def my_statements():
    org = current_organization()
    require("statements.view", org)
    if org is None:
        return redirect(url_for(".statements"))
    draft = st.statement_for(org, date.today().replace(day=1))
    return render(
        "reports/my_statements.html",
        organization=org, draft=draft, closed=st.closed_statements(org.id),
    )


# -- annual activity report ---------------------------------------------------------------------


def _annual_charts(report: service.Annual) -> dict:
    year, previous = str(report.year), str(report.year - 1)
    fields = [host().field_label(slug) for slug, _c, _p in report.by_field]
    return {
        "by_field": charts.bar_chart(
            "annual-fields", gettext("Hours by field"),
            gettext("Hours delivered per field in %(year)s and in the same period of %(previous)s.",
                    year=year, previous=previous),
            fields,
            _this_year_and_last(year, previous, report.by_field, "minutes"),
            _hours_text, gettext("Hours"), gettext("Field"),
        ),
        "by_month": charts.line_chart(
            "annual-months", gettext("Hours by month"),
            gettext("Hours delivered per month in %(year)s compared with %(previous)s.", year=year, previous=previous),
            [month_label(m) for m, _c, _p in report.by_month],
            _this_year_and_last(year, previous, report.by_month, "minutes"),
            _hours_text, gettext("Hours"), gettext("Month"),
        ),
        "requests": charts.bar_chart(
            "annual-requests", gettext("Requests by field"),
            gettext("Requests opened and closed per field in %(year)s.", year=year),
            [host().field_label(slug) for slug, _o, _c in report.requests_by_field],
            [(gettext("Opened"), [o for _s, o, _c in report.requests_by_field]),
             (gettext("Closed"), [c for _s, _o, c in report.requests_by_field])],
            lambda v: format_decimal(v), gettext("Requests"), gettext("Field"),
        ),
    }


def annual_tables(report: service.Annual) -> list[Table]:
    year, previous = report.year, report.year - 1
    summary = Table(str(_l("Annual report %(year)s", year=year)), [
        Column(str(_l("Measure"))), Column(str(year), "number"), Column(str(previous), "number"),
        Column(str(_l("Growth (%)")), "percent"),
    ], [
        [str(_l("Hours")), hours_decimal(report.current.minutes), hours_decimal(report.previous.minutes),
         report.hours_growth],
        [str(_l("Billable hours")), hours_decimal(report.current.billable_minutes),
         hours_decimal(report.previous.billable_minutes), None],
        [str(_l("Revenue")), _money(report.current.cents), _money(report.previous.cents),
         report.revenue_growth],
        [str(_l("Requests opened")), report.opened, None, None],
        [str(_l("Requests closed")), report.closed, None, None],
        [str(_l("Satisfaction ratings")), report.satisfaction_count, None, None],
        [str(_l("Average satisfaction (out of 5)")), report.satisfaction_average, None, None],
    ])
    if report.organization is None:
        summary.rows[5:5] = [
            [str(_l("Organizations served")), report.organizations_served, None, None],
            [str(_l("Enterprises served")), report.enterprises_served, None, None],
            [str(_l("Federations served")), report.federations_served, None, None],
        ]
    requests = {slug: (o, c) for slug, o, c in report.requests_by_field}
    by_field = Table(str(_l("By field")), [
        Column(str(_l("Field"))), Column(str(_l("Hours %(year)s", year=year)), "hours"),
        Column(str(_l("Hours %(year)s", year=previous)), "hours"), Column(str(_l("Revenue %(year)s", year=year)), "money"),
        Column(str(_l("Requests opened")), "int"), Column(str(_l("Requests closed")), "int"),
    ], [
        [host().field_label(slug), c.minutes, p.minutes, c.cents, *requests.get(slug, (0, 0))]
        for slug, c, p in report.by_field
    ])
    by_month = Table(str(_l("By month")), [
        Column(str(_l("Month")), "int"), Column(str(_l("Hours %(year)s", year=year)), "hours"),
        Column(str(_l("Hours %(year)s", year=previous)), "hours"), Column(str(_l("Revenue %(year)s", year=year)), "money"),
    ], [[m, c.minutes, p.minutes, c.cents] for m, c, p in report.by_month])
    return [summary, by_field, by_month]


def _annual(org: Organization | None):
    require("annual.view", org)
    return service.annual_report(_year(), org)


@bp.get("/annual")
@login_required
def annual():
    report = _annual(None)
    return render("reports/annual.html", report=report, charts=_annual_charts(report), field_name=host().field_label,
                  years=_years())


@bp.get("/annual.<fmt>")
@login_required
def annual_export(fmt):
    report = _annual(None)
    return download(annual_tables(report), f"annual-report-{report.year}", _format(fmt))


@bp.get("/annual/<id:org_id>")
@login_required
def annual_organization(org_id):
    report = _annual(row_or_404(Organization, org_id))
    return render("reports/annual.html", report=report, charts=_annual_charts(report), field_name=host().field_label,
                  years=_years())


@bp.get("/annual/<id:org_id>.<fmt>")
@login_required
def annual_organization_export(org_id, fmt):
    report = _annual(row_or_404(Organization, org_id))
    return download(annual_tables(report), f"annual-report-{report.year}-{org_id}", _format(fmt))
