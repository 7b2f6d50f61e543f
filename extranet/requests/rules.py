"""Who may see a request, file one, work on it and move it through its workflow; the same rule as
queries for lists (``visible_requests``)."""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select

from extranet.contributions import Rule
from extranet.extensions import db
from extranet.organizations.models import Organization
from extranet.organizations.rules import federation_manager_of, manages_members
from extranet.plugins import host
from extranet.policy import current_organization, field_enabled, membership
from extranet.requests.models import Message, RequestParticipant, ServiceRequest
from extranet.requests.standard import workflow_of


def request_roles(user, req) -> set[str]:
    """The workflow roles ``user`` holds on ``req`` (see ``extranet.api.ROLES``)."""
    roles = set()
    if user.is_admin:
        roles.add("admin")
    if req.field in user.field_slugs:
        roles.add("expert")
    found = membership(user, req.organization)
    # The requester and named contacts act for the organization: only while they still belong
    # to it (or manage its sharing federation), so that someone who left keeps no access.
    belongs = found is not None or federation_manager_of(user, req.organization)
    if req.requester_id == user.id and belongs:
        roles.add("requester")
    roles.update(p.role for p in req.participants if p.user_id == user.id and (p.role == "assignee" or belongs))
    if found is not None:
        roles.add("member")
        if found.role == "manager":
            roles.add("manager")
    return roles


def view_request(user, req) -> bool:
    if user.is_admin:
        return True  # also when the module is off: admins keep a read-only view
    return not _paused(req) and _sees_with_module_on(user, req)


def _paused(req) -> bool:
    """Its module is off. A field no longer installed is not paused: its requests stay readable
    (read-only: nothing changes a request whose module is not on)."""
    return not field_enabled(req.field) and req.field in host().fields


def _know_paused_request(user, req) -> bool:
    """Who is told that a request's service is paused (its module off) rather than "not found":
    those who would see the request with the module on, and only they, so that the page
    confirms nothing to anyone else."""
    return not user.is_admin and _paused(req) and _sees_with_module_on(user, req)


def _sees_with_module_on(user, req) -> bool:
    roles = request_roles(user, req)
    if roles & {"requester", "contact", "assignee"}:
        return True
    if "expert" in roles:
        # A restricted request shows to the field's experts only until one is assigned.
        return not req.is_restricted or not req.assignees
    if req.is_restricted:
        return False
    return "member" in roles or federation_manager_of(user, req.organization)


def work_on_request(user, req) -> bool:
    """Anything that changes a request needs it visible, its module on, and not finished."""
    if not field_enabled(req.field):
        return False
    state = workflow_of(req).state(req.state)
    return view_request(user, req) and not (state and state.terminal)


def staff_on_request(user, req) -> bool:
    return bool(request_roles(user, req) & {"admin", "expert", "assignee"})


def _transition(user, target) -> bool:
    req, transition = target
    if not field_enabled(req.field) or req.state not in transition.sources:
        return False
    if not view_request(user, req) or not request_roles(user, req) & set(transition.roles):
        return False
    if transition.guard is not None and transition.guard(req, user) is not None:
        return False
    votes = host().hook("extranet_authorize_transition")(user=user, service_request=req, transition=transition)
    return False not in votes


def _create_request(user, target) -> bool:
    """``target`` is (organization, field slug): a member of the organization, or the manager
    of its federation when it shares with the federation, in a field it subscribes to."""
    org, slug = target
    if org is None or not org.active or not field_enabled(slug) or slug not in org.subscribed_fields:
        return False
    return membership(user, org) is not None or federation_manager_of(user, org)


def _take_request(user, req) -> bool:
    return (
        req.field in user.field_slugs
        and work_on_request(user, req)
        and user.id not in {u.id for u in req.assignees}
    )


def _assign_request(user, req) -> bool:
    return bool(request_roles(user, req) & {"admin", "expert"}) and work_on_request(user, req)


