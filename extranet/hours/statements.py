"""Monthly statements: computed live from the month's billable time entries (a draft), then
closed by an admin, which snapshots the lines and totals into the ``Statement`` row.

Lines are grouped by field and request. Each field is billed at its agreement of the year: the
minutes within the year's allotment (carry-over included, see ``extranet.hours.balances``) at the
hourly rate, those beyond it at the overage rate. Which minutes of the month are overage is
decided by the usage from January 1 up to the month, then the month's entries in date order.
Money is integer cents (rounded half up per line and rate), durations integer minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.hours.balances import balances
from extranet.hours.models import Statement, TimeEntry
from extranet.hours.units import amount_cents, month_bounds, split_overage
from extranet.webhooks import events as webhooks


class StatementClosed(Exception):
    """The month's statement is already closed: it cannot be closed (or changed) again."""


class MonthNotOver(Exception):
    """A month can be closed only once it is over."""


def parse_month(text: str | None) -> date | None:
    """``"2026-03"`` → ``date(2026, 3, 1)``; None for anything else."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        # Both checked before date(), which answers a month of twenty digits with OverflowError.
        return date(year, month, 1) if 2000 <= year <= 2100 and 1 <= month <= 12 else None
    except ValueError:
        return None


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


@dataclass
class FieldTotal:
    field: str
    minutes: int = 0
    overage_minutes: int = 0
    amount_cents: int = 0
    overage_cents: int = 0
    hourly_rate_cents: int = 0
    overage_rate_cents: int = 0
    covered: bool = True


@dataclass
class StatementData:
    """A statement as shown and exported: the closed snapshot, or the live draft."""

    organization: object
    month: date
    lines: list[dict]
    statement: Statement | None = None
    fields: list[FieldTotal] = field(default_factory=list)

    def __post_init__(self):
        by_field: dict[str, FieldTotal] = {}
        for line in self.lines:
            total = by_field.setdefault(line["field"], FieldTotal(
                field=line["field"], hourly_rate_cents=line["hourly_rate_cents"],
                overage_rate_cents=line["overage_rate_cents"], covered=line.get("covered", True),
            ))
            total.minutes += line["minutes"]
            total.overage_minutes += line["overage_minutes"]
            total.amount_cents += line["amount_cents"]
            total.overage_cents += line["overage_cents"]
        self.fields = list(by_field.values())

    def seen_by(self, user) -> StatementData:
        """The statement as ``user`` reads it, on the page, in print and in its downloads: the
        line of a request they cannot open keeps its reference, field and figures, its title
        becomes None (the one confidentiality rule, ``requests.rules.openable_requests``)."""
        from extranet.requests.rules import openable_requests

        openable = openable_requests(user, [line.get("request_id") for line in self.lines])
        lines = [line if line.get("request_id") in openable else {**line, "title": None} for line in self.lines]
        return replace(self, lines=lines)

    @property
    def closed(self) -> bool:
        return self.statement is not None and self.statement.closed_at is not None

    @property
    def key(self) -> str:
        return month_key(self.month)

    @property
    def total_minutes(self) -> int:
        return self.statement.total_minutes if self.closed else sum(f.minutes for f in self.fields)

    @property
    def total_cents(self) -> int:
        return self.statement.total_cents if self.closed else sum(f.amount_cents for f in self.fields)

    @property
    def overage_minutes(self) -> int:
        return self.statement.overage_minutes if self.closed else sum(f.overage_minutes for f in self.fields)

    @property
    def overage_cents(self) -> int:
        return self.statement.overage_cents if self.closed else sum(f.overage_cents for f in self.fields)


def closed_statement(organization_id: int, month: date) -> Statement | None:
    return db.session.scalar(
        select(Statement).where(
            Statement.organization_id == organization_id,
            Statement.month == month,
            Statement.closed_at.is_not(None),
        )
    )


def compute_lines(organization, month: date) -> list[dict]:
    """The draft lines of ``organization``'s statement for ``month`` (first day), in three or
    four queries whatever the number of entries."""
    from extranet.requests.models import ServiceRequest as R

    first, last = month_bounds(month)
    entries = db.session.execute(
        select(TimeEntry.minutes, R.id, R.reference, R.title, R.field)
        .join(R, R.id == TimeEntry.request_id)
        .where(
            R.organization_id == organization.id,
            TimeEntry.billable.is_(True),
            TimeEntry.date >= first,
            TimeEntry.date <= last,
        )
        .order_by(TimeEntry.date, TimeEntry.id)
    ).all()
    if not entries:
        return []
    fields = sorted({row.field for row in entries})
    # The year's agreements, and the usage from January 1 to the day before the month.
    bank = balances(organization.id, first.year, fields, until=first - timedelta(days=1))
    used_before = {f: bank[f].used for f in fields}
    lines: dict[tuple[str, int], dict] = {}
    for minutes, request_id, reference, title, slug in entries:
        agreement = bank[slug].agreement
        line = lines.setdefault((slug, request_id), {
            "field": slug,
            "request_id": request_id,
            "reference": reference,
            "title": title,
            "minutes": 0,
            "overage_minutes": 0,
            "hourly_rate_cents": agreement.hourly_rate_cents if agreement else 0,
            "overage_rate_cents": agreement.overage_rate_cents if agreement else 0,
            "covered": agreement is not None,
            "amount_cents": 0,
            "overage_cents": 0,
        })
        line["minutes"] += minutes
        if agreement is not None:
            _within, over = split_overage(used_before[slug], minutes, bank[slug].allotted)
            line["overage_minutes"] += over
        used_before[slug] += minutes
    for line in lines.values():
        within = line["minutes"] - line["overage_minutes"]
        line["overage_cents"] = amount_cents(line["overage_minutes"], line["overage_rate_cents"])
        line["amount_cents"] = amount_cents(within, line["hourly_rate_cents"]) + line["overage_cents"]
    return sorted(lines.values(), key=lambda line: (line["field"], line["reference"]))


def statement_for(organization, month: date) -> StatementData:
    """The closed statement of the month if there is one, else the live draft."""
    statement = closed_statement(organization.id, month)
    if statement is not None:
        return StatementData(organization, month, list(statement.lines or []), statement)
    return StatementData(organization, month, compute_lines(organization, month))


def close_statement(organization, month: date, user, today: date | None = None) -> Statement:
    """Snapshot the month's lines and totals; the statement and the month's time entries are
    then immutable. Raises ``StatementClosed`` when already closed, ``MonthNotOver`` before the
    month has ended. The caller commits."""
    from extranet.audit.service import record

    today = today or date.today()
    if month_bounds(month)[1] >= today:
        raise MonthNotOver(month)
    if closed_statement(organization.id, month) is not None:
        raise StatementClosed(month)
    data = StatementData(organization, month, compute_lines(organization, month))
    statement = db.session.scalar(
        select(Statement).where(Statement.organization_id == organization.id, Statement.month == month)
    ) or Statement(organization_id=organization.id, month=month)
    statement.lines = data.lines
    statement.total_minutes = data.total_minutes
    statement.total_cents = data.total_cents
    statement.overage_minutes = data.overage_minutes
    statement.overage_cents = data.overage_cents
    statement.closed_at = utcnow()
    statement.closed_by_id = user.id
    try:
        with db.session.begin_nested():
            db.session.add(statement)
    except IntegrityError as exc:  # closed meanwhile by someone else
        raise StatementClosed(month) from exc
    record(
        "statement.close", target=statement, organization=organization, month=month_key(month),
        total_minutes=statement.total_minutes, total_cents=statement.total_cents,
    )
    webhooks.statement_closed(statement)
    return statement


def closed_statements(organization_id: int, limit: int = 120) -> list[Statement]:
    return list(db.session.scalars(
        select(Statement)
        .where(Statement.organization_id == organization_id, Statement.closed_at.is_not(None))
        .order_by(Statement.month.desc())
        .limit(limit)
    ))
