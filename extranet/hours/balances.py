"""The hour bank of an organization in a field for a year, and the time it is counted from.

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

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, func, literal, select, union_all
from sqlalchemy.orm import aliased

from extranet.extensions import db
from extranet.hours.models import Agreement, HoursMonthly, TimeEntry
from extranet.hours.units import amount_cents, year_bounds
from extranet.requests.models import ServiceRequest as R

# -- the time used -------------------------------------------------------------------------------------


def entries_select(organization_id: int | None = None, field: str | None = None,
                   start: date | None = None, end: date | None = None, billable: bool | None = None):
    """A select of ``TimeEntry`` joined to its request, filtered (dates included); the base of
    the hour bank, statements and reports."""
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


def used_minutes_by_field(organization_id: int, years: dict[int, date | None]) -> dict[tuple[str, int], int]:
    """Billable minutes used per field by the organization in each of ``years`` (up to its day,
    included, when one is given), keyed by (field, year): one statement for any number of years.
    Whole months are summed from the monthly roll-up (a dozen rows a field, read by the
    organization's key); only the days of a month begun are summed from the entries. Summing a
    year of entries found the organization's among every organization's (≈ 70,000 a year at
    ×10: 40 ms on PostgreSQL for each year)."""
    m = HoursMonthly
    parts = []
    for year, until in sorted(years.items()):
        start, end = year_bounds(year)
        if until is not None:
            end = min(end, until)
        if end < start:
            continue
        whole_months = end.month if (end + timedelta(days=1)).month != end.month else end.month - 1
        parts.append(select(m.field.label("field"), literal(year).label("year"), m.billable_minutes.label("minutes"))
                     .where(m.organization_id == organization_id, m.year == year, m.month <= whole_months))
        if whole_months < end.month:  # the days of the month begun
            parts.append(entries_select(organization_id, start=end.replace(day=1), end=end, billable=True)
                         .with_only_columns(R.field, literal(year), TimeEntry.minutes))
    if not parts:
        return {}
    used = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    query = (select(used.c.field, used.c.year, func.coalesce(func.sum(used.c.minutes), 0))
             .group_by(used.c.field, used.c.year))
    return {(field, int(year)): int(total) for field, year, total in db.session.execute(query) if total}


def request_totals(request_id: int) -> dict[str, int]:
    """``{"total", "billable", "non_billable"}`` minutes logged on a request."""
    rows = db.session.execute(
        select(TimeEntry.billable, func.coalesce(func.sum(TimeEntry.minutes), 0))
        .where(TimeEntry.request_id == request_id)
        .group_by(TimeEntry.billable)
    ).all()
    by = {bool(b): int(m) for b, m in rows}
    return {"total": sum(by.values()), "billable": by.get(True, 0), "non_billable": by.get(False, 0)}


def carried_minutes(agreement, previous, previous_used: int) -> int:
    """The carry-over into ``agreement``'s year (module docstring); agreements or rows alike."""
    if agreement is None or previous is None or agreement.carry_over != "unused":
        return 0
    return max(0, previous.minutes_allotted - previous_used)


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
    organization for a year, in two queries whatever the number of fields.
    ``until`` (a day of ``year``) counts only the time used up to that day."""
    agreements = {
        (a.field, a.year): a
        for a in db.session.scalars(
            select(Agreement).where(Agreement.organization_id == organization_id, Agreement.year.in_((year, year - 1)))
        )
    }
    wanted = list(fields) if fields is not None else None
    # Last year's use is read only when something may carry over, in the same statement.
    carries = any(carried_minutes(agreements.get((f, year)), agreements.get((f, year - 1)), 0)
                  for f in (wanted if wanted is not None else {f for f, _y in agreements}))
    used = used_minutes_by_field(organization_id, {year: until, **({year - 1: None} if carries else {})})
    if wanted is None:
        wanted = sorted({f for f, y in agreements if y == year} | {f for f, y in used if y == year})
    result = {}
    for field in wanted:
        agreement = agreements.get((field, year))
        previous = agreements.get((field, year - 1))
        carried = carried_minutes(agreement, previous, used.get((field, year - 1), 0))
        result[field] = Balance(
            organization_id=organization_id,
            field=field,
            year=year,
            agreement=agreement,
            base=agreement.minutes_allotted if agreement else 0,
            carried=carried,
            used=used.get((field, year), 0),
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


def agreements_used_at_least(percent: int, year: int | None = None):
    """A select of the ids of the agreements whose hour bank is used at ``percent`` % or more,
    computed in SQL (carry-over included, as ``Balance.percent``): what the admin dashboard counts
    and the agreements list filters on, so that both agree whatever the number of agreements."""
    m = HoursMonthly
    cur, prev = aliased(Agreement), aliased(Agreement)

    def used(agreement_year):
        # Looked up per agreement through the roll-up's (year, organization, field) index:
        # a dozen entries each, rather than every row of two years grouped and joined.
        return func.coalesce(select(func.sum(m.billable_minutes)).where(
            m.year == agreement_year, m.organization_id == cur.organization_id, m.field == cur.field,
        ).scalar_subquery(), 0)

    left = prev.minutes_allotted - used(cur.year - 1)
    carried = case((and_(cur.carry_over == "unused", prev.id.is_not(None), left > 0), left), else_=0)
    allotted = cur.minutes_allotted + carried
    query = (
        select(cur.id)
        .outerjoin(prev, and_(prev.organization_id == cur.organization_id, prev.field == cur.field,
                              prev.year == cur.year - 1))
        .where(allotted > 0, used(cur.year) * 100 >= allotted * percent)
    )
    return query.where(cur.year == year) if year is not None else query
