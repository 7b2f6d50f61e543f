"""Service hours' use cases: time logged, corrected and deleted, a request rated, agreements
and a field's hour settings saved. Each builds its rows and writes its audit record, and refuses
what only it can check (a closed month, a taken agreement) with its own error; the page
validates the form before and commits after."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extranet.audit.service import record
from extranet.extensions import db
from extranet.hours.alerts import check_thresholds
from extranet.hours.models import Agreement, Satisfaction, Statement, TimeEntry
from extranet.hours.units import month_start
from extranet.modules import MEMBERS_SEE_HOURS, MEMBERS_SEE_NOTES, set_module_setting
from extranet.organizations.models import Organization
from extranet.webhooks import events as webhooks


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
    webhooks.time_logged(entry)
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
