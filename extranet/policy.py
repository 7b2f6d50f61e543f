"""Every permission decision, in one place.

Views and templates ask ``can(user, action, target)``; they never test roles themselves. A
refusal is answered with 404 by ``require``, so that an object one may not see is
indistinguishable from one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, g, session
from flask_login import current_user

from extranet.extensions import db
from extranet.organizations.models import Membership, Organization

ORG_SESSION_KEY = "org_id"


def _is_admin(user, target=None) -> bool:
    return user.is_admin


def _membership(user, org: Organization | None) -> Membership | None:
    if org is None or not org.active:
        return None
    for membership in user.memberships:
        if membership.organization_id == org.id and membership.active:
            return membership
    return None


def _view_organization(user, org) -> bool:
    return user.is_admin or _membership(user, org) is not None


def _manage_members(user, org) -> bool:
    if user.is_admin:
        return True
    membership = _membership(user, org)
    return membership is not None and membership.role == "manager"


def _change_membership(user, membership: Membership) -> bool:
    # Nobody locks themselves out of an organization: another manager or an admin must do it.
    return membership.user_id != user.id and _manage_members(user, membership.organization)


def _use_field(user, slug: str) -> bool:
    from extranet.plugins import host

    if not host().is_enabled(slug):
        return False
    if user.is_admin or slug in user.field_slugs:
        return True
    org = current_organization()
    return org is not None and slug in org.subscribed_fields


RULES: dict[str, Callable[..., bool]] = {
    "admin.access": _is_admin,
    "organizations.manage": _is_admin,
    "users.manage": _is_admin,
    "modules.manage": _is_admin,
    "audit.view": _is_admin,
    "organization.view": _view_organization,
    "organization.manage_members": _manage_members,
    "membership.change": _change_membership,
    "field.use": _use_field,
}


def can(user, action: str, target=None) -> bool:
    """Whether ``user`` may do ``action`` (on ``target``). Unknown actions are refused."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"unknown action {action!r}")
    return bool(rule(user, target))


def require(action: str, target=None) -> None:
    """Abort with 404 unless the current user may do ``action``."""
    if not can(current_user, action, target):
        abort(404)


def switchable_organizations(user) -> list[Organization]:
    """The organizations a user works for, in the header switcher."""
    if not user.is_authenticated:
        return []
    orgs = [m.organization for m in user.memberships if m.active and m.organization.active]
    return sorted(orgs, key=lambda o: o.name.casefold())


def current_organization() -> Organization | None:
    """The organization chosen in the header, kept in the session; None for staff without one.

    Every organization-scoped query is filtered by it, so it is re-validated on each request:
    a membership ended elsewhere takes effect at once."""
    if "current_org" in g:
        return g.current_org
    org = None
    if current_user.is_authenticated:
        choices = switchable_organizations(current_user)
        wanted = session.get(ORG_SESSION_KEY)
        org = next((o for o in choices if o.id == wanted), choices[0] if choices else None)
    g.current_org = org
    return org


def choose_organization(org_id: int) -> Organization | None:
    org = db.session.get(Organization, org_id)
    if org is None or org not in switchable_organizations(current_user):
        return None
    session[ORG_SESSION_KEY] = org.id
    g.pop("current_org", None)
    return org
