"""The monthly roll-up ``hours_monthly`` stays equal to a GROUP BY over the time entries whatever
creates, changes or deletes them (the views, the ORM, a request moved to another organization),
and migration 0004's backfill (and ``rebuild_hours_monthly``) produce the same table; its prices
follow the entries and the agreements, and the reports priced from it equal pricing the entries."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from extranet.extensions import db
from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_hours import log, make_request

THIS_YEAR = date.today().year
VERSIONS = Path(__file__).resolve().parents[1] / "migrations/versions"
MIGRATION = VERSIONS / "0004_hours_monthly.py"
PRICED_MIGRATION = VERSIONS / "0006_priced_rollup.py"


def grouped(app) -> dict:
    """What the roll-up must hold: the entries grouped by organization, field, year and month."""
    from extranet.hours.models import TimeEntry
    from extranet.requests.models import ServiceRequest as R

    with app.app_context():
        rows = db.session.execute(
            select(R.organization_id, R.field, TimeEntry.date, TimeEntry.minutes, TimeEntry.billable)
            .join(R, R.id == TimeEntry.request_id)
        ).all()
    result: dict = {}
    for org, field, day, minutes, billable in rows:
        cell = result.setdefault((org, field, day.year, day.month), [0, 0])
        cell[0] += minutes
        cell[1] += minutes if billable else 0
    return {key: tuple(value) for key, value in result.items()}


def rollup(app) -> dict:
    from extranet.hours.models import HoursMonthly as M

    with app.app_context():
        return {
            (org, field, year, month): (minutes, billable)
            for org, field, year, month, minutes, billable in db.session.execute(
                select(M.organization_id, M.field, M.year, M.month, M.minutes, M.billable_minutes)
            )
            if minutes or billable  # a cell emptied by deletions stays, at zero
        }


def entry_ids(app) -> list[int]:
    from extranet.hours.models import TimeEntry

    with app.app_context():
        return list(db.session.scalars(select(TimeEntry.id).order_by(TimeEntry.id)))


def edit(client, entry_id, day, duration, billable=True):
    data = {"date": day.isoformat(), "duration": duration, "activity": "review",
            "csrf_token": csrf_token(client, "/")}
    if billable:
        data["billable"] = "y"
    return client.post(f"/hours/entries/{entry_id}/edit", data=data)


def test_the_rollup_follows_every_change_made_through_the_views(hours_app, world, client_for):
    make_request(hours_app, world, "S-1")
    make_request(hours_app, world, "S-2", org=world.org_b)
    expert = client_for(hours_app, world.expert)
    january, march = date(THIS_YEAR, 1, 15), date(THIS_YEAR, 3, 2)
    december = date(THIS_YEAR - 1, 12, 20)

    for reference, day, duration in (("S-1", january, "1:30"), ("S-1", january, "0:45"),
                                     ("S-1", march, "2h"), ("S-2", january, "3:00")):
        assert log(expert, reference, duration=duration, day=day).status_code == 303
    first, second, third, fourth = entry_ids(hours_app)
    assert rollup(hours_app) == grouped(hours_app) == {
        (world.org_a, "sample", THIS_YEAR, 1): (135, 135),
        (world.org_a, "sample", THIS_YEAR, 3): (120, 120),
        (world.org_b, "sample", THIS_YEAR, 1): (180, 180),
    }

    # Minutes changed; then moved to the previous December (another month and year).
    assert edit(expert, first, january, "2:00").status_code == 303
    assert rollup(hours_app)[(world.org_a, "sample", THIS_YEAR, 1)] == (165, 165)
    assert edit(expert, second, december, "0:45").status_code == 303
    assert rollup(hours_app) == grouped(hours_app)
    assert rollup(hours_app)[(world.org_a, "sample", THIS_YEAR - 1, 12)] == (45, 45)
    assert rollup(hours_app)[(world.org_a, "sample", THIS_YEAR, 1)] == (120, 120)

    # No longer billable, then billable again with other minutes and another month.
    assert edit(expert, third, march, "2h", billable=False).status_code == 303
    assert rollup(hours_app)[(world.org_a, "sample", THIS_YEAR, 3)] == (120, 0)
    assert edit(expert, third, january, "1h", billable=True).status_code == 303
    assert rollup(hours_app) == grouped(hours_app)
    assert rollup(hours_app)[(world.org_a, "sample", THIS_YEAR, 1)] == (180, 180)
    assert (world.org_a, "sample", THIS_YEAR, 3) not in rollup(hours_app)

    # An HTMX deletion and a plain one.
    token = csrf_token(expert, "/")
    assert expert.post(f"/hours/entries/{fourth}/delete", data={"csrf_token": token},
                       headers={"HX-Request": "true"}).status_code == 200
    assert expert.post(f"/hours/entries/{first}/delete", data={"csrf_token": token}).status_code == 303
    assert rollup(hours_app) == grouped(hours_app) == {
        (world.org_a, "sample", THIS_YEAR - 1, 12): (45, 45),
        (world.org_a, "sample", THIS_YEAR, 1): (60, 60),
    }

    # A refused change (a closed month) changes nothing.
    from tests.test_hours import close_month

    close_month(hours_app, world.org_a, december)
    assert edit(expert, second, january, "9:00").status_code == 422
    assert rollup(hours_app) == grouped(hours_app)


def test_the_rollup_listens_to_the_applications_session_once(hours_app, world, register_plugin, client_for):
    """``create_app`` registers the listeners on the application's session, not on every
    SQLAlchemy Session when the module is imported; another application of the same process
    does not register them twice, so an entry is counted once."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from extranet.hours import rollup as listeners

    for name, listener in (("before_flush", listeners._rollup_before_flush),
                           ("after_flush", listeners._rollup_after_flush)):
        assert event.contains(db.session, name, listener)
        assert not event.contains(Session, name, listener)
    register_plugin(SamplePlugin())
    make_request(hours_app, world, "S-1")
    assert log(client_for(hours_app, world.expert), "S-1", duration="1:30").status_code == 303
    assert rollup(hours_app) == grouped(hours_app) == {(world.org_a, "sample", THIS_YEAR, date.today().month): (90, 90)}


