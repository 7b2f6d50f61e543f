"""Service hours: durations, money, the hour bank and its alerts.

Everyone uses these functions (time logging, the balance pages, statements and reports), so that
a figure is computed one way only. Durations are integer minutes and money integer cents;
``Decimal`` is used for parsing and arithmetic, never ``float``.

The hour bank of an organization in a field for a year:

- ``base``: the agreement's ``minutes_allotted`` (0 without an agreement);
- ``carried``: with the carry-over rule ``"unused"``, the previous year's unused minutes, that is
  ``max(0, previous agreement's minutes_allotted - previous year's used minutes)`` (hours carry
  over one year, they do not snowball); 0 with ``"none"`` or without a previous agreement;
- ``allotted = base + carried``;
- ``used``: billable minutes of the time entries dated that year on the organization's requests
  of that field (non-billable time never counts);
- ``remaining = max(0, allotted - used)``, ``overage = max(0, used - allotted)``;
- ``percent = used * 100 / allotted`` (a ``Decimal``; None when nothing is allotted).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import current_app
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, case, cast, delete, event, func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from extranet.audit.service import record
from extranet.extensions import db
from extranet.hours.models import (
    Agreement,
    HourAlert,
    HoursMonthly,
    Satisfaction,
    Statement,
    TimeEntry,
)
from extranet.modules import MEMBERS_SEE_HOURS, MEMBERS_SEE_NOTES, set_module_setting
from extranet.notifications.service import notify
from extranet.organizations.models import Organization

MAX_MINUTES_PER_ENTRY = 24 * 60
THRESHOLDS = (80, 100)

ACTIVITIES = {
    "analysis": _l("Analysis"),
    "meeting": _l("Meeting"),
    "drafting": _l("Drafting"),
    "review": _l("Review"),
    "travel": _l("Travel"),
    "other": _l("Other"),
}

CARRY_OVER_LABELS = {
    "none": _l("None: unused hours are lost at the end of the year"),
    "unused": _l("Unused: the previous year's unused hours are added to this year's allotment"),
}


# -- durations -----------------------------------------------------------------------------------

_HM = re.compile(r"^(\d{1,4})\s*(?::|h)\s*(\d{1,2})?\s*(?:m|min)?$")
_MINUTES = re.compile(r"^(\d{1,6})\s*(?:m|min|mn)?$")
_HOURS = re.compile(r"^(\d{1,4}(?:[.,]\d+)?)\s*h?$")


def parse_duration(text: str) -> int:
    """Integer minutes from what a person types: ``"1:30"``, ``"1h30"``, ``"2h"`` (hours and
    minutes), ``"90"`` or ``"90 min"`` (minutes), ``"1.5"`` or ``"1,5"`` (decimal hours).

    Raises ``ValueError`` when the text is not a duration (a negative one included). Decimal
    hours are rounded to the nearest minute (half up). Bounds are checked by the form."""
    value = " ".join((text or "").strip().lower().split())
    if not value:
        raise ValueError("empty")
    match = _HM.match(value)
    if match and (":" in value or "h" in value):
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        if minutes >= 60:
            raise ValueError("minutes")
        return hours * 60 + minutes
    match = _MINUTES.match(value)
    if match:
        return int(match.group(1))
    match = _HOURS.match(value)
    if match:
        hours = Decimal(match.group(1).replace(",", "."))
        return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    raise ValueError(value)


def format_minutes(minutes: int | None) -> str:
    """``hours:minutes`` in the current language (``"1:30"``, ``"1 h 30"`` in French); the hours
    are grouped per locale (``"1,234:05"``). Negative values keep their sign."""
    minutes = int(minutes or 0)
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return sign + gettext("%(hours)s:%(minutes)s", hours=format_decimal(hours), minutes=f"{rest:02d}")


def hours_decimal(minutes: int) -> Decimal:
    """Minutes as decimal hours with two places (exports, statements): 90 → Decimal("1.50")."""
    return (Decimal(int(minutes)) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- money -----------------------------------------------------------------------------------------

_MONEY = re.compile(r"^\d+(?:[.,]\d{1,2})?$")


def parse_money(text: str) -> int:
    """Integer cents from ``"95"``, ``"95.00"``, ``"95,00"``, ``"1 234,50"``, ``"$95"``.
    Raises ``ValueError`` for anything else (negative amounts and more than 2 decimals too)."""
    value = (text or "").strip().replace("$", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not _MONEY.match(value):
        raise ValueError(text)
    try:
        amount = Decimal(value.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refuses it
        raise ValueError(text) from exc
    return int(amount * 100)


def money_decimal(cents: int) -> Decimal:
    """Cents as a ``Decimal`` amount with two places: 9500 → Decimal("95.00")."""
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def format_money(cents: int | None) -> str:
    """Cents as money in the current language (``"$95.00"``, ``"95,00 $"``)."""
    from flask_babel import format_currency

    return format_currency(money_decimal(cents or 0), current_app.config.get("CURRENCY", "CAD"))


def amount_cents(minutes: int, rate_cents: int) -> int:
    """What ``minutes`` cost at an hourly rate, in cents, rounded half up (away from zero): exact
    integer arithmetic, ``floor((2·minutes·rate + 60) / 120)``, which a report does thousands of times."""
    value = int(minutes) * int(rate_cents)
    cents = (abs(value) * 2 + 60) // 120
    return cents if value >= 0 else -cents


def split_overage(used_before: int, minutes: int, allotted: int) -> tuple[int, int]:
    """``(within, over)``: how much of ``minutes`` (logged after ``used_before`` minutes were
    already used in the year) falls within the allotment and how much beyond it."""
    within = max(0, min(minutes, allotted - used_before))
    return within, minutes - within


# -- periods and closed months -------------------------------------------------------------------


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of ``year`` (both included)."""
    return date(year, 1, 1), date(year, 12, 31)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month containing ``month``."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def parse_iso_week(text: str | None, today: date | None = None) -> date:
    """The Monday of an ISO week like ``"2026-W48"``; this week's for anything else."""
    match = re.fullmatch(r"(\d{4})-W(\d{1,2})", (text or "").strip())
    if match:
        try:
            return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            pass
    today = today or date.today()
    return today - timedelta(days=today.weekday())


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_closed(organization_id: int, day: date) -> bool:
    """Whether the organization's statement for the month of ``day`` is closed: its time entries
    can then no longer be created, changed or deleted."""
    return db.session.scalar(
        select(func.count(Statement.id)).where(
            Statement.organization_id == organization_id,
            Statement.month == month_start(day),
            Statement.closed_at.is_not(None),
        )
    ) > 0


