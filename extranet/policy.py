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


def _manage_other_user(user, target) -> bool:
    # Nobody locks themselves out: another admin must change an admin's roles or deactivate them.
    return user.is_admin and target is not None and target.id != user.id


def _resend_invitation(user, target) -> bool:
    return user.is_admin and target is not None and target.active and target.invitation_pending


# -- requests ---------------------------------------------------------------------------------


def request_roles(user, req) -> set[str]:
    """The workflow roles ``user`` holds on ``req`` (see ``extranet.api.ROLES``)."""
    roles = set()
    if user.is_admin:
        roles.add("admin")
    if req.field in user.field_slugs:
        roles.add("expert")
    membership = _membership(user, req.organization)
    # The requester and named contacts act for the organization: only while they still belong
    # to it (or manage its sharing federation), so that someone who left keeps no access.
    belongs = membership is not None or _federation_manager_of(user, req.organization)
    if req.requester_id == user.id and belongs:
        roles.add("requester")
    roles.update(p.role for p in req.participants if p.user_id == user.id and (p.role == "assignee" or belongs))
    if membership is not None:
        roles.add("member")
        if membership.role == "manager":
            roles.add("manager")
    return roles


def _field_enabled(slug: str) -> bool:
    from extranet.plugins import host

    return host().is_enabled(slug)


def _federation_manager_of(user, org: Organization) -> bool:
    if not org.active or not org.share_with_federation or org.parent is None:
        return False
    membership = _membership(user, org.parent)
    return membership is not None and membership.role == "manager"


def _view_request(user, req) -> bool:
    if user.is_admin:
        return True  # also when the module is off: admins keep a read-only view
    if not _field_enabled(req.field):
        return False
    roles = request_roles(user, req)
    if roles & {"requester", "contact", "assignee"}:
        return True
    if "expert" in roles:
        # A restricted request shows to the field's experts only until one is assigned.
        return not req.is_restricted or not req.assignees
    if req.is_restricted:
        return False
    return "member" in roles or _federation_manager_of(user, req.organization)


def _work_on_request(user, req) -> bool:
    """Anything that changes a request needs it visible, its module on, and not finished."""
    from extranet.plugins import host

    workflow = host().workflows[host().request_types[(req.field, req.type)].workflow]
    state = workflow.state(req.state)
    return _field_enabled(req.field) and _view_request(user, req) and not (state and state.terminal)


def _staff_on_request(user, req) -> bool:
    return bool(request_roles(user, req) & {"admin", "expert", "assignee"})


def _transition(user, target) -> bool:
    from extranet.plugins import host

    req, transition = target
    if not _field_enabled(req.field) or req.state not in transition.sources:
        return False
    if not _view_request(user, req) or not request_roles(user, req) & set(transition.roles):
        return False
    if transition.guard is not None and transition.guard(req, user) is not None:
        return False
    votes = host().hook("extranet_authorize_transition")(user=user, request=req, transition=transition)
    return False not in votes


def _create_request(user, target) -> bool:
    """``target`` is (organization, field slug): a member of the organization, or the manager
    of its federation when it shares with the federation, in a field it subscribes to."""
    org, slug = target
    if org is None or not org.active or not _field_enabled(slug) or slug not in org.subscribed_fields:
        return False
    return _membership(user, org) is not None or _federation_manager_of(user, org)


def _take_request(user, req) -> bool:
    return (
        req.field in user.field_slugs
        and _work_on_request(user, req)
        and user.id not in {u.id for u in req.assignees}
    )


def _assign_request(user, req) -> bool:
    return bool(request_roles(user, req) & {"admin", "expert"}) and _work_on_request(user, req)


def _name_contacts(user, req) -> bool:
    return bool(request_roles(user, req) & {"requester", "manager", "admin"}) and _work_on_request(user, req)


def _see_message(user, message) -> bool:
    return _view_request(user, message.request) and (
        not message.internal or _staff_on_request(user, message.request)
    )


def _write_internal_note(user, req) -> bool:
    return _staff_on_request(user, req) and _work_on_request(user, req)


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
    "user.change_flags": _manage_other_user,
    "user.deactivate": _manage_other_user,
    "user.resend_invitation": _resend_invitation,
    "request.view": _view_request,
    "request.create": _create_request,
    "request.transition": _transition,
    "request.message": _work_on_request,
    "request.internal_note": _write_internal_note,
    "request.see_internal": _staff_on_request,
    "request.take": _take_request,
    "request.assign": _assign_request,
    "request.contacts": _name_contacts,
    "message.view": _see_message,
    # Dashboard widgets: the member's need a current organization (the target) they belong to.
    "dashboard.member": lambda user, org: _membership(user, org) is not None,
    "dashboard.expert": lambda user, target=None: user.is_expert and bool(user.field_slugs),
    "dashboard.admin": _is_admin,
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


def transition_refusal(user, req, transition) -> str | None:
    """Why a guard refuses a transition that the user's roles allow (shown next to it)."""
    return transition.guard(req, user) if transition.guard is not None else None


def request_scope(user) -> Organization | None:
    """Which organization a request list is limited to: the current one for members,
    none for staff, whose lists span the organizations they serve."""
    return None if user.is_staff else current_organization()


def visible_requests(user, org: Organization | None = None):
    """A select of the requests ``user`` may see (within ``org`` when given): the same rule as
    ``can(user, "request.view", request)``, as a query for lists, search and exports."""
    from sqlalchemy import and_, exists, false, or_, select

    from extranet.plugins import host
    from extranet.requests.models import RequestParticipant as P
    from extranet.requests.models import ServiceRequest as R

    query = select(R)
    org_ids = []
    if org is not None:
        org_ids = [org.id]
        if org.is_federation and _manage_members(user, org):
            org_ids += [c.id for c in org.children if c.active and c.share_with_federation]
        query = query.where(R.organization_id.in_(org_ids))
    if user.is_admin:
        return query
    query = query.where(R.field.in_([f.slug for f in host().enabled_fields()]))
    member_of = [m.organization_id for m in user.memberships if m.active and m.organization.active]
    shared = [
        c.id
        for m in user.memberships
        if m.active and m.role == "manager" and m.organization.active
        for c in m.organization.children
        if c.active and c.share_with_federation
    ]
    # As in request_roles: requester and contacts only within the organizations one belongs to.
    belongs = R.organization_id.in_((member_of + shared) or [-1])
    assigned = exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "assignee")
    contact = exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "contact")
    anyone_assigned = exists().where(P.request_id == R.id, P.role == "assignee")
    allowed = [assigned, and_(belongs, or_(R.requester_id == user.id, contact))]
    if user.field_slugs:
        allowed.append(and_(R.field.in_(user.field_slugs), or_(R.confidentiality == "standard", ~anyone_assigned)))
    allowed.append(and_(R.confidentiality == "standard", R.organization_id.in_(member_of or [-1])))
    allowed.append(and_(R.confidentiality == "standard", R.organization_id.in_(shared)) if shared else false())
    return query.where(or_(*allowed))
