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
    if not org.active or not org.share_with_federation or org.parent_id is None:
        return False
    # The user's memberships first: the federation itself is loaded only for one of its managers.
    membership = next((m for m in user.memberships if m.organization_id == org.parent_id and m.active), None)
    return membership is not None and membership.role == "manager" and org.parent.active


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
    votes = host().hook("extranet_authorize_transition")(user=user, service_request=req, transition=transition)
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


# -- field resource libraries ------------------------------------------------------------------


def _publish_resources(user, slug: str) -> bool:
    """Experts of the field and admins publish its resources (module on)."""
    return _field_enabled(slug) and (user.is_admin or slug in user.field_slugs)


def _view_resource(user, resource) -> bool:
    """Whoever may use the field reads its published resources; drafts are for its staff."""
    return _use_field(user, resource.field) and (resource.published or _publish_resources(user, resource.field))


# -- service hours and satisfaction ----------------------------------------------------------


def _log_time(user, req) -> bool:
    """Experts of the request's field (assigned or not) and admins, on a request they see,
    while its module is on."""
    return _field_enabled(req.field) and (user.is_admin or req.field in user.field_slugs) and _view_request(user, req)


def _edit_time(user, entry) -> bool:
    """One's own entries (an admin's: anyone's), on a request one may still log time on."""
    return (entry.expert_id == user.id or user.is_admin) and _log_time(user, entry.request)


def _org_sees_hours(user, org, slug: str) -> bool:
    """An organization's managers always see its hours; its members when the field's module
    setting ``members_see_hours`` says so."""
    from extranet.modules import members_see_hours

    membership = _membership(user, org)
    if membership is None:
        return False
    return membership.role == "manager" or members_see_hours(slug)


def _view_field_balance(user, target) -> bool:
    """``target`` is (organization, field slug)."""
    org, slug = target
    if org is None or not _field_enabled(slug):
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
    return _field_enabled(req.field) and _view_request(user, req) and _org_sees_hours(user, req.organization, req.field)


def _see_time_notes(user, req) -> bool:
    """Time notes are internal, unless the field's module setting shows them to members."""
    from extranet.modules import members_see_notes

    return _log_time(user, req) or (_view_time(user, req) and members_see_notes(req.field))


def _view_timesheet(user, expert) -> bool:
    return expert is not None and (user.is_admin or (user.id == expert.id and user.is_expert))


def _see_rating(user, req) -> bool:
    return req.state == "closed" and _view_request(user, req)


def _rate_request(user, req) -> bool:
    """The requester and named contacts rate a closed request, once."""
    from sqlalchemy import func, select

    from extranet.hours.models import Satisfaction

    if not _field_enabled(req.field) or req.state != "closed":
        return False
    if not request_roles(user, req) & {"requester", "contact"}:
        return False
    return not db.session.scalar(select(func.count(Satisfaction.id)).where(Satisfaction.request_id == req.id))


# -- document spaces ---------------------------------------------------------------------------

TRASH_DAYS = 30  # a deleted document may be restored for this many days, then it is purged


def _space_of(target):
    """(organization, field) of a space given as such, or of a folder or document."""
    if isinstance(target, tuple):
        return target
    return target.organization, target.field


def _document_staff(user, field: str) -> bool:
    return user.is_admin or (field in user.field_slugs and _field_enabled(field))


def _org_manager(user, org) -> bool:
    membership = _membership(user, org)
    return membership is not None and membership.role == "manager"


def _use_document_space(user, target) -> bool:
    """The space of (organization, field): members of the organization when it subscribes to
    the field (module on), the field's experts for any organization subscribing, admins."""
    org, field = _space_of(target)
    if org is None:
        return False
    if user.is_admin:
        return True
    if not org.active or not _field_enabled(field) or field not in org.subscribed_fields:
        return False
    return field in user.field_slugs or _membership(user, org) is not None


def _sees_document(user, doc) -> bool:
    """Visibility, trash aside: "org" for the space (and the request's own rule when attached
    to a request), "restricted" for a request's participants (without a request: the uploader,
    managers and staff), "internal" for the field's experts and admins."""
    if doc.organization_id is None or not _use_document_space(user, doc):
        return False
    if doc.visibility == "internal":
        return _document_staff(user, doc.field)
    if doc.request_id is not None:
        req = doc.request
        if not _view_request(user, req):
            return False
        if doc.visibility == "restricted":
            # As request.view on a restricted request.
            roles = request_roles(user, req)
            return bool(roles & {"admin", "requester", "contact", "assignee"}) or ("expert" in roles and not req.assignees)
        return True
    if doc.visibility == "restricted":
        return _document_staff(user, doc.field) or doc.created_by_id == user.id or _org_manager(user, doc.organization)
    return True


def _view_document(user, doc) -> bool:
    return doc.deleted_at is None and _sees_document(user, doc)


