"""Who may log and see time, an organization's hour bank and statements, and rate a request."""

from __future__ import annotations

from sqlalchemy import func, select

from extranet.contributions import Rule
from extranet.extensions import db
from extranet.hours.models import Satisfaction
from extranet.modules import members_see_hours, members_see_notes
from extranet.organizations.rules import manages_members
from extranet.policy import field_enabled, is_admin, membership
from extranet.requests.rules import request_roles, view_request


def _log_time(user, req) -> bool:
    """Experts of the request's field (assigned or not) and admins, on a request they see,
    while its module is on."""
    return field_enabled(req.field) and (user.is_admin or req.field in user.field_slugs) and view_request(user, req)


def _edit_time(user, entry) -> bool:
    """One's own entries (an admin's: anyone's), on a request one may still log time on."""
    return (entry.expert_id == user.id or user.is_admin) and _log_time(user, entry.request)


def _org_sees_hours(user, org, slug: str) -> bool:
    """An organization's managers always see its hours; its members when the field's module
    setting ``members_see_hours`` says so."""
    found = membership(user, org)
    if found is None:
        return False
    return found.role == "manager" or members_see_hours(slug)


def _view_field_balance(user, target) -> bool:
    """``target`` is (organization, field slug)."""
    org, slug = target
    if org is None or not field_enabled(slug):
        return False
    return user.is_admin or _org_sees_hours(user, org, slug)


def _view_balance(user, org) -> bool:
    """The hour bank page and widget of an organization: admins, its managers, and its members
    when one of its fields lets members see hours."""
    if org is None:
        return False
    if user.is_admin:
        return True
    return any(_view_field_balance(user, (org, slug)) for slug in org.subscribed_fields)


def _view_time(user, req) -> bool:
    """The time logged on a request: those who may log it, and the organization's people who
    see its hours."""
    if _log_time(user, req):
        return True
    return field_enabled(req.field) and view_request(user, req) and _org_sees_hours(user, req.organization, req.field)


def _see_time_notes(user, req) -> bool:
    """Time notes are internal, unless the field's module setting shows them to members."""
    return _log_time(user, req) or (_view_time(user, req) and members_see_notes(req.field))


def _view_timesheet(user, expert) -> bool:
    return expert is not None and (user.is_admin or (user.id == expert.id and user.is_expert))


def _hours_menu(user, org=None) -> bool:
    """The "Hours" menu: admins, experts (their timesheet), whoever sees the organization's hours."""
    return user.is_admin or _view_timesheet(user, user) or _view_balance(user, org)


def _see_rating(user, req) -> bool:
    return req.state == "closed" and view_request(user, req)


def _time_panel(user, req) -> bool:
    """The request page's time and satisfaction panel: whoever sees either."""
    return _view_time(user, req) or _see_rating(user, req)


def _rate_request(user, req) -> bool:
    """The requester and named contacts rate a closed request, once."""
    if not field_enabled(req.field) or req.state != "closed":
        return False
    if not request_roles(user, req) & {"requester", "contact"}:
        return False
    return not db.session.scalar(select(func.count(Satisfaction.id)).where(Satisfaction.request_id == req.id))


def organization_report(user, org) -> bool:
    """Statements and the annual report of an organization: admins and its managers; with no
    organization (the cooperative's report), admins only."""
    return user.is_admin if org is None else manages_members(user, org)


RULES = (
    Rule("time.log", _log_time),
    Rule("time.edit", _edit_time),
    Rule("time.view", _view_time),
    Rule("time.see_notes", _see_time_notes),
    Rule("time.timesheet", _view_timesheet),
    Rule("hours.manage", is_admin),
    Rule("hours.view_balance", _view_balance),
    Rule("hours.view_field_balance", _view_field_balance),
    Rule("hours.menu", _hours_menu),
    Rule("request.rate", _rate_request),
    Rule("request.see_rating", _see_rating),
    Rule("time.panel", _time_panel),
    Rule("statements.view", organization_report),
    Rule("statements.close", is_admin),
)
