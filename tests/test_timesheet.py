"""The expert's timesheet: time logged on a request chosen there, corrected and deleted from
it, and the week's total against the expert's weekly capacity (set in the profile)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from extranet.extensions import db
from extranet.hours.units import iso_week
from extranet.testing import count_queries, csrf_token
from tests.test_hours import add_entry, close_month, make_request


def _entries(app, expert):
    from extranet.hours.models import TimeEntry

    with app.app_context():
        return [(e.request_id, e.date, e.minutes, e.billable)
                for e in db.session.scalars(db.select(TimeEntry).where(TimeEntry.expert_id == expert.id))]


def _log(client, request_id, day, duration="1:30", **extra):
    data = {"request_id": str(request_id), "date": day.isoformat(), "duration": duration, "activity": "meeting",
            "billable": "y", "csrf_token": csrf_token(client, "/"), **extra}
    return client.post("/hours/timesheet/time", data=data)


def test_time_is_logged_from_the_timesheet_on_a_request_one_may_log_on(hours_app, world, client_for):
    mine = make_request(hours_app, world, "S-1")
    closed = make_request(hours_app, world, "S-2", state="closed")
    expert = client_for(hours_app, world.expert)
    page = expert.get("/hours/timesheet").get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"[^>]*>S-\d', page)
    assert options == [str(mine)]  # open requests of their fields only

    monday = date.today() - timedelta(days=date.today().weekday())
    response = _log(expert, mine, monday, "2:30", billable="")
    assert response.status_code == 303 and f"week={iso_week(monday)}" in response.headers["Location"]
    assert _entries(hours_app, world.expert) == [(mine, monday, 150, False)]
    page = expert.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="week-total"><strong>2:30</strong>' in page
    assert "This week: 2:30 of a capacity of 35:00 (7 %)" in page

    # A request not offered (closed), a bad duration: the form says so, nothing is logged.
    assert _log(expert, closed, monday).status_code == 422
    assert _log(expert, mine, monday, "abc").status_code == 422
    assert _log(expert, 10**30, monday).status_code == 422
    assert len(_entries(hours_app, world.expert)) == 1
    # Members have no timesheet; a closed month refuses the time.
    assert _log(client_for(hours_app, world.member_a), mine, monday).status_code == 404
    last_month = (date.today().replace(day=1) - timedelta(days=1))
    close_month(hours_app, world.org_a, last_month)
    assert _log(expert, mine, last_month).status_code == 422
    assert len(_entries(hours_app, world.expert)) == 1


def test_entries_are_corrected_and_deleted_from_the_timesheet(hours_app, world, client_for):
    req = make_request(hours_app, world, "S-1")
    monday = date(2026, 11, 23)
    entry = add_entry(hours_app, req, world.expert, monday, 60)
    expert = client_for(hours_app, world.expert)
    page = expert.get("/hours/timesheet?week=2026-W48").get_data(as_text=True)
    assert f"/hours/entries/{entry}/edit?back=timesheet" in page
    assert 'data-confirm="Delete this time entry?"' in page

    response = expert.post(f"/hours/entries/{entry}/edit", data={
        "date": (monday + timedelta(days=8)).isoformat(), "duration": "45", "activity": "review",
        "billable": "y", "back": "timesheet", "csrf_token": csrf_token(expert, "/")})
    assert response.status_code == 303 and response.headers["Location"].endswith("week=2026-W49")
    assert _entries(hours_app, world.expert) == [(req, monday + timedelta(days=8), 45, True)]

    response = expert.post(f"/hours/entries/{entry}/delete", data={"back": "timesheet",
                                                                   "csrf_token": csrf_token(expert, "/")})
    assert response.status_code == 303 and response.headers["Location"].endswith("week=2026-W49")
    assert _entries(hours_app, world.expert) == []


def test_capacity_is_set_in_the_profile_and_the_page_stays_cheap(hours_app, world, client_for):
    expert = client_for(hours_app, world.expert)
    response = expert.post("/profile", data={"name": "Ed Expert", "locale": "en", "weekly_hours": "28,5",
                                             "csrf_token": csrf_token(expert, "/")})
    assert response.status_code == 303
    req = make_request(hours_app, world, "S-1")
    monday = date(2026, 11, 23)
    add_entry(hours_app, req, world.expert, monday, 570)
    page = expert.get("/hours/timesheet?week=2026-W48").get_data(as_text=True)
    assert "This week: 9:30 of a capacity of 28:30 (33 %)" in page
    assert 'name="weekly_hours"' not in client_for(hours_app, world.member_a).get("/profile").get_data(as_text=True)

    def load():
        assert expert.get("/hours/timesheet?week=2026-W48").status_code == 200

    few = count_queries(hours_app, load)
    for i in range(2, 9):
        other = make_request(hours_app, world, f"S-{i}", org=world.org_b if i % 2 else None,
                             contacts=[world.member_a] if i % 3 == 0 else ())
        add_entry(hours_app, other, world.expert, monday + timedelta(days=i % 7), 15)
    assert count_queries(hours_app, load) == few


def test_the_requests_offered_are_those_the_rule_lets_one_log_on(hours_app, world, client_for):
    """The choices come from one query, not from ``time.log`` asked per request: they must be
    the open requests for which the rule says yes, for an expert and an admin, a restricted
    request of another expert's and a paused module included."""
    from extranet.accounts.models import User
    from extranet.modules import Module
    from extranet.policy import can
    from extranet.requests.models import RequestParticipant, ServiceRequest

    numbers = [make_request(hours_app, world, f"S-{i}", org=world.org_b if i % 2 else None) for i in range(1, 4)]
    numbers.append(make_request(hours_app, world, "S-4", state="closed"))
    with hours_app.app_context():
        for number, assignee in ((numbers[1], world.extra["other_expert"]), (numbers[2], None)):
            req = db.session.get(ServiceRequest, number)
            req.confidentiality = "restricted"
            if assignee is not None:
                req.participants.append(RequestParticipant(user_id=assignee.id, role="assignee"))
        db.session.commit()

    def offered(person) -> list[int]:
        from extranet.hours.views import _loggable_choices

        with hours_app.test_request_context():
            return sorted(number for number, _label in _loggable_choices(db.session.get(User, person.id)))

    def allowed(person) -> list[int]:
        with hours_app.test_request_context():
            user = db.session.get(User, person.id)
            return sorted(n for n in numbers if db.session.get(ServiceRequest, n).state != "closed"
                          and can(user, "time.log", db.session.get(ServiceRequest, n)))

    assert offered(world.expert) == allowed(world.expert) == [numbers[0], numbers[2]]
    page = client_for(hours_app, world.expert).get("/hours/timesheet").get_data(as_text=True)
    assert sorted(int(n) for n in re.findall(r'<option value="(\d+)"[^>]*>S-\d', page)) == [numbers[0], numbers[2]]
    assert offered(world.admin) == allowed(world.admin) == numbers[:3]
    with hours_app.app_context():  # the module paused: nothing to log on, for the admin too
        db.session.add(Module(slug="sample", enabled=False, settings={}))
        db.session.commit()
    assert offered(world.admin) == allowed(world.admin) == []