def _name_contacts(user, req) -> bool:
    return bool(request_roles(user, req) & {"requester", "manager", "admin"}) and work_on_request(user, req)


def _see_message(user, message) -> bool:
    return view_request(user, message.request) and (
        not message.internal or staff_on_request(user, message.request)
    )


def _write_internal_note(user, req) -> bool:
    return staff_on_request(user, req) and work_on_request(user, req)


def _correct_request(user, req) -> bool:
    """Priority, due date and tags: the request's staff, while it can still change."""
    return staff_on_request(user, req) and work_on_request(user, req)


def _manage_reply_templates(user, field) -> bool:
    """Admins write every field's reply templates (``field`` None: the page listing them)."""
    return user.is_admin and (field is None or field in host().fields)


def _own_view(user, view) -> bool:
    """A saved list view is its owner's alone."""
    return view is not None and view.user_id == user.id


def _file_on_behalf(user, field) -> bool:
    """Staff file a request for a member who phoned, in a field they serve (admins: any)."""
    return field_enabled(field) and (user.is_admin or field in user.field_slugs)


def _act_on_many(user, _target) -> bool:
    """The list's bulk actions: staff only; each request is then judged by its own rule."""
    return user.is_staff


RULES = (
    Rule("request.view", view_request),
    Rule("request.know_paused", _know_paused_request),
    Rule("request.create", _create_request),
    Rule("request.transition", _transition),
    Rule("request.message", work_on_request),
    Rule("request.internal_note", _write_internal_note),
    Rule("request.see_internal", staff_on_request),
    Rule("request.take", _take_request),
    Rule("request.assign", _assign_request),
    Rule("request.contacts", _name_contacts),
    Rule("message.view", _see_message),
    Rule("request.schedule", _correct_request),
    Rule("request.tag", _correct_request),
    Rule("request.see_tags", staff_on_request),
    Rule("request.bulk", _act_on_many),
    Rule("request.insert_reply", _correct_request),
    Rule("request.merge", _correct_request),
    Rule("reply_template.manage", _manage_reply_templates),
    Rule("saved_view.delete", _own_view),
    Rule("request.file_on_behalf", _file_on_behalf),
    Rule("request.move", _correct_request),
)


def transition_refusal(user, req, transition) -> str | None:
    """Why a guard refuses a transition that the user's roles would allow now (shown greyed
    out with the reason, rather than silently missing); None otherwise."""
    if transition.guard is None or req.state not in transition.sources:
        return None
    if not work_on_request(user, req) or not request_roles(user, req) & set(transition.roles):
        return None
    reason = transition.guard(req, user)
    return str(reason) if reason is not None else None


def request_scope(user) -> Organization | None:
    """Which organization a request list is limited to: the current one for members,
    none for staff, whose lists span the organizations they serve."""
    return None if user.is_staff else current_organization()


def _belongs_to(user) -> list[int]:
    """The organizations whose requests ``user`` acts for as requester or contact: those one is
    a member of, and those sharing with a federation one manages (as in ``request_roles``)."""
    member_of = [m.organization_id for m in user.memberships if m.active and m.organization.active]
    return member_of + _shared_with(user)


def _shared_with(user) -> list[int]:
    return [
        c.id
        for m in user.memberships
        if m.active and m.role == "manager" and m.organization.active
        for c in m.organization.children
        if c.active and c.share_with_federation
    ]


def request_people(user):
    """A condition on ``ServiceRequest``: ``user`` is one of the people a restricted request
    shows to (assigned, requester or named contact within the organizations one belongs to, an
    expert of its field until one is assigned)."""
    R, P = ServiceRequest, RequestParticipant  # short names keep the conditions readable
    belongs = R.organization_id.in_(_belongs_to(user) or [-1])
    assigned = exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "assignee")
    contact = exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "contact")
    allowed = [assigned, and_(belongs, or_(R.requester_id == user.id, contact))]
    if user.field_slugs:
        allowed.append(and_(R.field.in_(user.field_slugs), nobody_assigned()))
    return or_(*allowed)