# -- entries --------------------------------------------------------------------------------------


def entries_select(organization_id: int | None = None, field: str | None = None,
                   start: date | None = None, end: date | None = None, billable: bool | None = None):
    """A select of ``TimeEntry`` joined to its request, filtered (dates included); the base of
    the hour bank, statements and reports."""
    from extranet.requests.models import ServiceRequest as R

    query = select(TimeEntry).join(R, R.id == TimeEntry.request_id)
    if organization_id is not None:
        query = query.where(R.organization_id == organization_id)
    if field is not None:
        query = query.where(R.field == field)
    if start is not None:
        query = query.where(TimeEntry.date >= start)
    if end is not None:
        query = query.where(TimeEntry.date <= end)
    if billable is not None:
        query = query.where(TimeEntry.billable.is_(billable))
    return query


def used_minutes_by_field(organization_id: int, year: int, until: date | None = None) -> dict[str, int]:
    """Billable minutes used per field by the organization in ``year`` (up to ``until``, included,
    when given): one grouped query."""
    from extranet.requests.models import ServiceRequest as R

    start, end = year_bounds(year)
    if until is not None:
        end = min(end, until)
    query = (
        entries_select(organization_id, start=start, end=end, billable=True)
        .with_only_columns(R.field, func.coalesce(func.sum(TimeEntry.minutes), 0))
        .group_by(R.field)
    )
    return {field: int(total) for field, total in db.session.execute(query)}




def request_totals(request_id: int) -> dict[str, int]:
    """``{"total", "billable", "non_billable"}`` minutes logged on a request."""
    rows = db.session.execute(
        select(TimeEntry.billable, func.coalesce(func.sum(TimeEntry.minutes), 0))
        .where(TimeEntry.request_id == request_id)
        .group_by(TimeEntry.billable)
    ).all()
    by = {bool(b): int(m) for b, m in rows}
    return {"total": sum(by.values()), "billable": by.get(True, 0), "non_billable": by.get(False, 0)}


