"""Demo hours: a year of time entries by the demo experts on the demo requests, agreements for
this year and the previous one in every field, and satisfaction ratings on closed requests.

Idempotent (what exists is kept) and fast: rows are inserted in bulk."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.hours.models import Agreement, HourAlert, Satisfaction, TimeEntry
from extranet.hours.service import THRESHOLDS, balances, rebuild_hours_monthly
from extranet.plugins import host
from extranet.requests.models import ServiceRequest

ACTIVITY_WEIGHTS = {"analysis": 5, "drafting": 4, "meeting": 3, "review": 3, "travel": 1, "other": 1}
NOTES = ["", "", "", "Appel avec la direction", "Lecture des documents reçus", "Rédaction de l'avis",
         "Rencontre au bureau de la coopérative", "Suivi par courriel"]
COMMENTS = ["", "", "Merci, réponse rapide et claire.", "Très utile pour notre conseil d'administration.",
            "Un peu long, mais le résultat est excellent."]
# Allotment as a share of the time used, per field in turn: some banks are comfortable, one is
# nearly spent, one is overdrawn, so that the bars and alerts tell a story.
ALLOTMENT_FACTORS = (1.6, 1.25, 1.1, 0.85)
RATES = {"hr": (9500, 11500), "legal": (12500, 15000), "accounting": (8500, 10000), "it": (9000, 11000)}


def load_demo_hours(organizations: list, experts: list, today: date | None = None) -> int:
    """Hours for ``organizations`` (their demo requests) logged by ``experts``; returns the number
    of time entries added (0 when the organizations already have some)."""
    today = today or date.today()
    rng = random.Random(2026)
    org_ids = [o.id for o in organizations]
    requests = db.session.scalars(
        select(ServiceRequest).where(ServiceRequest.organization_id.in_(org_ids)).order_by(ServiceRequest.id)
    ).all()
    if not requests or not experts:
        return 0
    already = db.session.scalar(
        select(func.count(TimeEntry.id)).join(ServiceRequest).where(ServiceRequest.organization_id.in_(org_ids))
    )
    added = 0
    if not already:
        rows = _entries(requests, experts, today, rng)
        db.session.execute(insert(TimeEntry), rows)
        rebuild_hours_monthly()  # a Core bulk insert: the ORM hooks that keep the roll-up do not see it
        added = len(rows)
    _agreements(organizations, today, rng)
    db.session.flush()
    _alerts(organizations, today.year)
    _ratings(requests, rng)
    db.session.flush()
    return added


def _entries(requests: list, experts: list, today: date, rng: random.Random) -> list[dict]:
    """Working days of the last year: each expert logs 1 to 4 entries a day on the requests of
    their fields, 15 minutes to 3 hours each, about one in eight not billable."""
    now = utcnow()
    activities = list(ACTIVITY_WEIGHTS)
    weights = list(ACTIVITY_WEIGHTS.values())
    rows = []
    day = today - timedelta(days=365)
    while day <= today:
        if day.weekday() < 5:
            for expert in experts:
                mine = [r for r in requests if r.field in expert.field_slugs] or requests
                for _ in range(rng.randint(1, 4)):
                    req = rng.choice(mine)
                    rows.append({
                        "request_id": req.id, "expert_id": expert.id, "date": day,
                        "minutes": rng.choice((15, 30, 30, 45, 60, 60, 90, 90, 120, 150, 180)),
                        "activity": rng.choices(activities, weights)[0],
                        "billable": rng.random() > 0.125, "note": rng.choice(NOTES),
                        "created_at": now, "updated_at": now,
                    })
        day += timedelta(days=1)
    return rows


def _agreements(organizations: list, today: date, rng: random.Random) -> None:
    """This year's and last year's agreement in every field, sized from the time actually used
    (this year's projected over the whole year)."""
    have = {
        (a.organization_id, a.field, a.year)
        for a in db.session.scalars(select(Agreement).where(Agreement.organization_id.in_([o.id for o in organizations])))
    }
    elapsed = max(1, (today - date(today.year, 1, 1)).days + 1) / 365
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
    closed = [r for r in requests if r.state == "closed"]
    rated = set(db.session.scalars(
        select(Satisfaction.request_id).where(Satisfaction.request_id.in_([r.id for r in closed] or [-1]))
    ))
    rows = [
        {"request_id": r.id, "user_id": r.requester_id, "rating": rng.choices((5, 4, 3, 2), (6, 4, 1, 0.3))[0],
         "comment": rng.choice(COMMENTS), "created_at": r.state_changed_at}
        for r in closed if r.id not in rated
    ]
    if rows:
        db.session.execute(insert(Satisfaction), rows)
