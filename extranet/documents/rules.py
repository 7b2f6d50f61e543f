"""Who may use a document space (an organization's, in a field), see, upload and manage its
documents, folders and trash; the same rule as a query for lists (``visible_documents``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, or_, select

from extranet.contributions import Rule
from extranet.db_types import utcnow
from extranet.documents.models import Document
from extranet.organizations.models import Organization, Subscription
from extranet.plugins import host
from extranet.policy import field_enabled, is_admin, is_manager, membership
from extranet.requests.models import ServiceRequest
from extranet.requests.rules import (
    request_people,
    request_roles,
    view_request,
    visible_requests,
    work_on_request,
)

TRASH_DAYS = 30  # a deleted document may be restored for this many days, then it is purged


def _space_of(target):
    """(organization, field) of a space given as such, or of a folder or document."""
    if isinstance(target, tuple):
        return target
    return target.organization, target.field


def document_staff(user, field: str) -> bool:
    return user.is_admin or (field in user.field_slugs and field_enabled(field))


def _use_document_space(user, target) -> bool:
    """The space of (organization, field): members of the organization when it subscribes to
    the field (module on), the field's experts for any organization subscribing, admins."""
    org, field = _space_of(target)
    if org is None:
        return False
    if user.is_admin:
        return True
    if not org.active or not field_enabled(field) or field not in org.subscribed_fields:
        return False
    return field in user.field_slugs or membership(user, org) is not None


def _sees_document(user, doc) -> bool:
    """Visibility, trash aside: "org" for the space (and the request's own rule when attached
    to a request), "restricted" for a request's participants (without a request: the uploader,
    managers and staff), "internal" for the field's experts and admins."""
    if doc.organization_id is None or not _use_document_space(user, doc):
        return False
    if doc.visibility == "internal":
        return document_staff(user, doc.field)
    if doc.request_id is not None:
        req = doc.request
        if not view_request(user, req):
            return False
        if doc.visibility == "restricted":
            # As request.view on a restricted request.
            roles = request_roles(user, req)
            return bool(roles & {"admin", "requester", "contact", "assignee"}) or ("expert" in roles and not req.assignees)
        return True
    if doc.visibility == "restricted":
        return document_staff(user, doc.field) or doc.created_by_id == user.id or is_manager(user, doc.organization)
    return True


def _view_document(user, doc) -> bool:
    return doc.deleted_at is None and _sees_document(user, doc)


def _upload_document(user, target) -> bool:
    """Target: a space (organization, field), a request (its documents), or a document (a
    new version)."""
    if isinstance(target, ServiceRequest):
        return work_on_request(user, target) and _use_document_space(user, (target.organization, target.field))
    if isinstance(target, tuple):
        return _use_document_space(user, target) and (user.is_admin or field_enabled(target[1]))
    return _manage_document(user, target)


def _manage_document(user, doc) -> bool:
    """Rename, move, change visibility, delete, new version: the uploader, the organization's
    managers, the field's experts and admins, on a document they see."""
    if not _view_document(user, doc):
        return False
    return document_staff(user, doc.field) or doc.created_by_id == user.id or is_manager(user, doc.organization)


def _in_trash_window(doc) -> bool:
    return doc.deleted_at is not None and doc.deleted_at > utcnow() - timedelta(days=TRASH_DAYS)


def _empty_trash(user, target) -> bool:
    """The trash of a space (target: the space or a deleted document): its managers and admins."""
    if not _use_document_space(user, target):
        return False
    org, _field = _space_of(target)
    if not (user.is_admin or is_manager(user, org)):
        return False
    return isinstance(target, tuple) or (target.deleted_at is not None and _sees_document(user, target))


def _restore_document(user, target) -> bool:
    return _empty_trash(user, target) and (isinstance(target, tuple) or _in_trash_window(target))


def _manage_folders(user, target) -> bool:
    """Create, rename, move and delete folders: the organization's managers, the field's
    experts and admins."""
    org, field = _space_of(target)
    return _use_document_space(user, target) and (document_staff(user, field) or is_manager(user, org))


def _see_storage_usage(user, org) -> bool:
    return org is not None and (user.is_admin or is_manager(user, org))


RULES = (
    Rule("documents.space", _use_document_space),
    Rule("document.view", _view_document),
    Rule("document.upload", _upload_document),
    Rule("document.manage", _manage_document),
    Rule("document.restore", _restore_document),
    Rule("document.purge", _empty_trash),
    Rule("folder.manage", _manage_folders),
    Rule("documents.usage", _see_storage_usage),
    Rule("documents.quotas", is_admin),
    Rule("documents.internal", document_staff),
)


def visible_documents(user, org: Organization, field: str):
    """A select of the documents of the space (organization, field) that ``user`` sees, not in
    the trash and not attached to a request (those show with their request): the same rule as
    ``can(user, "document.view", doc)``, as a query for lists. The caller checked the space."""
    D = Document  # a short name keeps the conditions readable
    query = select(D).where(
        D.organization_id == org.id, D.field == field, D.deleted_at.is_(None), D.request_id.is_(None)
    )
    if document_staff(user, field):
        return query
    if is_manager(user, org):
        return query.where(D.visibility.in_(("org", "restricted")))
    return query.where(or_(D.visibility == "org", and_(D.visibility == "restricted", D.created_by_id == user.id)))


def findable_documents(user, org: Organization | None = None):
    """A select of the documents, of every space ``user`` may use (within ``org`` when given)
    and of the requests one sees, that ``user`` may open, trash excluded: the same rule as
    ``can(user, "document.view", doc)``, as a query for search. A resource's file (no
    organization) is found through its resource."""
    D, R = Document, ServiceRequest  # short names keep the conditions readable
    query = select(D).where(D.deleted_at.is_(None), D.organization_id.is_not(None))
    if org is not None:
        query = query.where(D.organization_id == org.id)
    if user.is_admin:
        return query
    enabled = [f.slug for f in host().enabled_fields()]
    staff_fields = sorted(user.field_slugs & set(enabled))
    member_of = [m.organization_id for m in user.memberships if m.active and m.organization.active]
    managed = [m.organization_id for m in user.memberships if m.active and m.role == "manager" and m.organization.active]
    # The space: an active organization subscribing to the field (module on), for its members
    # and the field's experts.
    query = query.join(Organization, Organization.id == D.organization_id).where(
        Organization.active.is_(True),
        D.field.in_(enabled or [""]),
        exists().where(Subscription.organization_id == D.organization_id, Subscription.field == D.field,
                       Subscription.active.is_(True)),
        or_(D.field.in_(staff_fields), D.organization_id.in_(member_of or [-1])),
    )
    staff = D.field.in_(staff_fields)
    # The document's own request, looked up by its id (correlated): ``request_id IN (the
    # requests one sees)`` made SQLite list every visible request, each through the rules'
    # subqueries (all 200,000 at ×10), as soon as one match was a request's document.
    seen_requests = exists(visible_requests(user).with_only_columns(R.id).where(R.id == D.request_id))
    with_people = exists(select(R.id).where(R.id == D.request_id, request_people(user)))
    in_space = or_(
        D.visibility == "org",
        and_(D.visibility == "restricted",
             or_(staff, D.created_by_id == user.id, D.organization_id.in_(managed or [-1]))),
    )
    of_request = and_(
        seen_requests,
        or_(D.visibility == "org", and_(D.visibility == "restricted", with_people)),
    )
    return query.where(or_(
        and_(D.visibility == "internal", staff),
        and_(D.visibility != "internal", D.request_id.is_(None), in_space),
        and_(D.visibility != "internal", D.request_id.is_not(None), of_request),
    ))
