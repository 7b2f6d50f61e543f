"""The monthly roll-up ``hours_monthly`` stays equal to a GROUP BY over the time entries whatever
creates, changes or deletes them (the views, the ORM, a request moved to another organization),
and migration 0004's backfill (and ``rebuild_hours_monthly``) produce the same table."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import case, func, select

from extranet.extensions import db
from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_hours import log, make_request, setup_world

THIS_YEAR = date.today().year
MIGRATION = Path(__file__).resolve().parents[1] / "extranet/migrations/versions/0004_hours_monthly.py"


@pytest.fixture
def hours_app(register_plugin):
    return register_plugin(SamplePlugin())


@pytest.fixture
def world(hours_app, people):
    return setup_world(hours_app, people)


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
        from extranet.hours.service import rebuild_hours_monthly

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


def test_report_rows_from_the_rollup_equal_a_scan_of_the_entries(hours_app, world):
    """The reports read whole months from the roll-up and the days of a month begun from the
    entries: the same rows as grouping the entries of the period."""
    from extranet.hours.models import TimeEntry
    from extranet.reports.service import Filters, activity_rows, period_of
    from extranet.requests.models import ServiceRequest as R

    one = make_request(hours_app, world, "S-1")
    two = make_request(hours_app, world, "S-2", org=world.org_b)
    days = [date(2024, 1, 1), date(2024, 3, 14), date(2024, 3, 15), date(2024, 3, 16), date(2024, 12, 31),
            date(2025, 3, 10), date(2025, 3, 15), date(2025, 3, 20), date(2025, 4, 1), date(2025, 12, 31)]
    with hours_app.app_context():
        db.session.add_all(
            TimeEntry(request_id=rid, expert_id=world.expert.id, date=day, minutes=10 + i, activity="analysis",
                      billable=i % 3 != 0)
            for i, day in enumerate(days) for rid in (one, two)
        )
        db.session.commit()
        for today in (date(2025, 3, 15), date(2025, 3, 31), date(2026, 1, 2)):
            for filters in (Filters(year=2025), Filters(year=2025, organization_id=world.org_b),
                            Filters(year=2025, field="other"), Filters(year=2024)):
                period = period_of(filters.year, today)
                scan = {}
                for start, end in ((period.start, period.end), (period.previous_start, period.previous_end)):
                    query = (
                        select(R.organization_id, R.field, TimeEntry.date, TimeEntry.minutes, TimeEntry.billable)
                        .join(R, R.id == TimeEntry.request_id)
                        .where(TimeEntry.date >= start, TimeEntry.date <= end)
                    )
                    if filters.organization_id:
                        query = query.where(R.organization_id == filters.organization_id)
                    if filters.field:
                        query = query.where(R.field == filters.field)
                    for org, field, day, minutes, billable in db.session.execute(query):
                        cell = scan.setdefault((org, field, day.year, day.month), [0, 0])
                        cell[0] += minutes
                        cell[1] += minutes if billable else 0
                rows = activity_rows(filters, period)
                assert len(rows) == len({row[:4] for row in rows})
                assert {row[:4]: tuple(row[4:]) for row in rows} == {k: tuple(v) for k, v in scan.items()}, today
        # A sanity check of the helper: some figures exist.
        assert db.session.scalar(select(func.sum(case((TimeEntry.billable.is_(True), 1), else_=0)))) > 0