def _upload_document(user, target) -> bool:
    """Target: a space (organization, field), a request (its documents), or a document (a
    new version)."""
    from extranet.requests.models import ServiceRequest

    if isinstance(target, ServiceRequest):
        return _work_on_request(user, target) and _use_document_space(user, (target.organization, target.field))
    if isinstance(target, tuple):
        return _use_document_space(user, target) and (user.is_admin or _field_enabled(target[1]))
    return _manage_document(user, target)


def _manage_document(user, doc) -> bool:
    """Rename, move, change visibility, delete, new version: the uploader, the organization's
    managers, the field's experts and admins, on a document they see."""
    if not _view_document(user, doc):
        return False
    return _document_staff(user, doc.field) or doc.created_by_id == user.id or _org_manager(user, doc.organization)


def _in_trash_window(doc) -> bool:
    from datetime import timedelta

    from extranet.db_types import utcnow

    return doc.deleted_at is not None and doc.deleted_at > utcnow() - timedelta(days=TRASH_DAYS)


def _empty_trash(user, target) -> bool:
    """The trash of a space (target: the space or a deleted document): its managers and admins."""
    if not _use_document_space(user, target):
        return False
    org, _field = _space_of(target)
    if not (user.is_admin or _org_manager(user, org)):
        return False
    return isinstance(target, tuple) or (target.deleted_at is not None and _sees_document(user, target))


def _restore_document(user, target) -> bool:
    return _empty_trash(user, target) and (isinstance(target, tuple) or _in_trash_window(target))


def _manage_folders(user, target) -> bool:
    """Create, rename, move and delete folders: the organization's managers, the field's
    experts and admins."""
    org, field = _space_of(target)
    return _use_document_space(user, target) and (_document_staff(user, field) or _org_manager(user, org))


def _see_storage_usage(user, org) -> bool:
    return org is not None and (user.is_admin or _org_manager(user, org))


def visible_documents(user, org: Organization, field: str):
    """A select of the documents of the space (organization, field) that ``user`` sees, not in
    the trash and not attached to a request (those show with their request): the same rule as
    ``can(user, "document.view", doc)``, as a query for lists. The caller checked the space."""
    from sqlalchemy import and_, or_, select

    from extranet.documents.models import Document as D

    query = select(D).where(
        D.organization_id == org.id, D.field == field, D.deleted_at.is_(None), D.request_id.is_(None)
    )
    if _document_staff(user, field):
        return query
    if _org_manager(user, org):
        return query.where(D.visibility.in_(("org", "restricted")))
    return query.where(or_(D.visibility == "org", and_(D.visibility == "restricted", D.created_by_id == user.id)))


def _organization_report(user, org) -> bool:
    """Statements and the annual report of an organization: admins and its managers; with no
    organization (the cooperative's report), admins only."""
    return user.is_admin if org is None else _manage_members(user, org)


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
    "resource.view": _view_resource,
    "resource.publish": _publish_resources,
    "time.log": _log_time,
    "time.edit": _edit_time,
    "time.view": _view_time,
    "time.see_notes": _see_time_notes,
    "time.timesheet": _view_timesheet,
    "hours.manage": _is_admin,
    "hours.view_balance": _view_balance,
    "hours.view_field_balance": _view_field_balance,
    "request.rate": _rate_request,
    "request.see_rating": _see_rating,
    # The "Hours" menu: admins, experts (their timesheet), whoever sees the organization's hours.
    "hours.menu": lambda user, org=None: user.is_admin or _view_timesheet(user, user) or _view_balance(user, org),
    "documents.space": _use_document_space,
    "document.view": _view_document,
    "document.upload": _upload_document,
    "document.manage": _manage_document,
    "document.restore": _restore_document,
    "document.purge": _empty_trash,
    "folder.manage": _manage_folders,
    "documents.usage": _see_storage_usage,
    "documents.quotas": _is_admin,
    "documents.internal": lambda user, field: _document_staff(user, field),
    "reports.view": _is_admin,
    "statements.view": _organization_report,
    "statements.close": _is_admin,
    "annual.view": _organization_report,
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
    """Why a guard refuses a transition that the user's roles would allow now (shown greyed
    out with the reason, rather than silently missing); None otherwise."""
    if transition.guard is None or req.state not in transition.sources:
        return None
    if not _work_on_request(user, req) or not request_roles(user, req) & set(transition.roles):
        return None
    reason = transition.guard(req, user)
    return str(reason) if reason is not None else None


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


def openable_requests(user, request_ids) -> set[int]:
    """Which of ``request_ids`` ``user`` may open: ``request.view`` in one query, for the surfaces
    that name many requests at once (statements and their exports). Whoever cannot open a
    request is shown its reference and field only, never its title or content."""
    from extranet.requests.models import ServiceRequest as R

    ids = {i for i in request_ids if i is not None}
    if not ids or user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_admin:
        return ids
    return set(db.session.scalars(visible_requests(user).with_only_columns(R.id).where(R.id.in_(ids))))
