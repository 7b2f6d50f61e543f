"""Calendar feeds: a private ICS address per person (and per organization for its managers),
parsed as a calendar application would; what a reader may not open never appears; a revoked or
renewed address answers 404; another organization never leaks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from extranet.extensions import db
from extranet.requests.models import ServiceRequest
from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_notifications import file_request
from tests.test_plugins import _subscribe_org_a

DUE = datetime(2031, 3, 14, 16, 0, tzinfo=UTC)


@pytest.fixture
def cal_app(register_plugin, people):
    from extranet.organizations.models import Subscription

    app = register_plugin(SamplePlugin())
    _subscribe_org_a(app, people)
    with app.app_context():
        db.session.add(Subscription(organization_id=people.org_b, field="sample"))
        db.session.commit()
    return app


def make_feed(client, organization_id=None) -> str:
    data = {"csrf_token": csrf_token(client, "/profile/calendar")}
    if organization_id:
        data["organization_id"] = str(organization_id)
    response = client.post("/profile/calendar", data=data)
    assert response.status_code == 200, response.status_code
    return re.search(r'calendar-url">http://localhost(/calendar/[^<]+\.ics)<', response.get_data(as_text=True)).group(1)


def read(client, path) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return [{"summary": str(e["SUMMARY"]), "start": e.decoded("DTSTART"), "uid": str(e["UID"]),
             "description": str(e["DESCRIPTION"])} for e in calendar.walk("VEVENT")]


def due(app, *references):
    with app.app_context():
        db.session.execute(db.update(ServiceRequest).where(ServiceRequest.reference.in_(references)).values(due_at=DUE))
        db.session.commit()


def test_feeds_list_what_each_reader_may_open(cal_app, people, client_for):
    member_a, member_b = client_for(cal_app, people.member_a), client_for(cal_app, people.member_b)
    manager_a, expert = client_for(cal_app, people.manager_a), client_for(cal_app, people.expert)
    open_ref = file_request(member_a, title="Open; title, with \\ signs")
    hidden_ref = file_request(member_a, title="Hidden title", restricted=True)
    other_ref = file_request(member_b, title="Other organization")
    no_date = file_request(member_a, title="No due date")
    due(cal_app, open_ref, hidden_ref, other_ref)
    assert expert.post(f"/requests/{open_ref}/take", data={"csrf_token": csrf_token(expert, "/")}).status_code == 303

    mine = read(member_a, make_feed(member_a))
    assert sorted(e["summary"] for e in mine) == sorted([
        f"Due: {open_ref} Open; title, with \\ signs", f"Due: {hidden_ref} (Sample field)"])
    assert {e["start"] for e in mine} == {date(2031, 3, 14)}  # a whole day, in the cooperative's zone
    assert all(f"/requests/{open_ref}" in e["description"] or f"/requests/{hidden_ref}" in e["description"]
               for e in mine)
    assert not any(no_date in e["summary"] or other_ref in e["summary"] for e in mine)

    # The manager's organization feed: the standard request, not a colleague's restricted one.
    organization = read(manager_a, make_feed(manager_a, people.org_a))
    assert [e["summary"] for e in organization] == [f"Due: {open_ref} Open; title, with \\ signs"]
    # The expert's own: what is assigned to them.
    assert [e["summary"] for e in read(expert, make_feed(expert))] == [f"Due: {open_ref} Open; title, with \\ signs"]
    # Another organization: its member's feed holds only its own; its manager cannot have A's feed.
    assert [e["summary"] for e in read(member_b, make_feed(member_b))] == [f"Due: {other_ref} Other organization"]
    manager_b = client_for(cal_app, people.manager_b)
    response = manager_b.post("/profile/calendar", data={"csrf_token": csrf_token(manager_b, "/profile/calendar"),
                                                        "organization_id": str(people.org_a)})
    assert response.status_code == 404
    for client in (manager_a, expert, member_b):
        assert b"Hidden title" not in client.get(make_feed(client)).data
    assert b"Hidden title" not in member_a.get(make_feed(member_a)).data  # even for its requester
    # A feed is read with no session at all.
    anonymous = cal_app.test_client()
    assert len(read(anonymous, make_feed(member_a))) == 2


def test_a_revoked_or_renewed_address_answers_404(cal_app, people, client_for):
    member = client_for(cal_app, people.member_a)
    first = make_feed(member)
    visitor = cal_app.test_client()
    assert visitor.get(first).status_code == 200
    second = make_feed(member)
    assert visitor.get(first).status_code == 404 and visitor.get(second).status_code == 200
    page = member.get("/profile/calendar").get_data(as_text=True)
    assert second not in page  # shown once only: the address is not kept
    token = csrf_token(member, "/profile/calendar")
    assert member.post("/profile/calendar/revoke", data={"csrf_token": token}).status_code == 303
    assert visitor.get(second).status_code == 404
    assert visitor.get("/calendar/not-a-token.ics").status_code == 404


def test_a_feed_stops_with_its_owners_access(cal_app, people, client_for):
    from extranet.accounts.models import User
    from extranet.organizations.models import Membership

    manager = client_for(cal_app, people.manager_a)
    organization, own = make_feed(manager, people.org_a), make_feed(manager)
    visitor = cal_app.test_client()
    with cal_app.app_context():
        db.session.execute(db.update(Membership).where(Membership.user_id == people.manager_a.id).values(role="member"))
        db.session.commit()
    assert visitor.get(organization).status_code == 404 and visitor.get(own).status_code == 200
    with cal_app.app_context():
        db.session.execute(db.update(User).where(User.id == people.manager_a.id).values(active=False))
        db.session.commit()
    assert visitor.get(own).status_code == 404


def test_an_erased_persons_calendar_addresses_are_deleted(cal_app, people, client_for):
    from extranet.calendars.models import CalendarFeed

    member = client_for(cal_app, people.member_a)
    feed = make_feed(member)
    assert member.post("/profile/erasure", data={"csrf_token": csrf_token(member, "/profile")}).status_code == 303
    admin = client_for(cal_app, people.admin)
    asked_id = re.search(r'id="erasure-(\d+)"', admin.get("/admin/erasures/").get_data(as_text=True)).group(1)
    response = admin.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": csrf_token(admin, "/admin/erasures/")})
    assert response.status_code == 303
    assert cal_app.test_client().get(feed).status_code == 404
    with cal_app.app_context():
        assert db.session.scalar(db.select(db.func.count(CalendarFeed.id))) == 0


def test_experts_feeds_hold_the_service_targets_deadlines(cal_app, people, client_for):
    from extranet.accounts.models import User
    from extranet.servicetargets.models import RequestClock

    member, expert = client_for(cal_app, people.member_a), client_for(cal_app, people.expert)
    reference = file_request(member, title="Hidden title", restricted=True)
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": csrf_token(expert, "/")}).status_code == 303
    response_due = datetime(2031, 3, 14, 15, 30, tzinfo=UTC)
    with cal_app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        clock = db.session.get(RequestClock, req.id) or RequestClock(request_id=req.id)
        clock.first_response_due_at, clock.resolution_due_at, clock.paused = response_due, None, False
        db.session.add(clock)
        db.session.execute(db.update(User).where(User.id == people.expert.id).values(locale="fr_CA"))
        db.session.commit()
    [event] = read(expert, make_feed(expert))
    assert event["summary"] == f"Première réponse attendue\u00a0: {reference} (Sample field)"
    assert event["start"] == response_due  # at its time, in UTC
    assert read(member, make_feed(member)) == []  # members do not see the targets
