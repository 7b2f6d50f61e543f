"""Admin reports and the annual activity report, checked against the fixture of
test_statements.py (see its docstring for the entries, agreements and rates).

By hand, for 2025 (2024 in brackets):
- billable minutes: A sample 780, A other 120, B sample 300 = 1200 [A 200 + 90, B 100 = 390];
  all minutes (45 non-billable included) 1245 [390]
- revenue: A sample 36000 + 27000 + 57000 (March: 180 within, 150 over) + 6000 (April, over) =
  126000; A other 13500; B 36000 = 175500 ¢ [A sample 200×140 = 28000, A other 90×100 = 9000,
  B no agreement 0 = 37000]
- growth of billable hours (1200 - 390) / 390 = +207.7 %, revenue (175500 - 37000) / 37000 =
  +374.3 %, of all hours (1245 - 390) / 390 = +219.2 %
- requests opened in 2025: sample 3 (RA2, RB1, the federation's), closed: sample 2 (RA1, RB1),
  other 1 (RA3); satisfaction of requests closed in 2025: 5, 4, 4 → 4.33 (RB0's 1 was in 2024)
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from tests.test_statements import build_dataset as build_entries
from tests.test_statements import reports_app  # noqa: F401  (fixture)


def build_dataset(app, people, records_since=date(2024, 1, 1)):
    """The fixture's entries, on an extranet whose records start at ``records_since`` (an empty
    roll-up row): 2024 is then a whole year of records, a base growth is computed against."""
    from extranet.extensions import db
    from extranet.hours.models import HoursMonthly

    ids = build_entries(app, people)
    if records_since is not None:
        with app.app_context():
            db.session.merge(HoursMonthly(organization_id=people.org_b, field="other", year=records_since.year,
                                          month=records_since.month, minutes=0, billable_minutes=0, cents=0,
                                          overage_minutes=0))
            db.session.commit()
    return ids


def _report(app, **filters):
    from extranet.reports.service import Filters, admin_report

    with app.app_context():
        return admin_report(Filters(year=2025, **filters), 120, today=date(2026, 11, 26))


def test_report_totals_and_growth(reports_app, people):  # noqa: F811
    build_dataset(reports_app, people)
    report = _report(reports_app)
    assert (report.current.billable_minutes, report.current.minutes, report.current.cents) == (1200, 1245, 175500)
    assert (report.previous.billable_minutes, report.previous.cents) == (390, 37000)
    assert report.current.overage_minutes == 150 + 30 + 30
    assert report.hours_growth == Decimal("207.7") and report.revenue_growth == Decimal("374.3")
    by_field = {slug: (c.billable_minutes, c.cents, p.billable_minutes, p.cents) for slug, c, p in report.by_field}
    assert by_field == {"sample": (1080, 162000, 300, 28000), "other": (120, 13500, 90, 9000)}
    assert [(org, c.billable_minutes, c.cents) for org, _n, c, _p in report.by_organization] == [
        (people.org_a, 900, 139500), (people.org_b, 300, 36000)
    ]
    months = {m: (c.billable_minutes, c.cents) for m, c, _p in report.by_month}
    assert months[1] == (240, 36000) and months[3] == (750, 57000 + 13500 + 36000) and months[4] == (30, 6000)
    assert months[5] == (0, 0)
    (expert_id, _name, minutes, capacity, share), = report.experts
    assert (expert_id, minutes, capacity, share) == (people.expert.id, 1200, 12 * 120 * 60, Decimal("1.4"))


def test_no_growth_against_a_year_without_records_from_its_start(reports_app, people, client_for):  # noqa: F811
    build_dataset(reports_app, people, records_since=None)  # the first entries are of March 2024
    report = _report(reports_app)
    assert not report.comparable
    assert report.hours_growth is None and report.revenue_growth is None
    assert report.previous.billable_minutes == 390  # the figures are still shown, without growth
    page = client_for(reports_app, people.admin).get("/reports/?year=2025").get_data(as_text=True)
    assert 'id="growth-note"' in page and "+207.7%" not in page


def test_report_filters(reports_app, people):  # noqa: F811
    build_dataset(reports_app, people)
    other = _report(reports_app, field="other")
    assert (other.current.billable_minutes, other.current.cents, other.previous.cents) == (120, 13500, 9000)
    only_b = _report(reports_app, organization_id=people.org_b)
    assert (only_b.current.billable_minutes, only_b.current.cents, only_b.previous.cents) == (300, 36000, 0)
    federation = _report(reports_app, federation_id=people.federation_a)
    assert [org for org, *_ in federation.by_organization] == [people.org_a]
    assert federation.current.cents == 139500


def test_same_period_for_the_current_year(reports_app, people):  # noqa: F811
    from extranet.reports.service import Filters, admin_report

    build_dataset(reports_app, people)
    with reports_app.app_context():
        # "Today" is March 15, 2025: January 1 to March 15 against the same days of 2024.
        report = admin_report(Filters(year=2025), 120, today=date(2025, 3, 15))
    assert report.period.partial and report.period.previous_end == date(2024, 3, 15)
    assert report.current.billable_minutes == 240 + 180 + 120 + 150 + 300
    assert report.previous.billable_minutes == 200
    assert report.capacity_minutes == 3 * 120 * 60
    # The months to come are not in the period: not shown as months without hours.
    assert [m for m, _c, _p in report.by_month] == [1, 2, 3]
    assert sum(c.billable_minutes for _m, c, _p in report.by_month) == report.current.billable_minutes


def test_report_page(reports_app, people, client_for):  # noqa: F811
    build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    page = admin.get("/reports/?year=2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "20.00" in html and "$1,755.00" in html and "+207.7%" in html and "+374.3%" in html
    assert "$1,395.00" in html and "Coopérative A" in html and "Émile Expert" in html and "1.4%" in html
    # Accessible SVG charts, each followed by its data table; no inline style.
    assert html.count('role="img"') == 4 and html.count('class="visually-hidden chart-data"') == 4
    assert '<title id="chart-fields-title">Billable hours by field</title>' in html
    assert 'aria-labelledby="chart-fields-title chart-fields-desc"' in html and "<desc id=" in html
    assert "style=" not in html
    filtered = admin.get("/reports/?year=2025&field=other", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert filtered.lstrip().startswith('<div id="report"') and "$135.00" in filtered and "$1,755.00" not in filtered
    assert 'href="/reports/export.csv?year=2025&amp;field=other"' in filtered


def test_chart_labels_are_escaped(reports_app, people, client_for):  # noqa: F811
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    build_dataset(reports_app, people)
    with reports_app.app_context():
        db.session.get(Organization, people.org_b).name = 'B <script>"&'
        db.session.commit()
    html = client_for(reports_app, people.admin).get("/reports/?year=2025").get_data(as_text=True)
    assert "<script>\"&" not in html and "B &lt;script&gt;&#34;&amp;" in html


def test_charts_module():
    from extranet.reports.charts import bar_chart, line_chart

    bar = bar_chart("c1", "Hours & more", "Desc <x>", ["A <b>", "B"], [("2025", [Decimal("1.5"), 3])],
                    str, "Hours", "Field")
    assert bar.startswith('<figure class="chart" id="c1"><svg') and "<title id=\"c1-title\">Hours &amp; more</title>" in bar
    assert "<desc id=\"c1-desc\">Desc &lt;x&gt;</desc>" in bar and "A &lt;b&gt;" in bar and "<b>" not in bar
    assert '<th scope="row">A &lt;b&gt;</th><td class="numeric">1.5</td>' in bar
    assert 'width="750"' in bar  # the longest bar, on the last round tick, fills the plot
    line = line_chart("c2", "By month", "d", ["Jan", "Feb"], [("2025", [0, 2]), ("2024", [1, 0])], str, "Hours", "Month")
    assert line.count("<polyline") == 2 and line.count("<circle") == 4 and "</table></figure>" in line
    empty = bar_chart("c3", "Nothing", "d", [], [("2025", [])], str, "Hours", "Field")
    assert "<svg" in empty and "<tbody></tbody>" in empty


def test_report_exports(reports_app, people, client_for):  # noqa: F811
    from openpyxl import load_workbook

    build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    response = admin.get("/reports/export.csv?year=2025")
    assert response.status_code == 200 and response.get_data().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert ["Billable hours", "20.00", "6.50", "207.7"] in rows
    assert ["Revenue", "1755.00", "370.00", "374.3"] in rows
    assert ["Coopérative A", "15.00", "1395.00", "4.83", "370.00", "3.50"] in rows
    workbook = load_workbook(io.BytesIO(admin.get("/reports/export.xlsx?year=2025").get_data()))
    assert workbook.sheetnames == ["Summary", "By field", "By month", "By organization", "Expert utilisation"]
    fields = {row[0]: row[1:] for row in workbook["By field"].iter_rows(min_row=2, values_only=True)}
    assert [Decimal(str(v)) for v in fields["Sample field"]] in (
        [Decimal("18"), Decimal("1620"), Decimal("5"), Decimal("280")],
        # both test fields share the label "Sample field": either row may come last
        [Decimal("2"), Decimal("135"), Decimal("1.5"), Decimal("90")],
    )


def test_annual_report_numbers(reports_app, people):  # noqa: F811
    from extranet.extensions import db
    from extranet.organizations.models import Organization
    from extranet.reports.service import annual_report

    build_dataset(reports_app, people)
    with reports_app.app_context():
        coop = annual_report(2025, today=date(2026, 11, 26))
        org_a = annual_report(2025, db.session.get(Organization, people.org_a), today=date(2026, 11, 26))
    assert (coop.current.minutes, coop.previous.minutes, coop.current.cents) == (1245, 390, 175500)
    assert coop.hours_growth == Decimal("219.2") and coop.revenue_growth == Decimal("374.3")
    assert (coop.organizations_served, coop.enterprises_served, coop.federations_served) == (3, 2, 1)
    assert coop.requests_by_field == [("other", 0, 1), ("sample", 3, 2)]
    assert (coop.satisfaction_count, coop.satisfaction_average) == (3, Decimal("4.33"))
    assert (org_a.current.minutes, org_a.previous.minutes, org_a.current.cents) == (945, 290, 139500)
    assert org_a.hours_growth == Decimal("225.9")
    assert org_a.requests_by_field == [("other", 0, 1), ("sample", 1, 1)]
    assert (org_a.satisfaction_count, org_a.satisfaction_average) == (2, Decimal("4.50"))


def test_annual_report_pages_and_exports(reports_app, people, client_for):  # noqa: F811
    from openpyxl import load_workbook

    build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    html = admin.get("/reports/annual?year=2025").get_data(as_text=True)
    assert "Annual activity report 2025" in html and "20.75" in html and "+219.2%" in html
    assert "$1,755.00" in html and "4.33 out of 5 (3 ratings)" in html and "print.css" in html
    assert html.count('role="img"') == 3 and "<title id=\"annual-requests-title\">" in html
    rows = list(csv.reader(io.StringIO(admin.get("/reports/annual.csv?year=2025").get_data().decode("utf-8-sig"))))
    assert ["Organizations served", "3", "", ""] in rows and ["Enterprises served", "2", "", ""] in rows
    assert ["Average satisfaction (out of 5)", "4.33", "", ""] in rows
    assert ["Hours", "20.75", "6.50", "219.2"] in rows
    workbook = load_workbook(io.BytesIO(admin.get(f"/reports/annual/{people.org_a}.xlsx?year=2025").get_data()))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(summary["Hours"])) == Decimal("15.75") and Decimal(str(summary["Revenue"])) == Decimal("1395")
    assert "Organizations served" not in summary


def test_annual_report_in_french(reports_app, people, client_for):  # noqa: F811
    from extranet.accounts.models import User
    from extranet.extensions import db

    build_dataset(reports_app, people)
    with reports_app.app_context():
        db.session.get(User, people.admin.id).locale = "fr_CA"
        db.session.commit()
    html = client_for(reports_app, people.admin).get("/reports/annual?year=2025").get_data(as_text=True)
    assert 'lang="fr"' in html
    assert "20,75" in html and "755,00" in html and "$" in html and "1,755.00" not in html
    assert "4,33" in html


def test_annual_report_permissions(reports_app, people, client_for):  # noqa: F811
    build_dataset(reports_app, people)
    own = f"/reports/annual/{people.org_a}?year=2025"
    manager_a = client_for(reports_app, people.manager_a)
    page = manager_a.get(own)
    assert page.status_code == 200 and "15.75" in page.get_data(as_text=True)
    assert manager_a.get(f"/reports/annual/{people.org_a}.csv?year=2025").status_code == 200
    for url in ("/reports/", "/reports/annual", "/reports/annual.csv", "/reports/export.csv",
                f"/reports/annual/{people.org_b}", f"/reports/annual/{people.federation_a}"):
        assert manager_a.get(url).status_code == 404, url
    manager_b = client_for(reports_app, people.manager_b)
    assert manager_b.get(own).status_code == 404
    assert manager_b.get(f"/reports/annual/{people.org_a}.xlsx").status_code == 404
    assert manager_b.get(f"/reports/annual/{people.org_b}").status_code == 200
    for person in (people.member_a, people.expert):
        client = client_for(reports_app, person)
        for url in ("/reports/", "/reports/annual", own, "/reports/statements", "/reports/export.xlsx"):
            assert client.get(url).status_code == 404, (person.email, url)


def test_reports_nav_for_admins_only(reports_app, people, client_for):  # noqa: F811
    assert 'href="/reports/"' in client_for(reports_app, people.admin).get("/").get_data(as_text=True)
    assert 'href="/reports/"' not in client_for(reports_app, people.manager_a).get("/").get_data(as_text=True)


def test_query_count_does_not_grow_with_the_data(reports_app, people, client_for):  # noqa: F811
    from extranet.extensions import db
    from extranet.hours.models import TimeEntry
    from extranet.testing import count_queries

    ids = build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    urls = ["/reports/?year=2025", "/reports/annual?year=2025", f"/reports/annual/{people.org_a}?year=2025",
            f"/reports/statements/{people.org_a}/2025-03", "/reports/statements?year=2025&month=3"]

    def page(url):
        assert admin.get(url).status_code == 200, url

    def counts():
        return [count_queries(reports_app, lambda url=url: page(url)) for url in urls]

    before = counts()
    with reports_app.app_context():
        db.session.add_all(
            TimeEntry(request_id=ids[key], expert_id=people.expert.id, date=date(2025, month, 3), minutes=30,
                      activity="analysis")
            for key in ("ra1", "ra2", "ra3", "rb1") for month in range(1, 13)
        )
        db.session.commit()
    assert counts() == before
