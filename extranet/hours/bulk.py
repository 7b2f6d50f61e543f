"""What an admin does to every organization at once: copy a year's hour agreements to the next
year, and close a month's statements.

Each has a plan (what it would do, shown for the admin to confirm) and the action, which goes
through the same plan in the caller's transaction: the page commits once, so a failure midway
rolls everything back. Both are idempotent and safe against a second admin doing the same at
the same moment: the unique keys (organization, field, year) and (organization, month) decide,
and whatever was created or closed meanwhile is reported as skipped, never done twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from extranet.audit.models import AuditEvent
from extranet.audit.service import record
from extranet.extensions import db
from extranet.hours import statements as st
from extranet.hours.models import Agreement, Statement, TimeEntry
from extranet.organizations.models import Organization, Subscription
from extranet.plugins import host
from extranet.requests.models import ServiceRequest


@dataclass
class AgreementCopy:
    """One agreement of the year and what becomes of it: ``existed`` when the organization
    already has one for that field the next year (left as it is)."""

    source: Agreement
    existed: bool
    created: bool = False


def plan_agreement_copy(year: int) -> list[AgreementCopy]:
    """The agreements of ``year`` of active organizations, in registered fields, each marked
    with whether the next year already has its own."""
    sources = db.session.scalars(
        select(Agreement).join(Agreement.organization)
        .where(Agreement.year == year, Organization.active.is_(True), Agreement.field.in_(list(host().fields)))
        .order_by(Organization.name, Agreement.field)
    ).all()
    taken = set(db.session.execute(
        select(Agreement.organization_id, Agreement.field).where(Agreement.year == year + 1)).all())
    return [AgreementCopy(a, (a.organization_id, a.field) in taken) for a in sources]


def _begin(action: str, **details):
    """The action's own audit record, written before anything else: on SQLite that write opens
    the transaction (a first savepoint would open one of its own, which its release commits
    alone) and takes the write lock, so a second admin's run waits for the whole of the first
    and then sees what it did."""
    event = record(action, **details)
    db.session.flush()
    return event


def copy_agreements(year: int) -> tuple[list[AgreementCopy], int]:
    """Give each organization next year the agreements it has this year (same allotment, rates
    and carry-over), except where it already has one; returns the plan and the id of the run's
    audit event, which ``agreement_copy_outcome`` reads back. The caller commits."""
    event = _begin("hours.agreements_copied", from_year=year, year=year + 1)
    plan = plan_agreement_copy(year)
    for item in plan:
        if item.existed:
            continue
        a = item.source
        copy = Agreement(organization_id=a.organization_id, field=a.field, year=year + 1,
                         minutes_allotted=a.minutes_allotted, hourly_rate_cents=a.hourly_rate_cents,
                         overage_rate_cents=a.overage_rate_cents, carry_over=a.carry_over)
        try:
            with db.session.begin_nested():
                db.session.add(copy)
                db.session.flush()
        except IntegrityError:  # another admin's copy (or a manual one) got there first
            item.existed = True
            continue
        item.created = True
        record("hours.agreement_copied", target=copy, organization=a.organization, field=a.field,
               year=year + 1, from_year=year, minutes=copy.minutes_allotted,
               hourly_rate_cents=copy.hourly_rate_cents, overage_rate_cents=copy.overage_rate_cents,
               carry_over=copy.carry_over)
    created = sum(item.created for item in plan)
    event.details = {**event.details, "created": created, "skipped": len(plan) - created,
                     "copied": [item.source.id for item in plan if item.created]}
    return plan, event.id


def _done_by(run_id: int, action: str, key: str, **details) -> set[int] | None:
    """The ids the run ``run_id`` of ``action`` (with these details) recorded under ``key`` in
    its audit event: what it did; None when there is no such run."""
    event = db.session.get(AuditEvent, run_id)
    if event is None or event.action != action or any((event.details or {}).get(k) != v for k, v in details.items()):
        return None
    return set(event.details.get(key, ()))


def agreement_copy_outcome(run_id: int, year: int) -> list[AgreementCopy] | None:
    """What the run ``run_id`` of the copy of ``year`` did, agreement by agreement, for the page
    the admin is sent to after it (None: no such run): the agreements it copied, the others
    skipped because they existed (meanwhile, they all exist)."""
    copied = _done_by(run_id, "hours.agreements_copied", "copied", from_year=year)
    if copied is None:
        return None
    plan = plan_agreement_copy(year)
    for item in plan:
        item.created = item.source.id in copied
        item.existed = not item.created
    return plan


@dataclass
class MonthClose:
    """One organization's statement of the month: ``was_closed`` when it was already."""

    organization: Organization
    was_closed: bool
    closed: bool = False


def plan_month_close(month: date) -> list[MonthClose]:
    """The active organizations with a statement to speak of that month (an active
    subscription, or time logged on their requests), each marked with whether it is closed."""
    start, end = st.month_bounds(month)
    logged = exists().where(
        TimeEntry.request_id == ServiceRequest.id, ServiceRequest.organization_id == Organization.id,
        TimeEntry.date >= start, TimeEntry.date <= end)
    subscribed = exists().where(Subscription.organization_id == Organization.id, Subscription.active.is_(True))
    organizations = db.session.scalars(
        select(Organization).where(Organization.active.is_(True), or_(subscribed, logged)).order_by(Organization.name)
    ).all()
    closed = set(db.session.scalars(
        select(Statement.organization_id).where(Statement.month == month, Statement.closed_at.is_not(None))))
    return [MonthClose(org, org.id in closed) for org in organizations]


def close_month(month: date, user, today: date | None = None) -> tuple[list[MonthClose], int]:
    """Close the month's statement of every organization of the plan that is still open; returns
    the plan and the id of the run's audit event, which ``month_close_outcome`` reads back.
    Raises ``MonthNotOver`` (nothing done); the caller commits, or rolls back on any error."""
    if st.month_bounds(month)[1] >= (today or date.today()):
        raise st.MonthNotOver(month)
    event = _begin("statement.month_closed", month=st.month_key(month))
    plan = plan_month_close(month)
    for item in plan:
        if item.was_closed:
            continue
        try:
            st.close_statement(item.organization, month, user, today=today)
        except st.StatementClosed:  # closed meanwhile by another admin
            item.was_closed = True
            continue
        item.closed = True
    closed = sum(item.closed for item in plan)
    event.details = {**event.details, "closed": closed, "skipped": len(plan) - closed,
                     "organizations": [item.organization.id for item in plan if item.closed]}
    return plan, event.id


def month_close_outcome(run_id: int, month: date) -> list[MonthClose] | None:
    """What the run ``run_id`` of the close of ``month`` did, organization by organization (None:
    no such run): the statements it closed, the others skipped as closed already."""
    closed = _done_by(run_id, "statement.month_closed", "organizations", month=st.month_key(month))
    if closed is None:
        return None
    plan = plan_month_close(month)
    for item in plan:
        item.closed = item.organization.id in closed
        item.was_closed = not item.closed
    return plan
