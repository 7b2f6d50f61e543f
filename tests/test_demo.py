"""The demo tells one coherent story: what its requests, events, time entries, notifications,
statements and reports say agrees with itself (``flask demo``, ``extranet.demo``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from extranet.accounts.models import User
from extranet.demo import load_demo
from extranet.extensions import db
from extranet.hours.models import Agreement, Satisfaction, Statement, TimeEntry
from extranet.notifications.models import Notification, OutboxEmail
from extranet.requests.models import RequestEvent, RequestParticipant, ServiceRequest
from extranet.testing import csrf_token

# States a request reaches only once an expert has taken it.
UNTAKEN = {"submitted", "cancelled"}
# The accounting review is a second pair of eyes: by an expert who is not assigned.
SECOND_REVIEW = {"approve_review", "request_changes"}


def _load(app):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo password"])
    assert result.exit_code == 0, result.output


def _counts() -> dict:
    models = (ServiceRequest, RequestEvent, RequestParticipant, TimeEntry, Notification, Statement,
              Agreement, Satisfaction, OutboxEmail)
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def _requests_and_events():
    requests = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
    events = defaultdict(list)
    for event in db.session.scalars(select(RequestEvent).order_by(RequestEvent.id)):
        events[event.request_id].append(event)
    return requests, events


def check_requests(requests, events, now):
    experts = {u.id for u in db.session.scalars(select(User).where(User.is_expert.is_(True)))}
    for req in requests:
        where = f"{req.reference} ({req.state})"
        assignees = {p.user_id for p in req.participants if p.role == "assignee"}
        if req.state not in UNTAKEN:
            assert assignees, f"{where} left 'submitted' without an assigned expert"
        timeline = events[req.id]
        assert timeline[0].kind == "created" and timeline[0].at == req.created_at, where
        assert [e.at for e in timeline] == sorted(e.at for e in timeline), f"{where}: events out of order"
        assert timeline[-1].at <= now and req.created_at <= now, f"{where}: an event in the future"
        assert req.reference.split("-")[1] == str(req.created_at.year), f"{where}: filed {req.created_at:%Y}"
        assigned = set()
        for event in timeline:
            if event.kind == "assigned":
                assigned.add(event.actor_id)
            if event.kind == "transition" and event.actor_id in experts and event.transition not in SECOND_REVIEW:
                assert event.actor_id in assigned, f"{where}: {event.transition} by an expert not assigned"
            if event.transition in SECOND_REVIEW:
                assert event.actor_id not in assigned, f"{where}: reviewed by the assigned expert"
        moved = [e for e in timeline if e.kind == "transition"]
        if moved:
            assert moved[-1].to_state == req.state and moved[-1].at == req.state_changed_at, where
        for message in req.messages:
            assert req.created_at <= message.created_at <= now, f"{where}: a message out of its life"
    # Every field and state of its workflows, for both organizations.
    from extranet.demo.requests import told_types
    from extranet.plugins import host

    for org_id in {r.organization_id for r in requests}:
        for slug, types in told_types().items():
            workflows = {host().workflows[t.workflow] for t in types}
            wanted = {s.slug for w in workflows for s in w.states}
            have = {r.state for r in requests if r.organization_id == org_id and r.field == slug}
            assert wanted <= have, f"organization {org_id}, {slug}: no request in {wanted - have}"


def check_titles_and_due_dates(requests):
    titles = Counter(r.title for r in requests)
    assert not [t for t, n in titles.items() if n > 1], "titles repeat"
    from extranet.demo.titles import CATALOG

    for req in requests:
        entries = CATALOG[(req.field, req.type)][1]
        assert req.title in {title for title, _data in entries}, f"{req.reference}: not a {req.type} title"
    by_field = defaultdict(set)
    for req in requests:
        assert req.due_at is None or req.due_at > req.created_at, f"{req.reference}: due before it was filed"
        by_field[req.field].add(req.due_at)
    for slug, dues in by_field.items():
        assert None not in dues and len(dues) > len(requests) / len(by_field) / 2, f"{slug}: due dates alike"
    from extranet_it import RESPONSE_TARGETS

    tickets = [r for r in requests if r.type == "support_ticket"]
    assert len({r.priority for r in tickets}) >= 3
    from extranet.servicetargets.calendar import working_calendar
    from extranet.servicetargets.clock import add_working_time

    for ticket in tickets:  # the plugin's targets are working time in the cooperative's calendar
        due = add_working_time(working_calendar(), ticket.created_at, RESPONSE_TARGETS[ticket.priority])
        assert ticket.due_at == due, ticket.reference


def check_time(requests, events, today):
    zone = ZoneInfo("America/Toronto")
    by_id = {r.id: r for r in requests}
    reviewers = defaultdict(set)
    for req_id, timeline in events.items():
        reviewers[req_id] = {e.actor_id for e in timeline if e.transition in SECOND_REVIEW}
    entries = db.session.scalars(select(TimeEntry)).all()
    # The cooperative's member organization uses about 1,250 hours a year in twenty fields: the
    # demo's, in four, about a fifth of that over the last twelve months (half to twice as much).
    first = date(today.year - 1, today.month, 1)
    hours = defaultdict(int)
    for entry in entries:
        if first <= entry.date < date(today.year, today.month, 1):
            hours[by_id[entry.request_id].organization_id] += entry.minutes / 60
    assert len(hours) == 2 and all(125 <= h <= 500 for h in hours.values()), hours
    for entry in entries:
        req = by_id[entry.request_id]
        assignees = {p.user_id for p in req.participants if p.role == "assignee"}
        assert entry.date >= req.created_at.astimezone(zone).date(), f"{req.reference}: time before it was filed"
        assert entry.date <= today and entry.created_at.astimezone(zone).date() == entry.date
        assert req.state not in ("declined", "cancelled", "submitted", "accepted", "conflicts_cleared"), (
            f"{req.reference}: time on a request {req.state}")
        assert entry.expert_id in assignees | reviewers[req.id], f"{req.reference}: time by an outsider"


def check_notifications(now):
    moments = db.session.scalars(select(Notification.created_at)).all()
    assert len(moments) > 100 and max(moments) <= now
    assert max(moments) - min(moments) > timedelta(days=300), "notifications all at one time"
    assert len(set(moments)) > len(moments) / 2
    for notification in db.session.scalars(select(Notification).where(Notification.read_at.is_not(None))):
        assert notification.created_at <= notification.read_at <= now
    unread = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_(None)))
    assert 0 < unread < len(moments) / 4
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0  # no e-mail to demo addresses


def check_ratings(requests):
    states = {r.id: (r.state, r.state_changed_at) for r in requests}
    ratings = db.session.scalars(select(Satisfaction)).all()
    assert ratings
    for rating in ratings:
        state, closed_at = states[rating.request_id]
        assert state == "closed" and closed_at <= rating.created_at


def check_statements(today, now):
    from extranet.hours.statements import compute_lines
    from extranet.hours.units import month_bounds
    from extranet.organizations.models import Organization

    with_agreements = db.session.scalars(select(Agreement.organization_id).distinct()).all()
    assert len(with_agreements) == 2
    last_full = date(today.year, today.month, 1) - timedelta(days=1)
    wanted = set()
    month = date(last_full.year, last_full.month, 1)
    for _ in range(12):
        wanted.add(month)
        month = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    for org_id in with_agreements:
        org = db.session.get(Organization, org_id)
        closed = db.session.scalars(
            select(Statement).where(Statement.organization_id == org_id, Statement.closed_at.is_not(None))
        ).all()
        assert wanted <= {s.month for s in closed}, f"{org.name}: the last 12 months are not all closed"
        for statement in closed:
            assert statement.month < date(today.year, today.month, 1)
            assert statement.month + timedelta(days=28) < statement.closed_at.date() and statement.closed_at <= now
            assert statement.lines == compute_lines(org, statement.month), f"{org.name} {statement.month}"
            first, last = month_bounds(statement.month)
            billable = db.session.scalar(
                select(func.sum(TimeEntry.minutes)).join(ServiceRequest)
                .where(ServiceRequest.organization_id == org_id, TimeEntry.billable.is_(True),
                       TimeEntry.date >= first, TimeEntry.date <= last)
            )
            assert statement.total_minutes == billable and statement.total_cents > 0


def check_reports(today):
    from extranet.demo.requests import working_day
    from extranet.organizations.models import Organization
    from extranet.reports.service import Filters, admin_report, annual_report

    # This year so far against the same days of last year; a few days against a few days say
    # little, so the growth is checked once the year has a week of work behind it.
    days = [date(today.year, 1, 1) + timedelta(days=n) for n in range(today.timetuple().tm_yday - 1)]
    settled = sum(map(working_day, days)) >= 5

    def plausible(value):
        return not settled or (value is not None and Decimal(-50) <= value <= Decimal(200))

    report = admin_report(Filters(year=today.year), 120, today)
    assert plausible(report.hours_growth), report.hours_growth
    assert plausible(report.revenue_growth), report.revenue_growth
    annual = annual_report(today.year, today=today)
    assert plausible(annual.hours_growth) and (annual.satisfaction_count > 0 or not settled)
    last_year = annual_report(today.year - 1, today=today)
    assert last_year.hours_growth is None  # no time was logged before January 1 of last year
    assert last_year.satisfaction_count > 0
    for org_id in db.session.scalars(select(Agreement.organization_id).distinct()):
        mine = annual_report(today.year, db.session.get(Organization, org_id), today=today)
        assert plausible(mine.hours_growth), (org_id, mine.hours_growth)


# The columns that may name a moment to come: a due date, an expiry, a retry.
AHEAD = {"due_at", "expires_at", "next_attempt_at", "first_response_due_at", "resolution_due_at",
         "first_response_warn_at", "resolution_warn_at"}


def check_nothing_ahead(now: datetime, today: date) -> None:
    """No row of any table is dated after the moment the demo was loaded."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = type(column.type).__name__
            if column.name in AHEAD or kind not in ("UTCDateTime", "Date"):
                continue
            latest = db.session.scalar(select(func.max(column)))
            limit = now if kind == "UTCDateTime" else today
            assert latest is None or latest <= limit, f"{table.name}.{column.name}: {latest} after {limit}"