def test_the_rollup_follows_orm_changes_and_moved_requests(hours_app, world):
    from extranet.hours.models import TimeEntry
    from extranet.requests.models import ServiceRequest

    one = make_request(hours_app, world, "S-1")
    two = make_request(hours_app, world, "S-2", org=world.org_b)
    with hours_app.app_context():
        entries = [TimeEntry(request_id=one, expert_id=world.expert.id, date=date(2024, m, 5), minutes=30 * m,
                             activity="analysis", billable=m % 2 == 0) for m in (1, 2, 3)]
        db.session.add_all(entries)
        db.session.flush()
        entries[0].minutes = 500  # changed in the same transaction, after a flush
        entries[1].request_id = two  # moved to another request (organization)
        db.session.delete(entries[2])
        db.session.commit()
    assert rollup(hours_app) == grouped(hours_app) == {
        (world.org_a, "sample", 2024, 1): (500, 0),
        (world.org_b, "sample", 2024, 2): (60, 60),
    }
    with hours_app.app_context():
        entry = db.session.get(TimeEntry, entry_ids(hours_app)[0])
        entry.date = date(2024, 6, 30)
        # The request of the entry moves to organization B in the same flush.
        db.session.get(ServiceRequest, one).organization_id = world.org_b
        db.session.commit()
    assert rollup(hours_app) == grouped(hours_app) == {
        (world.org_b, "sample", 2024, 6): (500, 0),
        (world.org_b, "sample", 2024, 2): (60, 60),
    }
    with hours_app.app_context():
        db.session.execute(db.delete(TimeEntry).where(TimeEntry.request_id == two))  # a Core delete...
        from extranet.hours.rollup import rebuild_hours_monthly

        rebuild_hours_monthly()  # ...needs a rebuild, which recomputes the whole table
        db.session.commit()
    assert rollup(hours_app) == grouped(hours_app) == {(world.org_b, "sample", 2024, 6): (500, 0)}


