"""The admin's figures at a glance: right on a small known dataset, each linking to a list that
shows the same count, in a number of queries that does not grow with the data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.hours.models import Agreement, HoursMonthly, Satisfaction, Statement
from extranet.requests.models import ServiceRequest
from extranet.testing import count_queries
from tests.test_dashboards import dash_app, make_request, world  # noqa: F401 (fixtures)


def _local_today(app) -> date:
    return utcnow().astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def _at(app, day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).astimezone(UTC)


def _month(day: date, count: int) -> date:
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _glance(client) -> str:
    response = client.get("/widgets/glance", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _figure(body: str, name: str) -> tuple[str, str]:
    """The (href, text) of the link marked ``data-figure=name``."""
    found = re.search(rf'<a data-figure="{name}" href="([^"]+)">([^<]*)</a>', body)
    assert found, name
    return unescape(found.group(1)), found.group(2).strip()


def _listed(client, href: str) -> int:
    body = client.get(href).get_data(as_text=True)
    found = re.search(r"(\d+) requests?</p>", body)
    return int(found.group(1)) if found else 0


def _dataset(app, people, extra: int = 0):
    today = _local_today(app)
    month = today.replace(day=1)
    last_year = today.replace(year=today.year - 1, day=min(today.day, 28))
    now = utcnow()
    # Opened this month: 3 (one closed, one overdue); a year before, the same days: 1.
    make_request(app, people, "m1")
    make_request(app, people, "m2", state="closed")
    make_request(app, people, "m3", field="other", due=now - timedelta(hours=1), assignees=[people.expert])
    make_request(app, people, "ly", state="closed", created=_at(app, last_year))
    # The last twelve whole months: 3 with "ly" (two closed); the twelve before: 1.
    make_request(app, people, "y1", created=_at(app, month - timedelta(days=20)))
    make_request(app, people, "y2", state="closed", created=_at(app, _month(month, -6)))
    make_request(app, people, "yb", state="cancelled", created=_at(app, _month(month, -18)))
    for i in range(extra):  # more of everything: the query count must not move
        make_request(app, people, f"x{i}", state="closed" if i % 2 else "submitted",
                     created=_at(app, _month(month, -(i % 11) - 1)), org=people.org_b, requester=people.member_b)
    with app.app_context():
        low = db.session.scalar(db.select(ServiceRequest.id).where(ServiceRequest.reference == "T-m2"))
        good = db.session.scalar(db.select(ServiceRequest.id).where(ServiceRequest.reference == "T-y2"))
        db.session.add_all([Satisfaction(request_id=low, rating=1), Satisfaction(request_id=good, rating=5)])
        previous = _month(month, -1)
        rows = [
            HoursMonthly(organization_id=people.org_a, field="sample", year=month.year, month=month.month,
                         minutes=120, billable_minutes=500, cents=10000),
            HoursMonthly(organization_id=people.org_a, field="sample", year=previous.year, month=previous.month,
                         minutes=60, billable_minutes=60, cents=5000),
            HoursMonthly(organization_id=people.org_b, field="sample", year=previous.year, month=previous.month,
                         minutes=30, billable_minutes=30, cents=2500),
            HoursMonthly(organization_id=people.org_a, field="sample", year=month.year - 1, month=month.month,
                         minutes=600, billable_minutes=600, cents=60000),
        ]
        db.session.add_all(rows)
        db.session.add_all([
            Agreement(organization_id=people.org_a, field="sample", year=today.year, minutes_allotted=600,
                      hourly_rate_cents=100, overage_rate_cents=100),
            Agreement(organization_id=people.org_b, field="sample", year=today.year, minutes_allotted=6000,
                      hourly_rate_cents=100, overage_rate_cents=100),
            Statement(organization_id=people.org_b, month=previous, closed_at=now),
        ])
        db.session.commit()
    return today


def test_the_figures_and_the_lists_behind_them_agree(dash_app, world, client_for):  # noqa: F811
    _dataset(dash_app, world)
    admin = client_for(dash_app, world.admin)
    body = _glance(admin)
    expected = {"opened-month": "3", "closed-month": "1", "unassigned": "Unassigned: 2"}
    for name, text in expected.items():
        assert _figure(body, name)[1] == text, name
    # Whole months only: the month begun and the twelve months are not mixed.
    assert _figure(body, "opened-year")[1] == "3"
    assert _figure(body, "closed-year")[1] == "2"
    for name, count in (("opened-month", 3), ("closed-month", 1), ("opened-year", 3), ("closed-year", 2),
                        ("unassigned", 2), ("overdue-other", 1), ("low-ratings", 1)):
        assert _listed(admin, _figure(body, name)[0]) == count, name
    assert _figure(body, "overdue-other")[1].endswith("(1)")
    assert "overdue-sample" not in body
    assert _figure(body, "hours-month")[1] == "2:00"
    assert "Low ratings (1 or 2) in the last twelve months: 1" in body
    # Hour banks: org A has used 500 of 600 minutes (83 %), org B 0 of 6000.
    href, text = _figure(body, "banks")
    assert text.endswith(": 1")
    agreements = admin.get(href).get_data(as_text=True)
    assert agreements.count('<tr id="agreement-') == 1 and "Coopérative A" in agreements
    # Statements of last month: A's is to close, B's is closed.
    href, text = _figure(body, "statements")
    assert text.endswith(": 1")
    statements = admin.get(href).get_data(as_text=True)
    assert statements.count("badge--pending") == 1


def test_growth_only_against_a_comparable_period(dash_app, world, client_for):  # noqa: F811
    _dataset(dash_app, world)
    body = _glance(client_for(dash_app, world.admin))
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>.*?<td class="numeric">([^<]*)</td>\s*</tr>', body, re.S))
    assert rows["Requests opened"].strip() == "+200.0%"  # 3 against 1
    assert rows["Hours logged"].strip() == "—"  # nothing logged in the twelve months before


def test_the_glance_is_for_admins_in_constant_queries(dash_app, world, client_for):  # noqa: F811
    assert client_for(dash_app, world.expert).get("/widgets/glance").status_code == 404
    assert client_for(dash_app, world.member_a).get("/widgets/glance").status_code == 404
    admin = client_for(dash_app, world.admin)
    assert 'hx-get="/widgets/glance"' in admin.get("/").get_data(as_text=True)
    before = count_queries(dash_app, lambda: _glance(admin))
    _dataset(dash_app, world, extra=12)
    assert count_queries(dash_app, lambda: _glance(admin)) == before


def test_in_december_the_twelve_months_before_begin_with_their_december(dash_app, world):  # noqa: F811
    """The twelve months a year before, seen on December 6th, run from December two years back
    (its year is not the year that twelve-month period mostly lies in)."""
    from sqlalchemy import select

    from extranet.dashboard.glance import glance

    with dash_app.app_context():
        db.session.add_all([
            HoursMonthly(organization_id=world.org_a, field="sample", year=2024, month=12,
                         minutes=90, billable_minutes=90, cents=900),
            HoursMonthly(organization_id=world.org_a, field="sample", year=2025, month=11,
                         minutes=30, billable_minutes=30, cents=300),
            HoursMonthly(organization_id=world.org_a, field="sample", year=2024, month=11,
                         minutes=7, billable_minutes=7, cents=70),
        ])
        db.session.commit()
        figures = glance(select(ServiceRequest), today=date(2026, 12, 6))
    assert (figures.minutes["year_before"], figures.cents["year_before"]) == (120, 1200)
    assert figures.minutes["year"] == figures.minutes["month"] == figures.minutes["month_before"] == 0