def check_consortium(requests) -> None:
    """The organizations and their people were there before the first request; each year's
    agreement was signed in the December before it."""
    from extranet.organizations.models import Membership, Organization

    first = min(r.created_at for r in requests)
    for model in (Organization, User, Membership):
        assert db.session.scalar(select(func.max(model.created_at))) < first, model.__name__
    for agreement in db.session.scalars(select(Agreement)):
        assert (agreement.created_at.year, agreement.created_at.month) == (agreement.year - 1, 12)


def check_story(app, now: datetime) -> None:
    with app.app_context():
        today = now.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date()
        requests, events = _requests_and_events()
        check_nothing_ahead(now, today)
        check_consortium(requests)
        check_requests(requests, events, now)
        check_titles_and_due_dates(requests)
        check_time(requests, events, today)
        check_notifications(now)
        check_ratings(requests)
        check_statements(today, now)
        check_reports(today)


def test_the_demo_tells_one_coherent_story(app):
    _load(app)
    check_story(app, datetime.now(UTC))
    with app.app_context():
        before = _counts()
    _load(app)  # again: the same story, nothing added (``make run`` loads it at every start)
    with app.app_context():
        assert _counts() == before


QUEBEC = ZoneInfo("America/Toronto")


@pytest.mark.parametrize("moment", [
    datetime(2026, 12, 31, 21, 0, tzinfo=QUEBEC),  # already next year in UTC
    datetime(2027, 1, 1, 0, 5, tzinfo=QUEBEC),  # New Year's night: this year has no work yet
    datetime(2027, 1, 11, 8, 0, tzinfo=QUEBEC),  # the year's first week of work behind it: growth checked
    datetime(2026, 3, 8, 3, 5, tzinfo=QUEBEC),  # a Sunday, just after the clocks went forward
    datetime(2026, 6, 1, 7, 55, tzinfo=QUEBEC),  # a month's first Monday, before the office opens
    datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=QUEBEC),  # the hour the clocks go back
], ids=["dec-31-evening", "jan-1-00h05", "jan-11-8h00", "dst-spring", "first-monday-7h55", "dst-fall"])
def test_the_story_holds_whenever_the_demo_is_loaded(app, moment):
    with app.app_context():
        load_demo("demo password", now=moment)
    check_story(app, moment.astimezone(UTC))


def test_the_experts_queue_is_not_empty(app):
    _load(app)
    for email in ("expert@example.org", "experte2@example.org"):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": "demo password",
                                                "csrf_token": csrf_token(client)})
        assert response.status_code == 303
        page = client.get("/widgets/my-queue").get_data(as_text=True)
        assert page.count("/requests/") >= 3, email
