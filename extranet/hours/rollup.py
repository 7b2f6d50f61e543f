"""The monthly roll-up of time entries, ``hours_monthly``, kept exact by the session's flushes.

It holds, per organization, field, year and month, the minutes and billable minutes logged and
what they are worth: the cooperative-wide reports sum it instead of reading and pricing the
entries. It is kept exact in ONE place, the two flush listeners below, which ``init_app``
registers on the application's database session. Whatever creates, changes (minutes, billable,
date, request) or deletes a ``TimeEntry`` through the ORM, and whatever moves a request to
another organization or field, adds the difference to the roll-up in the same flush, hence the
same transaction (one ``INSERT … ON CONFLICT DO UPDATE SET minutes = minutes +
excluded.minutes``: concurrent writers add up, none is lost). Then each year changed is priced
again (``reprice``), and so is the year of an agreement created, changed or deleted. Core bulk
inserts of entries (demo data, the benchmark) bypass the ORM: they call ``rebuild_hours_monthly``
afterwards."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Integer, bindparam, case, cast, delete, event, func, inspect, select, update

from extranet.extensions import db
from extranet.hours.balances import carried_minutes
from extranet.hours.models import Agreement, HoursMonthly, TimeEntry
from extranet.hours.units import price
from extranet.requests.models import ServiceRequest as R

_ENTRY_ATTRS = ("minutes", "billable", "date", "request_id", "request")
_MOVE_ATTRS = ("organization_id", "field", "organization")
_TERMS_ATTRS = ("organization_id", "organization", "field", "year", "minutes_allotted", "hourly_rate_cents",
                "overage_rate_cents", "carry_over")
# pg_advisory_xact_lock(_LOCK_SPACE, organization id): one writer at a time prices an organization's hours.
_LOCK_SPACE = 4_687_001


def reprice(connection, groups: set[tuple[int, str, int]] | None = None) -> None:
    """Price again the roll-up of each (organization, field, year) of ``groups`` and of the year
    after (whose carry-over follows this year's use); every cell when ``groups`` is None.

    The allotment is consumed from January: each month's billable minutes are priced against
    what the months before left of it (``price``), which the cell keeps as
    ``allotment_left`` for a month begun; without an agreement time is not billed. Three queries
    whatever the number of groups; only the cells whose price changed are written."""
    m, a = HoursMonthly.__table__, Agreement.__table__
    cells = select(m.c.organization_id, m.c.field, m.c.year, m.c.month, m.c.billable_minutes, m.c.cents,
                   m.c.overage_minutes, m.c.allotment_left)
    terms = select(a.c.organization_id, a.c.field, a.c.year, a.c.minutes_allotted, a.c.hourly_rate_cents,
                   a.c.overage_rate_cents, a.c.carry_over)
    if groups is not None:
        groups = set(groups) | {(org, slug, year + 1) for org, slug, year in groups}
        if not groups:
            return
        orgs = sorted({org for org, _slug, _year in groups})
        years = sorted({year for *_key, year in groups} | {year - 1 for *_key, year in groups})
        cells = cells.where(m.c.organization_id.in_(orgs), m.c.year.in_(years))
        terms = terms.where(a.c.organization_id.in_(orgs), a.c.year.in_(years))
    agreements = {(row.organization_id, row.field, row.year): row for row in connection.execute(terms)}
    by_group: dict[tuple[int, str, int], list] = defaultdict(list)
    for row in connection.execute(cells.order_by(m.c.month)):
        by_group[(row.organization_id, row.field, row.year)].append(row)
    changes = []
    for (org, slug, year), rows in by_group.items():
        if groups is not None and (org, slug, year) not in groups:
            continue
        agreement = agreements.get((org, slug, year))
        left = None
        if agreement is not None:
            used_before = sum(row.billable_minutes for row in by_group.get((org, slug, year - 1), ()))
            left = agreement.minutes_allotted + carried_minutes(agreement, agreements.get((org, slug, year - 1)),
                                                                used_before)
        for row in rows:
            cents, over = 0, 0
            if agreement is not None:
                cents, over = price(row.billable_minutes, left, agreement.hourly_rate_cents,
                                    agreement.overage_rate_cents)
            if (cents, over, left) != (row.cents, row.overage_minutes, row.allotment_left):
                changes.append({"k_org": org, "k_field": slug, "k_year": year, "k_month": row.month,
                                "v_cents": cents, "v_over": over, "v_left": left})
            if left is not None:
                left = max(0, left - row.billable_minutes)
    if changes:
        connection.execute(
            update(m)
            .where(m.c.organization_id == bindparam("k_org"), m.c.field == bindparam("k_field"),
                   m.c.year == bindparam("k_year"), m.c.month == bindparam("k_month"))
            .values(cents=bindparam("v_cents"), overage_minutes=bindparam("v_over"),
                    allotment_left=bindparam("v_left")),
            changes,
        )


def _upsert(connection, deltas: dict[tuple[int, str, int, int], list[int]]) -> None:
    rows = [
        {"organization_id": org, "field": slug, "year": year, "month": month, "minutes": d, "billable_minutes": b}
        for (org, slug, year, month), (d, b) in deltas.items() if d or b
    ]
    if not rows:
        return
    table = HoursMonthly.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.organization_id, table.c.field, table.c.year, table.c.month],
        set_={"minutes": table.c.minutes + statement.excluded.minutes,
              "billable_minutes": table.c.billable_minutes + statement.excluded.billable_minutes},
    )
    connection.execute(statement, rows)


def _lock(connection, organization_ids) -> None:
    """On PostgreSQL, wait for the other transactions pricing these organizations' hours to end
    (in id order): two writers repricing the same year would otherwise each lock a cell the other
    then updates. SQLite has one writer at a time already."""
    if connection.dialect.name != "postgresql":
        return
    for org in sorted(organization_ids):
        connection.execute(select(func.pg_advisory_xact_lock(_LOCK_SPACE, org)))


def _changed(obj, names) -> bool:
    attrs = inspect(obj).attrs
    return any(name in attrs and attrs[name].history.has_changes() for name in names)


def _rollup_before_flush(session, flush_context, _instances) -> None:
    """Read, before they change, the entries about to be changed or deleted, the requests about
    to move (their organization and field as stored) and the agreements about to change or go:
    the old side of the deltas and of the years to price again."""
    deleted = [o for o in session.deleted if isinstance(o, TimeEntry) and o.id is not None]
    changed = [o for o in session.dirty if isinstance(o, TimeEntry) and o.id is not None
               and o not in session.deleted and _changed(o, _ENTRY_ATTRS)]
    moved = [o.id for o in session.dirty if isinstance(o, R) and o.id is not None and _changed(o, _MOVE_ATTRS)]
    terms = [o for o in session.new if isinstance(o, Agreement)]
    terms += [o for o in session.dirty if isinstance(o, Agreement) and _changed(o, _TERMS_ATTRS)]
    terms += [o for o in session.deleted if isinstance(o, Agreement)]
    if not (deleted or changed or moved or terms or any(isinstance(o, TimeEntry) for o in session.new)):
        return
    entry_ids = [o.id for o in deleted + changed]
    connection = session.connection()
    old = {}
    if entry_ids:
        old = {
            row.id: row for row in connection.execute(
                select(TimeEntry.id, TimeEntry.request_id, TimeEntry.date, TimeEntry.minutes, TimeEntry.billable)
                .where(TimeEntry.id.in_(entry_ids))
            )
        }
    keys = {}
    request_ids = {row.request_id for row in old.values()} | set(moved)
    if request_ids:
        keys = {rid: (org, slug) for rid, org, slug in connection.execute(
            select(R.id, R.organization_id, R.field).where(R.id.in_(request_ids)))}
    years = set()
    stored = [o.id for o in terms if o.id is not None]
    if stored:
        years = {tuple(row) for row in connection.execute(
            select(Agreement.organization_id, Agreement.field, Agreement.year).where(Agreement.id.in_(stored)))}
    flush_context.attributes["hours_monthly"] = (old, keys, set(moved), changed, terms, years)


def _rollup_after_flush(session, flush_context) -> None:
    """Add the deltas: minus the old side of each changed or deleted entry, plus the new side of
    each new or changed one (under its request's organization and field as they were before this
    flush); then move the whole of each moved request to its new organization or field; then
    price again every year changed."""
    state = flush_context.attributes.get("hours_monthly")
    if state is None:
        return
    old, keys, moved, changed, terms, years = state
    connection = session.connection()
    deltas: dict[tuple[int, str, int, int], list[int]] = {}

    def add(key, day, minutes, billable, sign):
        cell = deltas.setdefault((*key, day.year, day.month), [0, 0])
        cell[0] += sign * int(minutes)
        cell[1] += sign * int(minutes) if billable else 0

    current = [o for o in session.new if isinstance(o, TimeEntry)]
    current += changed
    missing = {o.request_id for o in current} - set(keys)
    for rid in list(missing):
        req = session.identity_map.get(inspect(R).identity_key_from_primary_key((rid,)))
        if req is not None and not {"organization_id", "field"} & inspect(req).unloaded:
            keys[rid] = (req.organization_id, req.field)
            missing.discard(rid)
    if missing:
        keys.update({rid: (org, slug) for rid, org, slug in connection.execute(
            select(R.id, R.organization_id, R.field).where(R.id.in_(missing)))})
    for row in old.values():
        add(keys[row.request_id], row.date, row.minutes, row.billable, -1)
    for entry in current:
        add(keys[entry.request_id], entry.date, entry.minutes, entry.billable, +1)
    if moved:
        now = {rid: (org, slug) for rid, org, slug in connection.execute(
            select(R.id, R.organization_id, R.field).where(R.id.in_(moved)))}
        for rid, day, minutes, billable in connection.execute(
            select(TimeEntry.request_id, TimeEntry.date, TimeEntry.minutes, TimeEntry.billable)
            .where(TimeEntry.request_id.in_(moved))
        ):
            if now[rid] != keys[rid]:
                add(keys[rid], day, minutes, billable, -1)
                add(now[rid], day, minutes, billable, +1)
    years |= {(org, slug, year) for org, slug, year, _month in deltas}
    years |= {(o.organization_id, o.field, o.year) for o in terms if o not in session.deleted}
    _lock(connection, {org for org, _slug, _year in years})
    _upsert(connection, deltas)
    reprice(connection, years)


def init_app(app) -> None:
    """Keep the roll-up with every flush of the application's session (once: the session,
    like ``db``, is shared by the applications of a process)."""
    for name, listener in (("before_flush", _rollup_before_flush), ("after_flush", _rollup_after_flush)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def year_month_of(column, dialect_name: str):
    """The year and month of a date column as integers (``strftime`` on SQLite, where dates are
    ISO text, ``EXTRACT`` on PostgreSQL)."""
    if dialect_name == "sqlite":
        return cast(func.strftime("%Y", column), Integer), cast(func.strftime("%m", column), Integer)
    return cast(func.extract("year", column), Integer), cast(func.extract("month", column), Integer)


def rebuild_hours_monthly(connection=None) -> None:
    """Recompute the whole roll-up from the entries (after Core bulk inserts): one DELETE, one
    INSERT … SELECT grouped by organization, field, year and month, then every cell priced."""
    connection = connection if connection is not None else db.session.connection()
    year, month = year_month_of(TimeEntry.date, connection.dialect.name)
    grouped = (
        select(R.organization_id, R.field, year, month, func.sum(TimeEntry.minutes),
               func.sum(case((TimeEntry.billable.is_(True), TimeEntry.minutes), else_=0)))
        .join(R, R.id == TimeEntry.request_id)
        .group_by(R.organization_id, R.field, year, month)
    )
    table = HoursMonthly.__table__
    connection.execute(delete(table))
    connection.execute(table.insert().from_select(
        ["organization_id", "field", "year", "month", "minutes", "billable_minutes"], grouped))
    reprice(connection)
