"""Monthly statements: lines, overage and totals in cents checked against figures computed by
hand; closing; downloads; who sees which statement.

The fixture (``build_dataset``), shared with test_reports.py, in minutes and cents:

Organization A, field "sample": 2025 agreement of 600 min at 9000 ¢/h (150 ¢/min), overage
12000 ¢/h (200 ¢/min). Billable entries: Jan 15 RA1 240, Feb 10 RA1 180 (420 used), Mar 5 RA1
120 (540), Mar 12 RA2 150 (60 within, 90 over: the allotment runs out mid-month), Mar 20 RA1 60
(over), Mar 21 RA1 45 non-billable, Apr 2 RA1 30 (over). 2024: agreement 600 min at 8400/10800,
Mar 1 2024 RA1 200 min.
Organization A, field "other": 2024 agreement of 120 min, 90 used (May 1 2024 RA3) → 30 carried
over into 2025, whose agreement is 60 min with the "unused" rule: 90 min allotted, at 6000 ¢/h
(100 ¢/min), overage 9000 ¢/h (150 ¢/min). Mar 25 2025 RA3 120 min: 90 within, 30 over.
Organization B, field "sample": 2025 agreement of 1200 min at 7200 ¢/h (120 ¢/min), overage 9600.
Mar 10 2025 RB1 300 min. Jun 1 2024 RB0 100 min without an agreement (not billed).

A's March 2025 statement:
  sample RA1 180 min (60 over): 120×150 + 60×200 = 30000 ¢, overage 12000
  sample RA2 150 min (90 over):  60×150 + 90×200 = 27000 ¢, overage 18000
  other  RA3 120 min (30 over):  90×100 + 30×150 = 13500 ¢, overage 4500
  total 450 min, 70500 ¢, overage 180 min and 34500 ¢.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from tests.sample_plugin import SamplePlugin

MARCH = "2025-03"


@pytest.fixture
def reports_app(register_plugin):
    return register_plugin(SamplePlugin(), SamplePlugin("other", order=60))


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def build_dataset(app, people) -> dict:
    from extranet.extensions import db
    from extranet.hours.models import Agreement, Satisfaction, TimeEntry
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        def request(ref, org, field, created, state="in_progress", changed=None, requester=people.member_a):
            req = ServiceRequest(
                reference=ref, organization_id=org, field=field, type="question", title=f"Title {ref}",
                state=state, requester_id=requester.id, created_at=_at(created),
                state_changed_at=_at(changed or created),
            )
            db.session.add(req)
            db.session.flush()
            return req

        ra1 = request("SA-2024-0001", people.org_a, "sample", date(2024, 2, 15), "closed", date(2025, 5, 1))
        ra2 = request("SA-2025-0002", people.org_a, "sample", date(2025, 3, 1))
        ra3 = request("OT-2024-0001", people.org_a, "other", date(2024, 4, 1), "closed", date(2025, 4, 10))
        rb1 = request("SA-2025-0003", people.org_b, "sample", date(2025, 3, 1), "closed", date(2025, 6, 1),
                      requester=people.member_b)
        rb0 = request("SA-2024-0004", people.org_b, "sample", date(2024, 5, 1), "closed", date(2024, 7, 1),
                      requester=people.member_b)
        request("SA-2025-0005", people.federation_a, "sample", date(2025, 9, 1), "submitted",
                requester=people.manager_a)
        db.session.add_all([
            Agreement(organization_id=people.org_a, field="sample", year=2025, minutes_allotted=600,
                      hourly_rate_cents=9000, overage_rate_cents=12000, carry_over="none"),
            Agreement(organization_id=people.org_a, field="sample", year=2024, minutes_allotted=600,
                      hourly_rate_cents=8400, overage_rate_cents=10800, carry_over="none"),
            Agreement(organization_id=people.org_a, field="other", year=2024, minutes_allotted=120,
                      hourly_rate_cents=6000, overage_rate_cents=9000, carry_over="none"),
            Agreement(organization_id=people.org_a, field="other", year=2025, minutes_allotted=60,
                      hourly_rate_cents=6000, overage_rate_cents=9000, carry_over="unused"),
            Agreement(organization_id=people.org_b, field="sample", year=2025, minutes_allotted=1200,
                      hourly_rate_cents=7200, overage_rate_cents=9600, carry_over="none"),
        ])
        entries = [
            (ra1, date(2025, 1, 15), 240, True), (ra1, date(2025, 2, 10), 180, True),
            (ra1, date(2025, 3, 5), 120, True), (ra2, date(2025, 3, 12), 150, True),
            (ra1, date(2025, 3, 20), 60, True), (ra1, date(2025, 3, 21), 45, False),
            (ra1, date(2025, 4, 2), 30, True), (ra1, date(2024, 3, 1), 200, True),
            (ra3, date(2024, 5, 1), 90, True), (ra3, date(2025, 3, 25), 120, True),
            (rb1, date(2025, 3, 10), 300, True), (rb0, date(2024, 6, 1), 100, True),
        ]
        db.session.add_all(
            TimeEntry(request_id=req.id, expert_id=people.expert.id, date=day, minutes=minutes,
                      activity="analysis", billable=billable)
            for req, day, minutes, billable in entries
        )
        db.session.add_all([
            Satisfaction(request_id=ra1.id, rating=5), Satisfaction(request_id=ra3.id, rating=4),
            Satisfaction(request_id=rb1.id, rating=4), Satisfaction(request_id=rb0.id, rating=1),
        ])
        db.session.commit()
        return {"ra1": ra1.id, "ra2": ra2.id, "ra3": ra3.id, "rb1": rb1.id}


def _statement(app, org_id, month=date(2025, 3, 1)):
    from extranet.extensions import db
    from extranet.hours.statements import statement_for
    from extranet.organizations.models import Organization

    with app.app_context():
        data = statement_for(db.session.get(Organization, org_id), month)
        return {
            "lines": [{k: line[k] for k in ("reference", "minutes", "overage_minutes", "amount_cents", "overage_cents")}
                      for line in data.lines],
            "totals": (data.total_minutes, data.total_cents, data.overage_minutes, data.overage_cents),
            "closed": data.closed,
        }


def test_statement_lines_and_overage_in_cents(reports_app, people):
    build_dataset(reports_app, people)
    march = _statement(reports_app, people.org_a)
    assert march["lines"] == [
        {"reference": "OT-2024-0001", "minutes": 120, "overage_minutes": 30, "amount_cents": 13500, "overage_cents": 4500},
        {"reference": "SA-2024-0001", "minutes": 180, "overage_minutes": 60, "amount_cents": 30000, "overage_cents": 12000},
        {"reference": "SA-2025-0002", "minutes": 150, "overage_minutes": 90, "amount_cents": 27000, "overage_cents": 18000},
    ]
    assert march["totals"] == (450, 70500, 180, 34500)
    assert not march["closed"]
    # January: all within the allotment; April: all beyond it; B: its own agreement.
    assert _statement(reports_app, people.org_a, date(2025, 1, 1))["totals"] == (240, 36000, 0, 0)
    assert _statement(reports_app, people.org_a, date(2025, 4, 1))["totals"] == (30, 6000, 30, 6000)
    assert _statement(reports_app, people.org_b)["totals"] == (300, 36000, 0, 0)
    # 2024 without an agreement for B: the time shows, nothing is billed.
    assert _statement(reports_app, people.org_b, date(2024, 6, 1))["totals"] == (100, 0, 0, 0)


def test_statement_page_shows_the_draft(reports_app, people, client_for):
    build_dataset(reports_app, people)
    page = client_for(reports_app, people.admin).get(f"/reports/statements/{people.org_a}/{MARCH}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Draft" in html and "SA-2025-0002" in html and "Title SA-2025-0002" in html
    assert "$705.00" in html and "$345.00" in html and "7.50" in html  # 450 min = 7.50 h
    assert "Close the month" in html and "data-confirm=" in html
    assert "print.css" in html


def test_closing_snapshots_and_is_final(reports_app, people, client_for):
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db
    from extranet.hours.models import Statement, TimeEntry
    from extranet.testing import csrf_token

    ids = build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    url = f"/reports/statements/{people.org_a}/{MARCH}"
    response = admin.post(f"{url}/close", data={"csrf_token": csrf_token(admin, url)})
    assert response.status_code == 303
    with reports_app.app_context():
        statement = db.session.scalar(db.select(Statement))
        assert (statement.organization_id, statement.month) == (people.org_a, date(2025, 3, 1))
        assert (statement.total_minutes, statement.total_cents, statement.overage_minutes,
                statement.overage_cents) == (450, 70500, 180, 34500)
        assert statement.closed_by_id == people.admin.id and statement.closed_at is not None
        assert len(statement.lines) == 3
        assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "statement.close"))
        # Time added afterwards, in March (directly) and in May, changes nothing closed.
        db.session.add_all([
            TimeEntry(request_id=ids["ra2"], expert_id=people.expert.id, date=date(2025, 3, 30), minutes=60,
                      activity="analysis"),
            TimeEntry(request_id=ids["ra2"], expert_id=people.expert.id, date=date(2025, 5, 2), minutes=60,
                      activity="analysis"),
        ])
        db.session.commit()
    assert _statement(reports_app, people.org_a)["totals"] == (450, 70500, 180, 34500)
    assert _statement(reports_app, people.org_a)["closed"]
    html = admin.get(url).get_data(as_text=True)
    assert "Closed on" in html and "Close the month" not in html and "$705.00" in html
    # A second close is refused and changes nothing.
    again = admin.post(f"{url}/close", data={"csrf_token": csrf_token(admin, url)}, follow_redirects=True)
    assert "already closed" in again.get_data(as_text=True)
    with reports_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Statement.id))) == 1
        assert db.session.scalar(db.select(Statement)).total_cents == 70500


def test_a_month_not_over_cannot_be_closed(reports_app, people, client_for):
    from extranet.extensions import db
    from extranet.hours.models import Statement
    from extranet.testing import csrf_token

    admin = client_for(reports_app, people.admin)
    month = date.today().strftime("%Y-%m")
    url = f"/reports/statements/{people.org_a}/{month}"
    assert "once it is over" in admin.get(url).get_data(as_text=True)
    page = admin.post(f"{url}/close", data={"csrf_token": csrf_token(admin, url)}, follow_redirects=True)
    assert "only once it is over" in page.get_data(as_text=True)
    with reports_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Statement.id))) == 0


def test_statement_csv(reports_app, people, client_for):
    build_dataset(reports_app, people)
    response = client_for(reports_app, people.admin).get(f"/reports/statements/{people.org_a}/{MARCH}/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Field", "Reference", "Title", "Hours"]
    by_ref = {row[1]: row for row in rows[1:]}
    assert by_ref["SA-2025-0002"][3:] == ["2.50", "1.50", "90.00", "120.00", "180.00", "270.00"]
    assert by_ref["OT-2024-0001"][0] == "Sample field" and by_ref["OT-2024-0001"][8] == "135.00"
    assert rows[-1][0] == "Total" and rows[-1][3:5] == ["7.50", "3.00"] and rows[-1][-2:] == ["345.00", "705.00"]


def test_statement_xlsx(reports_app, people, client_for):
    from decimal import Decimal

    from openpyxl import load_workbook

    build_dataset(reports_app, people)
    response = client_for(reports_app, people.admin).get(f"/reports/statements/{people.org_a}/{MARCH}/export.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Field", "Reference", "Title"]
    line = next(r for r in rows if r[1] == "SA-2024-0001")
    assert [Decimal(str(v)) for v in line[3:]] == [Decimal("3"), Decimal("1"), Decimal("90"), Decimal("120"),
                                                   Decimal("120"), Decimal("300")]
    assert isinstance(line[3], int | float) and sheet.cell(row=2, column=4).number_format == "0.00"
    total = rows[-1]
    assert total[0] == "Total" and Decimal(str(total[-1])) == Decimal("705")


def test_printable_statement(reports_app, people, client_for):
    build_dataset(reports_app, people)
    page = client_for(reports_app, people.manager_a).get(f"/reports/statements/{people.org_a}/{MARCH}/print")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "print.css" in html and "SA-2024-0001" in html and "$705.00" in html
    assert 'class="site-header"' not in html


def test_statements_list_for_admins(reports_app, people, client_for):
    build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    html = admin.get("/reports/statements?year=2025&month=3").get_data(as_text=True)
    assert "Coopérative A" in html and "Coopérative B" in html and "Draft" in html
    assert "$705.00" in html and "$360.00" in html
    # The filtered list, as the HTMX filter form asks for it: the fragment only.
    only_b = admin.get(f"/reports/statements?year=2025&month=&organization={people.org_b}",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert only_b.lstrip().startswith('<div id="statements">') or 'id="statements"' in only_b[:200]
    assert "Coopérative B" in only_b and "Coopérative A" not in only_b and "March 2025" in only_b


def test_managers_see_their_organizations_statements_only(reports_app, people, client_for):
    from extranet.testing import csrf_token

    build_dataset(reports_app, people)
    admin = client_for(reports_app, people.admin)
    url_a = f"/reports/statements/{people.org_a}/{MARCH}"
    admin.post(f"{url_a}/close", data={"csrf_token": csrf_token(admin, url_a)})

    manager_a = client_for(reports_app, people.manager_a)
    mine = manager_a.get("/reports/my-statements")
    assert mine.status_code == 200
    html = mine.get_data(as_text=True)
    assert "March 2025" in html and "$705.00" in html and "This month so far" in html
    assert manager_a.get(url_a).status_code == 200
    assert manager_a.get(f"{url_a}/export.csv").status_code == 200
    assert manager_a.post(f"{url_a}/close", data={"csrf_token": csrf_token(manager_a, url_a)}).status_code == 404
    assert "Close the month" not in manager_a.get(f"/reports/statements/{people.org_a}/2025-04").get_data(as_text=True)

    manager_b = client_for(reports_app, people.manager_b)
    for url in (url_a, f"{url_a}/export.csv", f"{url_a}/export.xlsx", f"{url_a}/print"):
        assert manager_b.get(url).status_code == 404, url
    assert "$705.00" not in manager_b.get("/reports/my-statements").get_data(as_text=True)

    member_a = client_for(reports_app, people.member_a)
    for url in ("/reports/my-statements", url_a, f"{url_a}/export.csv", f"{url_a}/print", "/reports/statements"):
        assert member_a.get(url).status_code == 404, url
    assert manager_a.get("/reports/statements").status_code == 404
    assert client_for(reports_app, people.expert).get(url_a).status_code == 404


def test_bad_months_and_organizations_are_404(reports_app, people, client_for):
    admin = client_for(reports_app, people.admin)
    assert admin.get(f"/reports/statements/{people.org_a}/2025-13").status_code == 404
    assert admin.get(f"/reports/statements/{people.org_a}/march").status_code == 404
    assert admin.get("/reports/statements/999999/2025-03").status_code == 404
    assert admin.get(f"/reports/statements/{people.org_a}/2025-03/export.pdf").status_code == 404