# -- the monthly roll-up ---------------------------------------------------------------------------
#
# ``hours_monthly`` holds, per organization, field, year and month, the minutes and billable
# minutes logged and what they are worth: the cooperative-wide reports sum it instead of reading
# and pricing the entries. It is kept exact in ONE place, the two flush listeners below, which
# ``init_app`` registers on the application's database session. Whatever creates, changes
# (minutes, billable, date, request) or deletes a ``TimeEntry`` through the ORM, and whatever
# moves a request to another organization or field, adds the difference to the roll-up in the
# same flush, hence the same transaction (one ``INSERT … ON CONFLICT DO UPDATE SET minutes =
# minutes + excluded.minutes``: concurrent writers add up, none is lost). Then each year changed
# is priced again (``reprice``), and so is the year of an agreement created, changed or deleted.
# Core bulk inserts of entries (demo data, the benchmark) bypass the ORM: they call
# ``rebuild_hours_monthly`` afterwards.

_ENTRY_ATTRS = ("minutes", "billable", "date", "request_id", "request")
_MOVE_ATTRS = ("organization_id", "field", "organization")
_TERMS_ATTRS = ("organization_id", "organization", "field", "year", "minutes_allotted", "hourly_rate_cents",
                "overage_rate_cents", "carry_over")
# pg_advisory_xact_lock(_LOCK_SPACE, organization id): one writer at a time prices an organization's hours.
_LOCK_SPACE = 4_687_001


def price(minutes: int, left: int, rate_cents: int, overage_rate_cents: int) -> tuple[int, int]:
    """``(cents, overage minutes)`` of ``minutes`` billable minutes logged while ``left`` minutes of
    the allotment remain: within it at the hourly rate, beyond it at the overage rate."""
    within = max(0, min(minutes, left))
    return amount_cents(within, rate_cents) + amount_cents(minutes - within, overage_rate_cents), minutes - within


def carried_minutes(agreement, previous, previous_used: int) -> int:
    """The carry-over into ``agreement``'s year (module docstring); agreements or rows alike."""
    if agreement is None or previous is None or agreement.carry_over != "unused":
        return 0
    return max(0, previous.minutes_allotted - previous_used)


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
    from extranet.requests.models import ServiceRequest as R

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
    from extranet.requests.models import ServiceRequest as R

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
    """Keep the roll-up with every flush of the application's database session (once: the
    session, like ``db``, is shared by the applications of a process)."""
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
    from extranet.requests.models import ServiceRequest as R

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


# -- the hour bank -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    """An organization's hour bank in one field for one year (minutes)."""

    organization_id: int
    field: str
    year: int
    agreement: Agreement | None
    base: int
    carried: int
    used: int

    @property
    def allotted(self) -> int:
        return self.base + self.carried

    @property
    def remaining(self) -> int:
        return max(0, self.allotted - self.used)

    @property
    def overage(self) -> int:
        return max(0, self.used - self.allotted)

    @property
    def percent(self) -> Decimal | None:
        if self.allotted <= 0:
            return None
        return (Decimal(self.used) * 100 / self.allotted).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def meter_value(self) -> int:
        """The ``<meter>`` value: used minutes, capped at the allotment."""
        return min(self.used, self.allotted)

    @property
    def overage_cents(self) -> int:
        return amount_cents(self.overage, self.agreement.overage_rate_cents) if self.agreement else 0




