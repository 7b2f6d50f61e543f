"""Figures of the admin reports and of the annual activity report.

Every figure comes from a few grouped queries (``GROUP BY`` organization, field, year, month with
``SUM``), the same number whatever the volume; the rest is arithmetic in Python on integer
minutes and cents. Revenue follows the statements' rule (``extranet.hours.statements``): minutes
within the year's allotment at the hourly rate, beyond it at the overage rate, the allotment
being consumed month after month from January; cents are rounded half up per organization,
field and month (a statement rounds per line, so a figure may differ from the sum of the
statements by a cent or two per month).

Whole months are summed from the priced monthly roll-up ``hours_monthly`` (kept exact and priced
by ``extranet.hours.rollup``), a few thousand small rows instead of every entry; only the days of
a month begun (a period ending today) and expert utilisation read ``time_entries``.

A period is a whole year, or for the current year January 1 to today; "growth" compares it with
the same period of the previous year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from extranet.accounts.models import User
from extranet.extensions import db
from extranet.hours.models import Agreement, Satisfaction, TimeEntry
from extranet.hours.models import HoursMonthly as M
from extranet.hours.units import price
from extranet.organizations.models import Organization
from extranet.requests.models import ServiceRequest as R

ENTERPRISE_KINDS = ("cooperative", "mutual", "association", "nonprofit")
TOP = 10


@dataclass
class Filters:
    year: int
    field: str | None = None
    organization_id: int | None = None
    federation_id: int | None = None

    def args(self) -> dict:
        """The query arguments that reproduce these filters (export links)."""
        values = {"year": self.year, "field": self.field, "organization": self.organization_id,
                  "federation": self.federation_id}
        return {k: v for k, v in values.items() if v}


@dataclass
class Totals:
    minutes: int = 0
    billable_minutes: int = 0
    cents: int = 0
    overage_minutes: int = 0

    def add(self, minutes: int, billable: int, cents: int, overage: int) -> None:
        self.minutes += minutes
        self.billable_minutes += billable
        self.cents += cents
        self.overage_minutes += overage

    def merge(self, other: Totals) -> None:
        self.add(other.minutes, other.billable_minutes, other.cents, other.overage_minutes)


@dataclass
class Period:
    year: int
    end: date  # the last day included
    previous_end: date  # the same day a year before

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    @property
    def previous_start(self) -> date:
        return date(self.year - 1, 1, 1)

    @property
    def partial(self) -> bool:
        return self.end < date(self.year, 12, 31)

    @property
    def months(self) -> int:
        """Months of the period (a month begun counts whole)."""
        return self.end.month if self.end >= self.start else 0


def period_of(year: int, today: date | None = None) -> Period:
    today = today or date.today()
    end = min(date(year, 12, 31), today) if year == today.year else date(year, 12, 31)
    try:
        previous_end = end.replace(year=year - 1)
    except ValueError:  # February 29
        previous_end = end.replace(year=year - 1, day=28)
    return Period(year, end, previous_end)


def growth(current: int, previous: int) -> Decimal | None:
    """The change in percent, one decimal; None when there was nothing before."""
    if not previous:
        return None
    return (Decimal(current - previous) * 100 / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def data_since() -> date | None:
    """The first month with time logged anywhere (the extranet's first records): a year begun
    before it is no base to compare with. One query on the roll-up."""
    # The first row in the (year, month) index, not min(year * 12 + month): a minimum of an
    # expression reads every row (≈ 200,000 at ×10, 40–90 ms on PostgreSQL).
    first = db.session.execute(select(M.year, M.month).order_by(M.year, M.month).limit(1)).first()
    return None if first is None else date(int(first.year), int(first.month), 1)


class Comparison:
    """Growth only where the base period is comparable: the previous period had time logged
    from its first day on (not a year without data, nor one begun part-way)."""

    period: Period
    data_since: date | None

    @property
    def comparable(self) -> bool:
        return self.data_since is not None and self.data_since <= self.period.previous_start

    def growth(self, current: int, previous: int) -> Decimal | None:
        return growth(current, previous) if self.comparable else None


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# -- the base: minutes per organization, field and month -------------------------------------


def _scope(query, filters: Filters, on=R):
    """``query`` limited to the filters, on the ``field`` and ``organization_id`` columns of
    ``on``: the requests, or the roll-up ``M``."""
    if filters.field:
        query = query.where(on.field == filters.field)
    if filters.organization_id:
        query = query.where(on.organization_id == filters.organization_id)
    if filters.federation_id:
        members = select(Organization.id).where(
            or_(Organization.id == filters.federation_id, Organization.parent_id == filters.federation_id)
        )
        query = query.where(on.organization_id.in_(members))
    return query


def _whole_months(start: date, end: date) -> tuple[int, date | None]:
    """Of ``start`` (January 1) to ``end``: the number of whole months (read from the roll-up),
    and the first day of the month begun, when ``end`` is not the last day of its month (that
    part is read from the entries)."""
    if end < start:
        return 0, None
    if (end + timedelta(days=1)).month != end.month:
        return end.month, None
    return end.month - 1, end.replace(day=1)


def _whole_months_of(period: Period):
    """The condition on the roll-up selecting the whole months of the period and of the same
    period a year before; None when there are none."""
    # whole months → the years with that many: both years but around February 29
    years: dict[int, list[int]] = defaultdict(list)
    for start, end in ((period.start, period.end), (period.previous_start, period.previous_end)):
        months, _first = _whole_months(start, end)
        if months:
            years[months].append(start.year)
    # ``year IN (…) AND month <= n`` lets SQLite read one range of the covering index per year.
    whole = [M.year.in_(y) if months == 12 else and_(M.year.in_(y), M.month <= months) for months, y in years.items()]
    return or_(*whole) if whole else None


def _begun_months(filters: Filters, period: Period) -> list[tuple[int, str, int, int, Totals]]:
    """``(organization, field, year, month, Totals)`` of the days of a month begun (a period
    ending today, and the same days a year before), read from the entries: one query, which also
    reads what the months before left of the allotment (the roll-up's ``allotment_left``) and
    the rates, to price those days as the roll-up prices a whole month."""
    ranges, months = [], []
    for start, end in ((period.start, period.end), (period.previous_start, period.previous_end)):
        _months, first = _whole_months(start, end)
        if first is not None:
            months.append(first)
            ranges.append(_scope(
                select(
                    R.organization_id.label("organization_id"), R.field.label("field"),
                    literal(first.year).label("year"), literal(first.month).label("month"),
                    func.sum(TimeEntry.minutes).label("minutes"),
                    func.sum(case((TimeEntry.billable.is_(True), TimeEntry.minutes), else_=0)).label("billable"),
                )
                .join(R, R.id == TimeEntry.request_id)
                .where(TimeEntry.date >= first, TimeEntry.date <= end)
                .group_by(R.organization_id, R.field),
                filters,
            ))
    if not ranges:
        return []
    days = (ranges[0] if len(ranges) == 1 else union_all(*ranges)).subquery("days")
    # The months and years joined are also named as constants: PostgreSQL cannot carry them
    # through the union, and without them hashed the whole roll-up and every agreement
    # (≈ 200,000 and 24,000 rows at ×10, ≈ 280 ms) to look up ≈ 2,400 of each.
    query = (
        select(days, M.allotment_left, Agreement.hourly_rate_cents, Agreement.overage_rate_cents)
        .outerjoin(M, and_(M.organization_id == days.c.organization_id, M.field == days.c.field,
                           M.year == days.c.year, M.month == days.c.month,
                           or_(*(and_(M.year == m.year, M.month == m.month) for m in months))))
        .outerjoin(Agreement, and_(Agreement.organization_id == days.c.organization_id,
                                   Agreement.field == days.c.field, Agreement.year == days.c.year,
                                   Agreement.year.in_([m.year for m in months])))
    )
    rows = []
    for org, slug, y, m, minutes, billable, left, rate, over_rate in db.session.execute(query):
        cents, over = (0, 0) if left is None or rate is None else price(int(billable), left, rate, over_rate)
        rows.append((org, slug, int(y), int(m), Totals(int(minutes), int(billable), cents, over)))
    return rows


def _sums():
    return (func.sum(M.minutes), func.sum(M.billable_minutes), func.sum(M.cents), func.sum(M.overage_minutes))


def priced_totals(filters: Filters, period: Period):
    """Minutes, billable minutes, revenue and overage of the period and of the same period a
    year before: ``({(organization, year): Totals}, {(field, year, month): Totals})``. Whole
    months are summed by the database from the priced roll-up (one query), the days of a month
    begun priced from the entries (``_begun_months``)."""
    by_org: dict[tuple[int, int], Totals] = defaultdict(Totals)
    by_field_month: dict[tuple[str, int, int], Totals] = defaultdict(Totals)
    whole = _whole_months_of(period)
    if whole is not None:
        no_int, no_str = cast(null(), Integer), cast(null(), String)
        query = union_all(
            _scope(select(literal(0).label("kind"), M.organization_id, no_str, M.year, no_int, *_sums())
                   .where(whole).group_by(M.organization_id, M.year), filters, on=M),
            # Grouped in the order of the (year, month, field) index: no sort (migration 0037).
            _scope(select(literal(1), no_int, M.field, M.year, M.month, *_sums())
                   .where(whole).group_by(M.year, M.month, M.field), filters, on=M),
        )
        for kind, org, slug, year, month, minutes, billable, cents, over in db.session.execute(query):
            values = (int(minutes or 0), int(billable or 0), int(cents or 0), int(over or 0))
            if kind == 0:
                by_org[(org, int(year))].add(*values)
            else:
                by_field_month[(slug, int(year), int(month))].add(*values)
    for org, slug, year, month, totals in _begun_months(filters, period):
        by_org[(org, year)].merge(totals)
        by_field_month[(slug, year, month)].merge(totals)
    return by_org, by_field_month


def _aggregate(filters: Filters, period: Period):
    """The report's totals by field, month and organization."""
    by_org_year, by_field_month = priced_totals(filters, period)
    current, previous = Totals(), Totals()
    by_field: dict[str, list[Totals]] = defaultdict(lambda: [Totals(), Totals()])
    by_month = {m: [Totals(), Totals()] for m in range(1, period.months + 1)}  # a year under way: to this month
    by_org: dict[int, list[Totals]] = defaultdict(lambda: [Totals(), Totals()])
    for (org, year), totals in by_org_year.items():
        by_org[org][0 if year == period.year else 1] = totals
    for (slug, year, month), totals in by_field_month.items():
        index = 0 if year == period.year else 1
        (current if index == 0 else previous).merge(totals)
        by_field[slug][index].merge(totals)
        by_month[month][index].merge(totals)
    return current, previous, by_field, by_month, by_org


def organizations() -> dict[int, tuple[str, str, int | None]]:
    """``{id: (name, kind, parent_id)}`` of every organization: one query."""
    return {
        org_id: (name, kind, parent)
        for org_id, name, kind, parent in db.session.execute(
            select(Organization.id, Organization.name, Organization.kind, Organization.parent_id)
        )
    }


# -- admin reports ----------------------------------------------------------------------------


@dataclass
class Report(Comparison):
    filters: Filters
    period: Period
    current: Totals
    previous: Totals
    by_field: list[tuple[str, Totals, Totals]]
    by_month: list[tuple[int, Totals, Totals]]
    by_organization: list[tuple[int, str, Totals, Totals]]
    experts: list[tuple[int, str, int, int, Decimal | None]]
    capacity_minutes: int
    organizations: dict = field(default_factory=dict)
    data_since: date | None = None

    @property
    def hours_growth(self) -> Decimal | None:
        return self.growth(self.current.billable_minutes, self.previous.billable_minutes)

    @property
    def revenue_growth(self) -> Decimal | None:
        return self.growth(self.current.cents, self.previous.cents)

    @property
    def top_organizations(self):
        return self.by_organization[:TOP]


def expert_utilisation(filters: Filters, period: Period, capacity_hours: int):
    """``[(expert id, name, billable minutes, capacity minutes, percent)]``, busiest first. The
    entries are summed per expert before the experts' names are joined: a year's ≈ 70,000 rows
    at ×10 grouped by one integer, rather than each joined to its expert first."""
    per_expert = (
        select(TimeEntry.expert_id, func.sum(TimeEntry.minutes).label("minutes"))
        .where(TimeEntry.billable.is_(True), TimeEntry.date >= period.start, TimeEntry.date <= period.end)
        .group_by(TimeEntry.expert_id)
    )
    if filters.field or filters.organization_id or filters.federation_id:
        per_expert = _scope(per_expert.join(R, R.id == TimeEntry.request_id), filters)
    per_expert = per_expert.subquery()
    query = select(per_expert.c.expert_id, User.name, per_expert.c.minutes).join(
        User, User.id == per_expert.c.expert_id)
    capacity = period.months * int(capacity_hours) * 60
    rows = [
        (expert_id, name, int(minutes or 0), capacity, percent(int(minutes or 0), capacity))
        for expert_id, name, minutes in db.session.execute(query)
    ]
    return sorted(rows, key=lambda r: (-r[2], r[1])), capacity


def admin_report(filters: Filters, capacity_hours: int, today: date | None = None) -> Report:
    period = period_of(filters.year, today)
    orgs = organizations()
    current, previous, by_field, by_month, by_org = _aggregate(filters, period)
    experts, capacity = expert_utilisation(filters, period, capacity_hours)
    organizations_rows = sorted(
        ((org_id, orgs.get(org_id, ("?", "", None))[0], cur, prev) for org_id, (cur, prev) in by_org.items()
         if cur.minutes),
        key=lambda r: (-r[2].billable_minutes, -r[2].minutes, r[1].casefold()),
    )
    return Report(
        filters=filters,
        period=period,
        current=current,
        previous=previous,
        by_field=sorted(((slug, cur, prev) for slug, (cur, prev) in by_field.items()), key=lambda r: r[0]),
        by_month=[(m, cur, prev) for m, (cur, prev) in sorted(by_month.items())],
        by_organization=organizations_rows,
        experts=experts,
        capacity_minutes=capacity,
        organizations=orgs,
        data_since=data_since(),
    )


# -- annual activity report ---------------------------------------------------------------------


@dataclass
class Annual(Comparison):
    year: int
    period: Period
    organization: Organization | None
    current: Totals
    previous: Totals
    by_field: list[tuple[str, Totals, Totals]]
    by_month: list[tuple[int, Totals, Totals]]
    requests_by_field: list[tuple[str, int, int]]  # field, opened, closed
    organizations_served: int
    enterprises_served: int
    federations_served: int
    satisfaction_count: int
    satisfaction_average: Decimal | None
    data_since: date | None = None

    @property
    def hours_growth(self) -> Decimal | None:
        return self.growth(self.current.minutes, self.previous.minutes)

    @property
    def revenue_growth(self) -> Decimal | None:
        return self.growth(self.current.cents, self.previous.cents)

    @property
    def opened(self) -> int:
        return sum(r[1] for r in self.requests_by_field)

    @property
    def closed(self) -> int:
        return sum(r[2] for r in self.requests_by_field)


def _year_bounds_utc(period: Period) -> tuple[datetime, datetime]:
    start = datetime(period.year, 1, 1, tzinfo=UTC)
    end = datetime(period.end.year, period.end.month, period.end.day, 23, 59, 59, 999999, tzinfo=UTC)
    return start, end


def requests_activity(filters: Filters, period: Period):
    """``({(organization, field): [opened, closed]}, ratings, sum of the ratings)`` of the
    requests opened and closed in the period (ratings of the requests closed): two grouped
    queries, each read from a covering index."""
    start, end = _year_bounds_utc(period)
    result: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    opened = _scope(
        select(R.organization_id, R.field, func.count())
        .where(R.created_at >= start, R.created_at <= end)
        .group_by(R.organization_id, R.field),
        filters,
    )
    for org, slug, count in db.session.execute(opened):
        result[(org, slug)][0] = int(count)
    closed = _scope(
        select(R.organization_id, R.field, func.count(), func.count(Satisfaction.request_id),
               func.sum(Satisfaction.rating))
        .outerjoin(Satisfaction, Satisfaction.request_id == R.id)
        .where(R.state == "closed", R.state_changed_at >= start, R.state_changed_at <= end)
        .group_by(R.organization_id, R.field),
        filters,
    )
    ratings = rating_sum = 0
    for org, slug, count, rated, total in db.session.execute(closed):
        result[(org, slug)][1] = int(count)
        ratings += int(rated)
        rating_sum += int(total or 0)
    return result, ratings, rating_sum


def annual_report(year: int, organization: Organization | None = None, today: date | None = None) -> Annual:
    filters = Filters(year=year, organization_id=organization.id if organization else None)
    period = period_of(year, today)
    current, previous, by_field, by_month, by_org = _aggregate(filters, period)
    activity, ratings, rating_sum = requests_activity(filters, period)
    served = {org for org, (cur, _prev) in by_org.items() if cur.minutes}
    served |= {org for (org, _slug), counts in activity.items() if any(counts)}
    kinds = {org_id: kind for org_id, (_n, kind, _p) in organizations().items()} if served else {}
    requests_by_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (_org, slug), (opened, closed) in activity.items():
        requests_by_field[slug][0] += opened
        requests_by_field[slug][1] += closed
    average = None
    if ratings:
        average = (Decimal(rating_sum) / ratings).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    fields = sorted(set(by_field) | set(requests_by_field))
    return Annual(
        year=year,
        period=period,
        organization=organization,
        current=current,
        previous=previous,
        by_field=[(slug, *by_field[slug]) for slug in fields],
        by_month=[(m, cur, prev) for m, (cur, prev) in sorted(by_month.items())],
        requests_by_field=[(slug, *requests_by_field[slug]) for slug in fields],
        organizations_served=len(served),
        enterprises_served=sum(1 for org in served if kinds.get(org) in ENTERPRISE_KINDS),
        federations_served=sum(1 for org in served if kinds.get(org) == "federation"),
        satisfaction_count=ratings,
        satisfaction_average=average,
        data_since=data_since(),
    )


# -- statements list ----------------------------------------------------------------------------


def month_activity(year: int, month: int | None, organization_id: int | None):
    """``{(organization, month): Totals}`` of the activity of ``year`` (of one month when given),
    priced, for the statements list: one query on the roll-up."""
    query = _scope(select(M.organization_id, M.month, *_sums()).where(M.year == year),
                   Filters(year=year, organization_id=organization_id), on=M)
    if month is not None:
        query = query.where(M.month == month)
    result: dict[tuple[int, int], Totals] = defaultdict(Totals)
    for org, m, minutes, billable, cents, over in db.session.execute(query.group_by(M.organization_id, M.month)):
        result[(org, int(m))].add(int(minutes or 0), int(billable or 0), int(cents or 0), int(over or 0))
    return result
