"""Demo hours: the time the demo's experts logged on the demo requests, agreements for this
year and the previous one in every field, satisfaction ratings on closed requests, and the
months over closed.

Idempotent (what exists is kept) and fast: time entries are inserted in bulk."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select

from extranet.db_types import utcnow
from extranet.demo.requests import advance, working_day
from extranet.extensions import db
from extranet.hours.alerts import THRESHOLDS
from extranet.hours.balances import balances
from extranet.hours.models import Agreement, HourAlert, Satisfaction, TimeEntry
from extranet.hours.rollup import rebuild_hours_monthly
from extranet.hours.statements import close_statement, closed_statement
from extranet.hours.units import month_bounds, month_start
from extranet.plugins import host
from extranet.requests.models import ServiceRequest

ACTIVITY_WEIGHTS = {"analysis": 5, "drafting": 4, "meeting": 3, "review": 3, "travel": 1, "other": 1}
# What the cooperative does not bill: travel and the odd task (about one entry in eight).
UNBILLED = {"travel", "other"}
NOTES = ["", "", "", "Appel avec la direction", "Lecture des documents reçus", "Rédaction de l'avis",
         "Rencontre au bureau de la coopérative", "Suivi par courriel"]
COMMENTS = ["", "", "Merci, réponse rapide et claire.", "Très utile pour notre conseil d'administration.",
            "Un peu long, mais le résultat est excellent."]
# Allotment as a share of the time used, per field in turn: some banks are comfortable, one is
# nearly spent, one is overdrawn, so that the bars and alerts tell a story.
ALLOTMENT_FACTORS = (1.6, 1.25, 1.1, 0.85)
RATES = {"hr": (9500, 11500), "legal": (12500, 15000), "accounting": (8500, 10000), "it": (9000, 11000)}


def load_demo_hours(organizations: list, stories: list, admin, clock) -> int:
    """Time entries of the ``stories`` just replayed (what each expert worked, when), agreements
    of this year and the last in every field for ``organizations``, ratings of the closed
    requests, and every month over closed by ``admin`` a few days after its end. Returns the
    number of time entries added; an organization that already has agreements or statements
    keeps them."""
    # The cooperative's date, not the server's: a month is over when it is over in Québec.
    today = clock.now().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    rng = random.Random(2026)
    rows = _entries(stories, today, rng)
    if rows:
        db.session.execute(insert(TimeEntry), rows)
        rebuild_hours_monthly()  # a Core bulk insert: the ORM hooks that keep the roll-up do not see it
    _agreements(organizations, today, rng)
    db.session.flush()
    _alerts(organizations, today.year)
    _ratings([s.req for s in stories if s.req is not None], rng)
    db.session.flush()
    if stories:
        _close_months(organizations, admin, clock, today)
    return len(rows)


def _working_days(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if working_day(d)] or [first]


def _entries(stories: list, today: date, rng: random.Random) -> list[dict]:
    """What each story's expert worked, on working days of its working period (its whole effort
    if delivered, part of it if still open), in entries of 15 minutes to 3 hours, the first an
    analysis on the day the work started; and the second expert's review. Never before the
    request was filed, never after today, never on a request declined or cancelled before the
    work."""
    activities = list(ACTIVITY_WEIGHTS)
    weights = list(ACTIVITY_WEIGHTS.values())
    rows = []

    now = utcnow()

    def entry(story, expert, day, minutes, activity):
        # Logged at the end of the day, or just now for today's work.
        stamp = min(datetime.combine(day, time(17, 0), tzinfo=story.actions[0][0].tzinfo), now)
        rows.append({
            "request_id": story.req.id, "expert_id": expert.id, "date": day, "minutes": minutes,
            "activity": activity, "billable": activity not in UNBILLED, "note": rng.choice(NOTES),
            "created_at": stamp, "updated_at": stamp,
        })

    for story in stories:
        if story.req is None or story.worked is None:
            continue
        start, end = story.worked
        days = _working_days(start.date(), min(end.date(), today))
        left = story.effort_minutes if story.finished else int(story.effort_minutes * rng.uniform(0.3, 0.7)) // 15 * 15
        # One request among many: an hour a day at most, on average.
        left = min(left, max(120, 60 * len(days)))
        day, activity = days[0], "analysis"
        while left > 0:
            minutes = min(left, rng.choice((15, 30, 30, 45, 45, 60, 60, 75, 90, 120, 150)))
            entry(story, story.expert, day, minutes, activity)
            left -= minutes
            day, activity = rng.choice(days), rng.choices(activities, weights)[0]
        for moment in story.reviewed:
            entry(story, story.reviewer, moment.date(), rng.choice((45, 60, 90, 120)), "review")
    return rows


def _close_months(organizations: list, admin, clock, today: date) -> None:
    """Every month over since the first time entry, closed by ``admin`` on the third to sixth
    working day after it (as the product does: ``close_statement`` snapshots the month)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    for org in organizations:
        first = db.session.scalar(
            select(func.min(TimeEntry.date)).join(ServiceRequest).where(ServiceRequest.organization_id == org.id)
        )
        if first is None:
            continue
        month = month_start(first)
        # No month is closed later than the moment the demo is loaded.
        now = clock.now().astimezone(zone)
        while month_bounds(month)[1] < today:
            after = datetime.combine(month_bounds(month)[1], time(17, 0), tzinfo=zone)
            days = 2 + (org.id + month.month) % 4 + (org.id * 7 + month.month * 5) % 9 / 10  # at some hour of the day
            closing = min(advance(after, days), now)
            if closed_statement(org.id, month) is None:
                with clock.at(closing):
                    close_statement(org, month, admin, today=closing.date())
                    db.session.flush()  # the audit record's moment is read at the flush
            month = month_start(month_bounds(month)[1] + timedelta(days=1))