def balances(organization_id: int, year: int, fields: list[str] | None = None,
             until: date | None = None) -> dict[str, Balance]:
    """The hour bank of every field (those with an agreement or with use, or ``fields``) of an
    organization for a year, in at most three queries whatever the number of fields.
    ``until`` (a day of ``year``) counts only the time used up to that day."""
    agreements = {
        (a.field, a.year): a
        for a in db.session.scalars(
            select(Agreement).where(Agreement.organization_id == organization_id, Agreement.year.in_((year, year - 1)))
        )
    }
    used = used_minutes_by_field(organization_id, year, until)
    previous_used = None
    wanted = list(fields) if fields is not None else sorted({f for f, y in agreements if y == year} | set(used))
    result = {}
    for field in wanted:
        agreement = agreements.get((field, year))
        previous = agreements.get((field, year - 1))
        if previous_used is None and carried_minutes(agreement, previous, 0):  # something may carry over
            previous_used = used_minutes_by_field(organization_id, year - 1)
        carried = carried_minutes(agreement, previous, (previous_used or {}).get(field, 0))
        result[field] = Balance(
            organization_id=organization_id,
            field=field,
            year=year,
            agreement=agreement,
            base=agreement.minutes_allotted if agreement else 0,
            carried=carried,
            used=used.get(field, 0),
        )
    return result


def balances_of_agreements(agreements: list[Agreement]) -> dict[int, Balance]:
    """The balance of each agreement (keyed by its id), in two queries for any number of them
    (a page of the agreements list): the use is read from the monthly roll-up."""
    if not agreements:
        return {}
    org_ids = {a.organization_id for a in agreements}
    years = {a.year for a in agreements} | {a.year - 1 for a in agreements}
    previous = {
        (a.organization_id, a.field, a.year): a
        for a in db.session.scalars(
            select(Agreement).where(Agreement.organization_id.in_(org_ids), Agreement.year.in_({y - 1 for y in years}))
        )
    }
    m = HoursMonthly
    rows = db.session.execute(
        select(m.organization_id, m.field, m.year, func.sum(m.billable_minutes))
        .where(m.organization_id.in_(org_ids), m.year.in_(years))
        .group_by(m.organization_id, m.field, m.year)
    )
    used = {(org, field, int(year)): int(total or 0) for org, field, year, total in rows}
    result = {}
    for agreement in agreements:
        key = (agreement.organization_id, agreement.field)
        carried = carried_minutes(agreement, previous.get((*key, agreement.year - 1)),
                                  used.get((*key, agreement.year - 1), 0))
        result[agreement.id] = Balance(
            organization_id=agreement.organization_id, field=agreement.field, year=agreement.year,
            agreement=agreement, base=agreement.minutes_allotted, carried=carried,
            used=used.get((*key, agreement.year), 0),
        )
    return result


def balance(organization_id: int, field: str, year: int, until: date | None = None) -> Balance:
    """The hour bank of one organization in one field for one year (see the module docstring)."""
    return balances(organization_id, year, [field], until)[field]


# -- threshold alerts ----------------------------------------------------------------------------


def check_thresholds(organization, field: str, year: int, actor=None) -> list[int]:
    """After time is logged: announce each threshold (80 %, 100 %) of the year's allotment that
    is now reached and was never announced, once (an ``HourAlert`` row per agreement and
    threshold), to the organization's managers. Returns the thresholds announced."""
    result = balance(organization.id, field, year)
    if result.agreement is None or result.percent is None:
        return []
    announced = []
    for threshold in THRESHOLDS:
        if result.percent < threshold:
            continue
        if db.session.get(HourAlert, (result.agreement.id, threshold)) is not None:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(HourAlert(agreement_id=result.agreement.id, threshold=threshold))
        except IntegrityError:  # announced meanwhile by a concurrent request
            continue
        notify(f"hours_{threshold}", organization, actor, field=result.field, year=result.year,
               percent=str(result.percent))
        announced.append(threshold)
    return announced


# -- use cases: each builds its rows and writes its audit record; the view commits -----------------


class MonthClosed(ValueError):
    """The time entries of a month whose statement is closed can no longer be created, changed
    or deleted; ``day`` is in that month."""

    def __init__(self, day: date):
        super().__init__(day.isoformat())
        self.day = day


def _check_open(organization_id: int, *days: date) -> None:
    for day in days:
        if month_closed(organization_id, day):
            raise MonthClosed(day)


def log_time(req, expert, *, day: date, minutes: int, activity: str, billable: bool, note: str) -> TimeEntry:
    """An expert's time on a request, and the hour bank's alerts it sets off. Raises
    ``MonthClosed``."""

    _check_open(req.organization_id, day)
    entry = TimeEntry(request=req, expert=expert, date=day, minutes=minutes, activity=activity,
                      billable=billable, note=note.strip())
    db.session.add(entry)
    db.session.flush()
    record("hours.time_logged", target=entry, organization=req.organization, reference=req.reference,
           minutes=entry.minutes, date=entry.date.isoformat(), billable=entry.billable)
    check_thresholds(req.organization, req.field, entry.date.year, actor=expert)
    return entry