def test_the_migration_backfill_gives_the_same_rollup(hours_app, world, client_for):
    from extranet.hours.models import HoursMonthly

    make_request(hours_app, world, "S-1")
    make_request(hours_app, world, "S-2", org=world.org_b)
    expert = client_for(hours_app, world.expert)
    for reference, day, duration in (("S-1", date(THIS_YEAR, 1, 31), "1:30"), ("S-1", date(THIS_YEAR, 2, 1), "45"),
                                     ("S-2", date(THIS_YEAR - 1, 7, 4), "3h"), ("S-2", date(THIS_YEAR - 1, 7, 5), "1")):
        assert log(expert, reference, duration=duration, day=day).status_code == 303
    assert edit(expert, entry_ids(hours_app)[3], date(THIS_YEAR - 1, 7, 5), "1", billable=False).status_code == 303
    expected = grouped(hours_app)
    assert rollup(hours_app) == expected and len(expected) == 3
    assert expected[(world.org_b, "sample", THIS_YEAR - 1, 7)] == (181, 180)

    spec = importlib.util.spec_from_file_location("migration_0004", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with hours_app.app_context():
        db.session.execute(db.delete(HoursMonthly))
        db.session.commit()
    assert rollup(hours_app) == {}
    with hours_app.app_context():
        migration.backfill(db.session.connection())
        db.session.commit()
    assert rollup(hours_app) == expected


def priced_by_hand(app, filters, period):
    """The report's totals computed from the entries alone, by the statements' rule: each month's
    billable minutes priced against what the months before left of the year's allotment
    (``balances``, which reads the entries), cents rounded per organization, field and month."""
    from extranet.hours.balances import balance
    from extranet.hours.models import Agreement, TimeEntry
    from extranet.hours.units import amount_cents
    from extranet.requests.models import ServiceRequest as R

    cells: dict = {}
    for start, end in ((period.start, period.end), (period.previous_start, period.previous_end)):
        query = (select(R.organization_id, R.field, TimeEntry.date, TimeEntry.minutes, TimeEntry.billable)
                 .join(R, R.id == TimeEntry.request_id).where(TimeEntry.date >= start, TimeEntry.date <= end))
        if filters.organization_id:
            query = query.where(R.organization_id == filters.organization_id)
        if filters.field:
            query = query.where(R.field == filters.field)
        for org, field, day, minutes, billable in db.session.execute(query):
            cell = cells.setdefault((org, field, day.year, day.month), [0, 0])
            cell[0] += minutes
            cell[1] += minutes if billable else 0
    by_org, by_field_month = {}, {}
    for (org, field, year, month), (minutes, billable) in cells.items():
        cents = over = 0
        agreement = db.session.scalar(select(Agreement).where(
            Agreement.organization_id == org, Agreement.field == field, Agreement.year == year))
        if agreement is not None:
            allotted = balance(org, field, year).allotted
            used_before = balance(org, field, year, until=date(year, month, 1) - timedelta(days=1)).used
            within = max(0, min(billable, allotted - used_before))
            over = billable - within
            cents = (amount_cents(within, agreement.hourly_rate_cents)
                     + amount_cents(over, agreement.overage_rate_cents))
        for totals, key in ((by_org, (org, year)), (by_field_month, (field, year, month))):
            total = totals.setdefault(key, [0, 0, 0, 0])
            for i, value in enumerate((minutes, billable, cents, over)):
                total[i] += value
    return by_org, by_field_month


def assert_reports_priced_right(app, org_b):
    from extranet.reports.service import Filters, period_of, priced_totals

    def plain(totals):
        return {key: [t.minutes, t.billable_minutes, t.cents, t.overage_minutes]
                for key, t in totals.items() if t.minutes or t.billable_minutes}

    with app.app_context():
        for today in (date(2025, 3, 15), date(2025, 3, 31), date(2026, 1, 2)):
            for filters in (Filters(year=2025), Filters(year=2025, organization_id=org_b),
                            Filters(year=2025, field="other"), Filters(year=2024)):
                period = period_of(filters.year, today)
                by_org, by_field_month = priced_totals(filters, period)
                assert (plain(by_org), plain(by_field_month)) == priced_by_hand(app, filters, period), (today, filters)


def priced_rollup(app) -> dict:
    from extranet.hours.models import HoursMonthly as M

    with app.app_context():
        return {tuple(row[:4]): tuple(row[4:]) for row in db.session.execute(
            select(M.organization_id, M.field, M.year, M.month, M.minutes, M.billable_minutes, M.cents,
                   M.overage_minutes, M.allotment_left)) if row.minutes}  # emptied cells stay, at zero


def test_reports_priced_from_the_rollup_equal_pricing_the_entries(hours_app, world):
    """Whole months come from the priced roll-up and the days of a month begun from the entries:
    the same figures as pricing the entries by hand, after entries and agreements change (the
    carry-over included); and the roll-up kept by the flush hooks is the one a rebuild and
    migration 0006's backfill compute."""
    from extranet.hours.models import Agreement, TimeEntry
    from extranet.hours.rollup import rebuild_hours_monthly

    one = make_request(hours_app, world, "S-1")
    two = make_request(hours_app, world, "S-2", org=world.org_b)
    days = [date(2024, 1, 1), date(2024, 3, 14), date(2024, 3, 15), date(2024, 3, 16), date(2024, 12, 31),
            date(2025, 3, 10), date(2025, 3, 15), date(2025, 3, 20), date(2025, 4, 1), date(2025, 12, 31)]
    with hours_app.app_context():
        db.session.add_all([
            Agreement(organization_id=world.org_a, field="sample", year=2024, minutes_allotted=200,
                      hourly_rate_cents=10000, overage_rate_cents=15050, carry_over="none"),
            Agreement(organization_id=world.org_a, field="sample", year=2025, minutes_allotted=90,
                      hourly_rate_cents=11000, overage_rate_cents=13333, carry_over="unused"),
            Agreement(organization_id=world.org_b, field="sample", year=2025, minutes_allotted=100,
                      hourly_rate_cents=9999, overage_rate_cents=12001, carry_over="unused"),
        ])
        db.session.add_all(
            TimeEntry(request_id=rid, expert_id=world.expert.id, date=day, minutes=17 + 7 * i, activity="analysis",
                      billable=i % 3 != 0)
            for i, day in enumerate(days) for rid in (one, two)
        )
        db.session.commit()
    assert_reports_priced_right(hours_app, world.org_b)
    cells = priced_rollup(hours_app)
    assert cells[(world.org_a, "sample", 2025, 3)][2] > 0 and cells[(world.org_b, "sample", 2024, 3)][2] == 0

    with hours_app.app_context():
        # Less used in 2024: more carried into 2025. A bigger 2024 allotment, a later agreement
        # for B's 2024, A's 2025 rates changed, then an entry moved from 2025 to 2024.
        entry = db.session.scalar(select(TimeEntry).where(TimeEntry.request_id == one).order_by(TimeEntry.id))
        entry.minutes = 5
        db.session.commit()
    assert_reports_priced_right(hours_app, world.org_b)
    with hours_app.app_context():
        first = db.session.scalar(select(Agreement).where(Agreement.year == 2024))
        first.minutes_allotted = 400
        db.session.add(Agreement(organization_id=world.org_b, field="sample", year=2024, minutes_allotted=30,
                                 hourly_rate_cents=5000, overage_rate_cents=7000, carry_over="none"))
        db.session.commit()
    assert_reports_priced_right(hours_app, world.org_b)
    with hours_app.app_context():
        db.session.scalar(select(Agreement).where(Agreement.organization_id == world.org_a,
                                                  Agreement.year == 2025)).hourly_rate_cents = 12500
        moved = db.session.scalar(select(TimeEntry).where(TimeEntry.date == date(2025, 4, 1),
                                                          TimeEntry.request_id == two))
        moved.date = date(2024, 11, 30)
        db.session.commit()
    assert_reports_priced_right(hours_app, world.org_b)
    with hours_app.app_context():
        db.session.delete(db.session.scalar(select(Agreement).where(Agreement.organization_id == world.org_b,
                                                                    Agreement.year == 2025)))
        db.session.commit()
    assert_reports_priced_right(hours_app, world.org_b)

    kept = priced_rollup(hours_app)
    with hours_app.app_context():
        rebuild_hours_monthly()
        db.session.commit()
    assert priced_rollup(hours_app) == kept
    spec = importlib.util.spec_from_file_location("migration_0006", PRICED_MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with hours_app.app_context():
        from extranet.hours.models import HoursMonthly as M

        db.session.execute(db.update(M).values(cents=0, overage_minutes=0, allotment_left=None))
        migration.backfill(db.session.connection())
        db.session.commit()
    assert priced_rollup(hours_app) == kept


def test_two_writers_of_one_organization_price_in_turn(hours_app, world):
    """While one transaction has logged time for an organization and not committed, another
    logging time for it waits, then prices the year with the first one's minutes: March is
    priced after January's use, whichever committed first. (On PostgreSQL an advisory lock per
    organization does it; SQLite has one writer at a time.)"""
    import threading

    from extranet.hours.models import Agreement, TimeEntry

    request_id = make_request(hours_app, world, "S-1")
    with hours_app.app_context():
        db.session.add(Agreement(organization_id=world.org_a, field="sample", year=2025, minutes_allotted=60,
                                 hourly_rate_cents=10000, overage_rate_cents=20000))
        db.session.commit()
    flushed, committed = threading.Event(), threading.Event()
    errors = []

    def entry(day, minutes):
        return TimeEntry(request_id=request_id, expert_id=world.expert.id, date=day, minutes=minutes,
                         activity="analysis", billable=True)

    def first():
        try:
            with hours_app.app_context():
                db.session.add(entry(date(2025, 3, 10), 60))
                db.session.flush()
                flushed.set()
                assert not committed.wait(0.5), "the second writer did not wait"
                db.session.commit()
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
            flushed.set()

    def second():
        try:
            flushed.wait(5)
            with hours_app.app_context():
                db.session.add(entry(date(2025, 1, 10), 30))
                db.session.commit()
                committed.set()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert not errors, errors
    cells = priced_rollup(hours_app)
    # January: 30 within the 60 allotted; March: 30 within, 30 beyond.
    assert cells[(world.org_a, "sample", 2025, 1)] == (30, 30, 5000, 0, 60)
    assert cells[(world.org_a, "sample", 2025, 3)] == (60, 60, 5000 + 10000, 30, 30)