def _agreements(organizations: list, today: date, rng: random.Random) -> None:
    """This year's and last year's agreement in every field, sized from the time actually used
    (this year's projected over the whole year)."""
    have = {
        (a.organization_id, a.field, a.year)
        for a in db.session.scalars(select(Agreement).where(Agreement.organization_id.in_([o.id for o in organizations])))
    }
    elapsed = max(1, (today - date(today.year, 1, 1)).days + 1) / 365
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    for org_index, org in enumerate(organizations):
        for year in (today.year - 1, today.year):
            used = {slug: b.used for slug, b in balances(org.id, year, list(host().fields)).items()}
            for field_index, slug in enumerate(host().fields):
                if (org.id, slug, year) in have:
                    continue
                factor = ALLOTMENT_FACTORS[(field_index + org_index) % len(ALLOTMENT_FACTORS)]
                basis = used[slug]
                if year == today.year and factor > 1.2:
                    basis = used[slug] / elapsed  # comfortable: sized for the whole year's pace
                # Otherwise sized from the time used so far: nearly spent, or overdrawn, today.
                hours = max(10, int(basis * factor / 60 / 5) * 5)  # a round number of hours
                hourly, overage = RATES.get(slug, (9500, 11500))
                db.session.add(Agreement(
                    # Signed in December for the year to come.
                    created_at=datetime(year - 1, 12, 10 + field_index, 14, 0, tzinfo=zone),
                    organization_id=org.id, field=slug, year=year, minutes_allotted=hours * 60,
                    hourly_rate_cents=hourly, overage_rate_cents=overage,
                    carry_over="unused" if (field_index + org_index) % 2 == 0 else "none",
                ))


def _alerts(organizations: list, year: int) -> None:
    """The thresholds the demo's banks have already crossed count as announced."""
    for org in organizations:
        for b in balances(org.id, year, list(host().fields)).values():
            if b.agreement is None or b.percent is None:
                continue
            for threshold in THRESHOLDS:
                if b.percent >= threshold and db.session.get(HourAlert, (b.agreement.id, threshold)) is None:
                    db.session.add(HourAlert(agreement_id=b.agreement.id, threshold=threshold))


def _ratings(requests: list, rng: random.Random) -> None:
    """Members rate their closed requests within a few days of closing them."""
    closed = [r for r in requests if r.state == "closed"]
    rated = set(db.session.scalars(
        select(Satisfaction.request_id).where(Satisfaction.request_id.in_([r.id for r in closed] or [-1]))
    ))
    rows = [
        {"request_id": r.id, "user_id": r.requester_id, "rating": rng.choices((5, 4, 3, 2), (6, 4, 1, 0.3))[0],
         "comment": rng.choice(COMMENTS),
         "created_at": min(r.state_changed_at + timedelta(hours=rng.randint(1, 72)), utcnow())}
        for r in closed if r.id not in rated
    ]
    if rows:
        db.session.execute(insert(Satisfaction), rows)