def change_entry(entry: TimeEntry, actor, *, day: date, minutes: int, activity: str, billable: bool,
                 note: str) -> None:
    """Correct a time entry; neither its month nor the one it moves to may be closed (raises
    ``MonthClosed``)."""

    req = entry.request
    _check_open(req.organization_id, entry.date, day)
    before = {"minutes": entry.minutes, "date": entry.date.isoformat(), "billable": entry.billable}
    entry.date, entry.minutes, entry.activity, entry.billable = day, minutes, activity, billable
    entry.note = note.strip()
    record("hours.time_changed", target=entry, organization=req.organization, reference=req.reference,
           before=before, minutes=entry.minutes, date=entry.date.isoformat(), billable=entry.billable)
    db.session.flush()
    check_thresholds(req.organization, req.field, entry.date.year, actor=actor)


def delete_entry(entry: TimeEntry) -> None:
    """Remove a time entry of a month still open (raises ``MonthClosed``)."""

    req = entry.request
    _check_open(req.organization_id, entry.date)
    record("hours.time_deleted", target=entry, organization=req.organization, reference=req.reference,
           minutes=entry.minutes, date=entry.date.isoformat(), expert=entry.expert.email)
    db.session.delete(entry)


def rate_request(req, user, rating: int, comment: str) -> Satisfaction:
    """A closed request's rating. Once per request: the commit of a second one meets the unique
    constraint."""

    satisfaction = Satisfaction(request=req, user_id=user.id, rating=rating, comment=comment.strip())
    db.session.add(satisfaction)
    record("hours.request_rated", target=req, organization=req.organization, rating=rating)
    return satisfaction


class AgreementTaken(ValueError):
    """An organization has one agreement per field and year."""


def save_agreement(agreement: Agreement | None, *, organization_id: int, field: str, year: int,
                   minutes_allotted: int, hourly_rate_cents: int, overage_rate_cents: int,
                   carry_over: str) -> Agreement:
    """Create an agreement (``agreement`` None) or change one. Raises ``AgreementTaken`` when
    the organization already has one for that field and year, even one created meanwhile."""

    taken = db.session.scalar(select(Agreement.id).where(
        Agreement.organization_id == organization_id, Agreement.field == field, Agreement.year == year,
    ))
    if taken is not None and (agreement is None or taken != agreement.id):
        raise AgreementTaken
    created = agreement is None
    agreement = agreement or Agreement()
    try:
        # Changed inside the savepoint, so that a refused change leaves the transaction usable.
        with db.session.begin_nested():
            agreement.organization_id, agreement.field, agreement.year = organization_id, field, year
            agreement.minutes_allotted = minutes_allotted
            agreement.hourly_rate_cents, agreement.overage_rate_cents = hourly_rate_cents, overage_rate_cents
            agreement.carry_over = carry_over
            db.session.add(agreement)
            db.session.flush()
    except IntegrityError as exc:  # created meanwhile by someone else
        raise AgreementTaken from exc
    record("hours.agreement_created" if created else "hours.agreement_changed", target=agreement,
           organization=db.session.get(Organization, agreement.organization_id), field=agreement.field,
           year=agreement.year, minutes=agreement.minutes_allotted, hourly_rate_cents=agreement.hourly_rate_cents,
           overage_rate_cents=agreement.overage_rate_cents, carry_over=agreement.carry_over)
    return agreement


def change_hour_settings(field: str, *, members_see_hours: bool, members_see_notes: bool) -> None:
    """Whether a field's members (not only its managers) see their organization's hours, and
    the notes of the time logged on their requests."""

    set_module_setting(field, MEMBERS_SEE_HOURS, members_see_hours)
    set_module_setting(field, MEMBERS_SEE_NOTES, members_see_notes)
    record("hours.settings_changed", target=f"modules:{field}", members_see_hours=members_see_hours,
           members_see_time_notes=members_see_notes)
