"""Service hours: durations, logging time on a request, editing, closed months, the hour bank
and its alerts, who sees hours, the weekly timesheet. Figures are checked against totals
computed by hand on a small fixture."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from extranet.extensions import db
from extranet.testing import count_queries, create_person, csrf_token

THIS_YEAR = date.today().year


# -- the world of the hours tests (their fixtures are in conftest.py) ---------------------------


def setup_world(app, people):
    """Both organizations subscribe to the sample field; ``expert`` and a second expert serve it."""
    from extranet.accounts.models import ExpertField
    from extranet.organizations.models import Subscription

    with app.app_context():
        for org in (people.org_a, people.org_b):
            db.session.add(Subscription(organization_id=org, field="sample"))
        db.session.add(ExpertField(user_id=people.expert.id, field="sample"))
        other = create_person("other.expert@test.org", "Olga Other", is_expert=True)
        db.session.add(ExpertField(user_id=other.id, field="sample"))
        db.session.commit()
    people.extra["other_expert"] = other
    return people


def make_request(app, people, reference, state="in_progress", org=None, requester=None, contacts=()):
    from extranet.requests.models import RequestParticipant, ServiceRequest

    with app.app_context():
        req = ServiceRequest(
            reference=reference, organization_id=org or people.org_a, field="sample", type="question",
            title=f"Request {reference}", state=state, requester_id=(requester or people.member_a).id, data={},
        )
        req.participants = [RequestParticipant(user_id=p.id, role="contact") for p in contacts]
        db.session.add(req)
        db.session.commit()
        return req.id


def add_entry(app, request_id, expert, day, minutes, billable=True, note=""):
    from extranet.hours.models import TimeEntry

    with app.app_context():
        entry = TimeEntry(request_id=request_id, expert_id=expert.id, date=day, minutes=minutes,
                          activity="analysis", billable=billable, note=note)
        db.session.add(entry)
        db.session.commit()
        return entry.id


def add_agreement(app, org, year, hours, carry_over="none", field="sample", rate=9500, overage=11000):
    from extranet.hours.models import Agreement

    with app.app_context():
        agreement = Agreement(organization_id=org, field=field, year=year, minutes_allotted=hours * 60,
                              hourly_rate_cents=rate, overage_rate_cents=overage, carry_over=carry_over)
        db.session.add(agreement)
        db.session.commit()
        return agreement.id


def close_month(app, org, month: date):
    from extranet.db_types import utcnow
    from extranet.hours.models import Statement

    with app.app_context():
        db.session.add(Statement(organization_id=org, month=month.replace(day=1), lines=[], closed_at=utcnow()))
        db.session.commit()


def log(client, reference, duration="1:30", day=None, htmx=False, **extra):
    data = {"date": (day or date.today()).isoformat(), "duration": duration, "activity": "meeting",
            "billable": "y", "note": "Internal: called the lawyer", "csrf_token": csrf_token(client, "/"), **extra}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/hours/requests/{reference}/time", data=data, headers=headers)


def entries(app):
    from extranet.hours.models import TimeEntry

    with app.app_context():
        return [(e.minutes, e.billable, e.expert_id, e.date) for e in db.session.scalars(
            db.select(TimeEntry).order_by(TimeEntry.id))]


# -- durations and money (units) ----------------------------------------------------------------


@pytest.mark.parametrize(("text", "minutes"), [
    ("1:30", 90), ("1h30", 90), ("1 h 30", 90), ("1h30m", 90), ("2h", 120), ("0:45", 45),
    ("90", 90), ("90 min", 90), ("45m", 45), ("1.5", 90), ("1,5", 90), ("0.25", 15), ("1.5h", 90),
    ("24:00", 1440), ("0", 0), ("1.01", 61),
])
def test_parse_duration(text, minutes):
    from extranet.hours.units import parse_duration

    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "abc", "1:75", "-1", "-1:30", "1.5.2", "h", "1:3:4", "1e3"])
def test_parse_duration_refuses(text):
    from extranet.hours.units import parse_duration

    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("text", "cents"), [
    ("95", 9500), ("95.00", 9500), ("95,00", 9500), ("95,5", 9550), ("1 234,56", 123456), ("$110.25", 11025),
])
def test_parse_money(text, cents):
    from extranet.hours.units import parse_money

    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["", "-5", "9.999", "abc", "1.2.3", "5,"])
def test_parse_money_refuses(text):
    from extranet.hours.units import parse_money

    with pytest.raises(ValueError):
        parse_money(text)


def test_amounts_and_overage_split():
    from extranet.hours.units import amount_cents, hours_decimal, split_overage

    assert amount_cents(90, 9500) == 14250  # 1.5 h at $95
    assert amount_cents(1, 9500) == 158  # 158.33 rounded
    assert amount_cents(50, 11000) == 9167  # 9166.67 rounded half up
    assert hours_decimal(90) == Decimal("1.50") and hours_decimal(20) == Decimal("0.33")
    assert split_overage(500, 200, 600) == (100, 100)
    assert split_overage(700, 60, 600) == (0, 60)
    assert split_overage(0, 60, 600) == (60, 0)
    assert amount_cents(1, 30) == 1 and amount_cents(-1, 30) == -1  # a half cent: away from zero
    half_up = Decimal(1)
    for minutes in (*range(-61, 130), 44_640, 1_000_003):
        for rate in (0, 1, 29, 30, 31, 9500, 12_345, 99_999):
            exact = (Decimal(minutes) * rate / 60).quantize(half_up, rounding="ROUND_HALF_UP")
            assert amount_cents(minutes, rate) == int(exact), (minutes, rate)


def test_format_minutes_per_locale(hours_app):
    from flask_babel import force_locale

    from extranet.hours.units import format_minutes

    with hours_app.test_request_context(), force_locale("en"):
        assert format_minutes(90) == "1:30" and format_minutes(0) == "0:00"
        assert format_minutes(123405) == "2,056:45"


# -- logging time on a request ------------------------------------------------------------------


def test_expert_logs_time_from_the_request_page(hours_app, world, client_for):
    make_request(hours_app, world, "S-1")
    expert = client_for(hours_app, world.expert)
    page = expert.get("/requests/S-1").get_data(as_text=True)
    assert 'hx-get="/hours/requests/S-1"' in page
    panel = expert.get("/hours/requests/S-1", headers={"HX-Request": "true"})
    body = panel.get_data(as_text=True)
    assert panel.status_code == 200 and "<html" not in body
    assert 'id="log-time"' in body and "No time logged yet." in body
    assert f'value="{date.today().isoformat()}"' in body  # the date defaults to today

    response = log(expert, "S-1", "1h30")
    assert response.status_code == 303 and response.location.endswith("/requests/S-1#hours-panel")
    response = log(expert, "S-1", "0.5", htmx=True, billable="")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "time-logged"
    body = response.get_data(as_text=True)
    assert "0:30 logged on S-1." in body and "<html" not in body
    assert "Total 2:00 — billable 1:30, non-billable 0:30" in body
    assert "Internal: called the lawyer" in body  # experts see the notes
    assert [(m, b) for m, b, _e, _d in entries(hours_app)] == [(90, True), (30, False)]


@pytest.mark.parametrize(("duration", "error"), [
    ("abc", "Enter a duration such as"), ("0", "more than zero"), ("24:01", "cannot exceed 24 hours"),
    ("", "This field is required"),
])
def test_invalid_durations_are_refused(hours_app, world, client_for, duration, error):
    make_request(hours_app, world, "S-1")
    expert = client_for(hours_app, world.expert)
    response = log(expert, "S-1", duration, htmx=True)
    assert response.status_code == 422 and error in response.get_data(as_text=True)
    assert entries(hours_app) == []


def test_a_member_never_logs_time(hours_app, world, client_for):
    make_request(hours_app, world, "S-1")
    for person in (world.member_a, world.manager_a, world.member_b):
        client = client_for(hours_app, person)
        assert log(client, "S-1").status_code == 404
    member = client_for(hours_app, world.member_a)
    assert member.get("/hours/requests/S-1").status_code == 404
    assert 'hx-get="/hours/requests/S-1"' not in member.get("/requests/S-1").get_data(as_text=True)
    assert entries(hours_app) == []


def test_an_expert_of_another_field_cannot_log_time(hours_app, world, client_for):
    from extranet.accounts.models import ExpertField

    make_request(hours_app, world, "S-1")
    with hours_app.app_context():
        db.session.execute(db.delete(ExpertField).where(ExpertField.user_id == world.expert.id,
                                                        ExpertField.field == "sample"))
        db.session.commit()
    assert log(client_for(hours_app, world.expert), "S-1").status_code == 404


def test_an_expert_edits_and_deletes_only_their_own_entries(hours_app, world, client_for):
    request_id = make_request(hours_app, world, "S-1")
    mine = add_entry(hours_app, request_id, world.expert, date.today(), 60)
    other = client_for(hours_app, world.extra["other_expert"])
    token = csrf_token(other, "/")
    assert other.get(f"/hours/entries/{mine}/edit").status_code == 404
    assert other.post(f"/hours/entries/{mine}/edit", data={"date": date.today().isoformat(), "duration": "5",
                                                          "activity": "other", "csrf_token": token}).status_code == 404
    assert other.post(f"/hours/entries/{mine}/delete", data={"csrf_token": token}).status_code == 404
    panel = other.get("/hours/requests/S-1").get_data(as_text=True)
    assert f"/hours/entries/{mine}/edit" not in panel  # no edit link on another's entry

    expert = client_for(hours_app, world.expert)
    page = expert.get(f"/hours/entries/{mine}/edit")
    assert page.status_code == 200 and 'value="1:00"' in page.get_data(as_text=True)
    response = expert.post(f"/hours/entries/{mine}/edit", data={
        "date": date.today().isoformat(), "duration": "2:15", "activity": "drafting",
        "csrf_token": csrf_token(expert, "/")})
    assert response.status_code == 303
    assert entries(hours_app) == [(135, False, world.expert.id, date.today())]  # billable unticked

    # An admin may change anyone's entries.
    admin = client_for(hours_app, world.admin)
    assert admin.post(f"/hours/entries/{mine}/delete", data={"csrf_token": csrf_token(admin, "/")},
                      headers={"HX-Request": "true"}).status_code == 200
    assert entries(hours_app) == []


def test_a_closed_month_cannot_change(hours_app, world, client_for):
    request_id = make_request(hours_app, world, "S-1")
    last_month = date.today().replace(day=1) - timedelta(days=1)
    entry = add_entry(hours_app, request_id, world.expert, last_month, 60)
    close_month(hours_app, world.org_a, last_month)
    expert = client_for(hours_app, world.expert)

    response = log(expert, "S-1", "1:00", day=last_month, htmx=True)
    assert response.status_code == 422 and "is closed: its time entries can no longer change" in response.get_data(as_text=True)

    response = expert.post(f"/hours/entries/{entry}/edit", data={
        "date": last_month.isoformat(), "duration": "3:00", "activity": "review", "billable": "y",
        "csrf_token": csrf_token(expert, "/")})
    assert response.status_code == 422
    # Moving an entry of an open month into the closed one is refused too.
    current = add_entry(hours_app, request_id, world.expert, date.today(), 30)
    response = expert.post(f"/hours/entries/{current}/edit", data={
        "date": last_month.isoformat(), "duration": "0:30", "activity": "review", "billable": "y",
        "csrf_token": csrf_token(expert, "/")})
    assert response.status_code == 422

    response = expert.post(f"/hours/entries/{entry}/delete", data={"csrf_token": csrf_token(expert, "/")})
    assert response.status_code == 303
    assert sorted(m for m, *_ in entries(hours_app)) == [30, 60]
    # The other organization's months are not closed.
    make_request(hours_app, world, "S-B", org=world.org_b, requester=world.member_b)
    assert log(expert, "S-B", "1:00", day=last_month).status_code == 303


# -- the hour bank ----------------------------------------------------------------------------------


def _bank_fixture(app, people, carry_over):
    """2025-like previous year: 10 h allotted, 6 h billable + 1 h non-billable used (4 h unused).
    This year: 20 h allotted; 25 h billable used in the field, 2 h non-billable, plus 3 h in
    organization B and 5 h dated last year-end that count for the previous year only."""
    a = make_request(app, people, "S-A")
    b = make_request(app, people, "S-B", org=people.org_b, requester=people.member_b)
    add_agreement(app, people.org_a, THIS_YEAR - 1, 10)
    add_agreement(app, people.org_a, THIS_YEAR, 20, carry_over=carry_over)
    expert = people.expert
    add_entry(app, a, expert, date(THIS_YEAR - 1, 3, 1), 6 * 60)
    add_entry(app, a, expert, date(THIS_YEAR - 1, 3, 2), 60, billable=False)
    add_entry(app, a, expert, date(THIS_YEAR, 1, 1), 10 * 60)
    add_entry(app, a, expert, date(THIS_YEAR, 1, 2), 15 * 60)
    add_entry(app, a, expert, date(THIS_YEAR, 1, 3), 2 * 60, billable=False)
    add_entry(app, b, expert, date(THIS_YEAR, 1, 3), 3 * 60)


def test_balance_with_carry_over(hours_app, world):
    from extranet.hours.balances import balance, balances_of_agreements
    from extranet.hours.models import Agreement

    _bank_fixture(hours_app, world, "unused")
    with hours_app.app_context():
        b = balance(world.org_a, "sample", THIS_YEAR)
        assert (b.base, b.carried, b.allotted, b.used) == (1200, 240, 1440, 1500)
        assert (b.remaining, b.overage) == (0, 60)
        assert b.percent == Decimal("104.2")
        assert b.overage_cents == 11000  # 1 h at the overage rate
        previous = balance(world.org_a, "sample", THIS_YEAR - 1)
        assert (previous.allotted, previous.used, previous.remaining, previous.percent) == (600, 360, 240, Decimal("60.0"))
        assert balance(world.org_a, "sample", THIS_YEAR, until=date(THIS_YEAR, 1, 1)).used == 600
        assert balance(world.org_b, "sample", THIS_YEAR).used == 180
        assert balance(world.org_b, "sample", THIS_YEAR).percent is None  # no agreement
        same = balances_of_agreements(list(db.session.scalars(db.select(Agreement))))
        assert sorted((x.year, x.allotted, x.used) for x in same.values()) == [
            (THIS_YEAR - 1, 600, 360), (THIS_YEAR, 1440, 1500)]


def test_balance_without_carry_over(hours_app, world, client_for):
    from extranet.hours.balances import balance

    _bank_fixture(hours_app, world, "none")
    with hours_app.app_context():
        b = balance(world.org_a, "sample", THIS_YEAR)
        assert (b.allotted, b.used, b.remaining, b.overage, b.percent) == (1200, 1500, 0, 300, Decimal("125.0"))
    page = client_for(hours_app, world.manager_a).get(f"/hours/?year={THIS_YEAR}").get_data(as_text=True)
    assert "25:00 used of 20:00 (125%)" in page and "5:00 beyond the allotment" in page
    assert '<meter id="balance-sample" min="0" max="1200" value="1200"' in page


def test_thresholds_notify_managers_once(hours_app, world, client_for):
    from extranet.notifications.models import Notification, OutboxEmail

    make_request(hours_app, world, "S-1")
    add_agreement(hours_app, world.org_a, THIS_YEAR, 10)
    expert = client_for(hours_app, world.expert)

    def alerts():
        with hours_app.app_context():
            return sorted((n.user_id, n.kind) for n in db.session.scalars(db.select(Notification)))

    assert log(expert, "S-1", "7:00").status_code == 303  # 70 %
    assert alerts() == []
    assert log(expert, "S-1", "1:00").status_code == 303  # 80 %
    assert alerts() == [(world.manager_a.id, "hours_80")]
    assert log(expert, "S-1", "0:30").status_code == 303  # 85 %: nothing new
    assert log(expert, "S-1", "3:00", billable="").status_code == 303  # non-billable: 85 % still
    assert alerts() == [(world.manager_a.id, "hours_80")]
    assert log(expert, "S-1", "2:00").status_code == 303  # 105 %
    assert log(expert, "S-1", "1:00").status_code == 303  # 115 %: nothing new
    assert alerts() == [(world.manager_a.id, "hours_100"), (world.manager_a.id, "hours_80")]
    with hours_app.app_context():
        mails = [(m.to, m.subject) for m in db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id))]
    assert mails == [
        ("manager.a@test.org", f"Coopérative A has used 80% of its Sample field hours for {THIS_YEAR}."),
        ("manager.a@test.org", f"Coopérative A has used all its Sample field hours for {THIS_YEAR} (105%)."),
    ]
    notifications = client_for(hours_app, world.manager_a).get("/notifications/").get_data(as_text=True)
    assert f"has used 80% of its Sample field hours for {THIS_YEAR}" in notifications


def test_managers_see_the_balance_members_per_module_setting(hours_app, world, client_for):
    request_id = make_request(hours_app, world, "S-1")
    add_agreement(hours_app, world.org_a, THIS_YEAR, 10)
    add_entry(hours_app, request_id, world.expert, date.today(), 150, note="secret note")
    manager, member = client_for(hours_app, world.manager_a), client_for(hours_app, world.member_a)

    page = manager.get("/hours/").get_data(as_text=True)
    assert "2:30 used of 10:00 (25%)" in page and "7:30 remaining" in page
    assert "Hour bank" in manager.get("/").get_data(as_text=True)  # the dashboard widget
    widget = manager.get("/hours/widget", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "2:30 used of 10:00" in widget
    panel = manager.get("/hours/requests/S-1").get_data(as_text=True)
    assert "2:30" in panel and "secret note" not in panel and 'id="log-time"' not in panel

    assert member.get("/hours/").status_code == 404
    assert member.get("/hours/widget").status_code == 404
    assert member.get("/hours/requests/S-1").status_code == 404
    assert "Hour bank" not in member.get("/").get_data(as_text=True)
    # Organization B's people never see A's hours.
    other = client_for(hours_app, world.manager_b)
    assert "2:30" not in other.get("/hours/").get_data(as_text=True)
    assert other.get("/hours/requests/S-1").status_code == 404

    admin = client_for(hours_app, world.admin)
    response = admin.post("/hours/settings/sample", data={"sample-members_see_hours": "y",
                                                          "csrf_token": csrf_token(admin, "/")})
    assert response.status_code == 303
    assert "2:30 used of 10:00" in member.get("/hours/").get_data(as_text=True)
    panel = member.get("/hours/requests/S-1").get_data(as_text=True)
    assert "Total 2:30" in panel and "secret note" not in panel
    assert 'hx-get="/hours/requests/S-1"' in member.get("/requests/S-1").get_data(as_text=True)
    assert member.get("/hours/entries/1/edit").status_code == 404

    admin.post("/hours/settings/sample", data={"sample-members_see_hours": "y", "sample-members_see_time_notes": "y",
                                               "csrf_token": csrf_token(admin, "/")})
    assert "secret note" in member.get("/hours/requests/S-1").get_data(as_text=True)
    admin.post("/hours/settings/sample", data={"csrf_token": csrf_token(admin, "/")})
    assert member.get("/hours/").status_code == 404


def test_experts_see_the_balance_when_logging_time(hours_app, world, client_for):
    request_id = make_request(hours_app, world, "S-1")
    add_agreement(hours_app, world.org_a, THIS_YEAR, 4, carry_over="unused")
    add_agreement(hours_app, world.org_a, THIS_YEAR - 1, 2)
    add_entry(hours_app, request_id, world.expert, date.today(), 90)
    panel = client_for(hours_app, world.expert).get("/hours/requests/S-1").get_data(as_text=True)
    assert "1:30 used of 6:00 (25%)" in panel and "Including 2:00 carried over" in panel


# -- the weekly timesheet -----------------------------------------------------------------------


def test_timesheet_queries_do_not_grow_with_its_rows(hours_app, world, client_for):
    """Each row links its request when the policy lets the viewer see it: what the policy reads
    (organization, participants) is loaded for every row at once."""
    monday = date(2026, 11, 23)
    expert = client_for(hours_app, world.expert)

    def page():
        assert expert.get("/hours/timesheet?week=2026-W48").status_code == 200

    add_entry(hours_app, make_request(hours_app, world, "S-1"), world.expert, monday, 30)
    few = count_queries(hours_app, page)
    for i in range(2, 8):
        request_id = make_request(hours_app, world, f"S-{i}", org=world.org_b if i % 2 else None,
                                  contacts=[world.member_a] if i % 3 == 0 else ())
        add_entry(hours_app, request_id, world.expert, monday + timedelta(days=i % 7), 15)
    assert count_queries(hours_app, page) == few


def test_weekly_timesheet_totals(hours_app, world, client_for):
    a = make_request(hours_app, world, "S-1")
    b = make_request(hours_app, world, "S-2")
    monday = date(2026, 11, 23)  # 2026-W48
    add_entry(hours_app, a, world.expert, monday, 90)
    add_entry(hours_app, a, world.expert, monday, 45)
    add_entry(hours_app, b, world.expert, monday + timedelta(days=2), 60, billable=False)
    add_entry(hours_app, b, world.expert, monday + timedelta(days=6), 30)
    add_entry(hours_app, b, world.expert, monday + timedelta(days=7), 600)  # the next week
    add_entry(hours_app, a, world.extra["other_expert"], monday, 300)  # someone else's

    expert = client_for(hours_app, world.expert)
    page = expert.get("/hours/timesheet?week=2026-W48").get_data(as_text=True)
    assert 'id="week-total"><strong>3:45</strong>' in page
    assert 'data-day-total="0">2:15<' in page and 'data-day-total="2">1:00<' in page
    assert 'data-day-total="6">0:30<' in page and 'data-day-total="1">0:00<' in page
    assert "Billable: 2:45 of 3:45." in page
    assert 'href="/requests/S-1"' in page and 'href="/requests/S-2"' in page
    assert "week=2026-W47" in page and "week=2026-W49" in page
    fragment = expert.get("/hours/timesheet?week=2026-W49", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="week-total"><strong>10:00</strong>' in fragment

    other_id = world.extra["other_expert"].id
    assert expert.get(f"/hours/timesheet?expert={other_id}").status_code == 404
    assert client_for(hours_app, world.member_a).get("/hours/timesheet").status_code == 404
    admin_page = client_for(hours_app, world.admin).get(f"/hours/timesheet?week=2026-W48&expert={other_id}")
    assert admin_page.status_code == 200 and 'id="week-total"><strong>5:00</strong>' in admin_page.get_data(as_text=True)
    # An admin with no timesheet of their own sees the first expert's, the one the picker shows.
    default = client_for(hours_app, world.admin).get("/hours/timesheet?week=2026-W48").get_data(as_text=True)
    first = sorted([world.expert, world.extra["other_expert"]], key=lambda p: p.name)[0]
    assert first.name in default and 'id="week-total"><strong>0:00</strong>' not in default


# -- demo ---------------------------------------------------------------------------------------------


def test_demo_hours(app):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy import func

    from extranet.demo import load_demo
    from extranet.hours.balances import balances
    from extranet.hours.models import Agreement, Satisfaction, TimeEntry
    from extranet.organizations.models import Organization
    from extranet.plugins import host
    from extranet.requests.models import ServiceRequest

    def counts():
        return (db.session.scalar(func.count(Agreement.id)), db.session.scalar(func.count(TimeEntry.id)),
                db.session.scalar(db.select(func.sum(TimeEntry.minutes))), db.session.scalar(func.count(Satisfaction.id)))

    with app.app_context():
        load_demo("demo-password")
        # The cooperative's date: the demo's year is Québec's, whatever the server's time zone.
        today = datetime.now(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()
        first = counts()
        fields = list(host().fields)
        assert first[0] == 2 * 2 * len(fields)  # two organizations, two years, every field
        dates = db.session.execute(db.select(func.min(TimeEntry.date), func.max(TimeEntry.date))).one()
        assert dates[1] <= today and (dates[1] - dates[0]).days >= 360
        # More than a year of entries: since January 1 of last year, more than one a working day.
        assert first[1] > sum(1 for n in range((dates[1] - dates[0]).days) if (dates[0] + timedelta(days=n)).weekday() < 5)
        billable = db.session.scalar(db.select(func.count(TimeEntry.id)).where(TimeEntry.billable.is_(False)))
        assert 0 < billable < first[1] / 4
        closed = db.session.scalar(db.select(func.count(ServiceRequest.id)).where(ServiceRequest.state == "closed"))
        assert first[3] == closed > 0
        org = db.session.scalar(db.select(Organization).where(Organization.name.like("%Jardins du Fleuve%")))
        bank = balances(org.id, today.year, fields)
        assert all(b.allotted > 0 for b in bank.values())
        load_demo("demo-password")
        assert counts() == first


def test_the_hours_page_for_each_role(hours_app, world, client_for):
    request_id = make_request(hours_app, world, "S-1")
    add_agreement(hours_app, world.org_a, THIS_YEAR, 10)
    add_entry(hours_app, request_id, world.expert, date.today(), 60)
    expert = client_for(hours_app, world.expert)
    page = expert.get("/hours/").get_data(as_text=True)
    assert 'href="/hours/timesheet"' in page and 'href="/hours/agreements"' not in page
    assert 'href="/hours/"' in expert.get("/").get_data(as_text=True)  # the menu
    admin = client_for(hours_app, world.admin)
    page = admin.get(f"/hours/?organization={world.org_a}&year={THIS_YEAR}").get_data(as_text=True)
    assert 'href="/hours/agreements"' in page and "1:00 used of 10:00 (10%)" in page
    assert 'href="/hours/"' not in client_for(hours_app, world.member_a).get("/").get_data(as_text=True)