def nobody_assigned():
    """A condition on ``ServiceRequest``: no expert is assigned to it. Written as one row looked
    up in ``request_participants(request_id)`` for the request at hand, not as ``NOT EXISTS``:
    inside an ``OR`` PostgreSQL runs a ``NOT EXISTS`` as a hashed subplan, reading every
    assignee of every request (150,000 rows at ×10, ≈ 100 ms) before a list's first row; a
    scalar subquery cannot be hashed, so it costs one index probe per row that reaches it."""
    P = RequestParticipant
    first = select(P.id).where(P.request_id == ServiceRequest.id, P.role == "assignee").limit(1)
    return first.scalar_subquery().is_(None)


def request_organizations(user, org: Organization) -> list[int]:
    """The organizations whose requests a list within ``org`` shows: ``org``'s, and its members'
    that share with it when ``user`` manages that federation."""
    org_ids = [org.id]
    if org.is_federation and manages_members(user, org):
        org_ids += [c.id for c in org.children if c.active and c.share_with_federation]
    return org_ids


def visible_requests(user, org: Organization | None = None):
    """A select of the requests ``user`` may see (within ``org`` when given): the same rule as
    ``can(user, "request.view", request)``, as a query for lists, search and exports. A case
    added here outside one's fields and assignments is added to ``reach_outside_fields`` too."""
    R = ServiceRequest
    query = select(R)
    if org is not None:
        query = query.where(R.organization_id.in_(request_organizations(user, org)))
    if user.is_admin:
        return query
    # A field no longer installed stays readable; one whose module is off does not.
    off = [slug for slug, on in host().module_states().items() if not on]
    query = query.where(R.field.not_in(off)) if off else query
    member_of = [m.organization_id for m in user.memberships if m.active and m.organization.active]
    shared = _shared_with(user)
    standard = R.confidentiality == "standard"
    # The columns' tests first and the look-ups in request_participants last: both databases
    # test an OR's terms in the order written and stop at the first true one, so a standard
    # request of one's fields or organizations is shown without looking up its people.
    allowed = []
    if user.field_slugs:
        allowed.append(and_(R.field.in_(user.field_slugs), standard))
    allowed.append(and_(standard, R.organization_id.in_(member_of or [-1])))
    allowed.append(and_(standard, R.organization_id.in_(shared)) if shared else false())
    allowed.append(request_people(user))
    return query.where(or_(*allowed))


def reach_outside_fields(user) -> list[int]:
    """The organizations beyond whose requests ``visible_requests`` lets ``user`` see nothing
    outside one's fields but those one is assigned to: the ones one belongs to. A search
    narrows an expert's matches to their fields, these organizations and their assignments
    inside the index, then reads the rules."""
    return _belongs_to(user)


def visible_messages(user, org: Organization | None = None):
    """A select of the messages ``user`` may read: those of the requests one sees, internal
    notes only for the request's staff (``message.view`` as a query, for search)."""
    R, M, P = ServiceRequest, Message, RequestParticipant
    query = visible_requests(user, org).join(M, M.request_id == R.id).with_only_columns(M)
    if user.is_admin:
        return query
    staff = [exists().where(P.request_id == R.id, P.user_id == user.id, P.role == "assignee")]
    if user.field_slugs:
        staff.append(R.field.in_(user.field_slugs))
    return query.where(or_(M.internal.is_(False), *staff))


def openable_requests(user, request_ids) -> set[int]:
    """Which of ``request_ids`` ``user`` may open: ``request.view`` in one query, for the surfaces
    that name many requests at once (statements and their exports). Whoever cannot open a
    request is shown its reference and field only, never its title or content."""
    ids = {i for i in request_ids if i is not None}
    if not ids or user is None or not user.is_authenticated or not user.is_active:
        return set()
    if user.is_admin:
        return ids
    R = ServiceRequest
    return set(db.session.scalars(visible_requests(user).with_only_columns(R.id).where(R.id.in_(ids))))
