"""Who may see an organization, manage its people, and use a field it subscribes to."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.organizations.models import Membership, Organization
from extranet.policy import current_organization, field_enabled, is_admin, membership


def manages_members(user, org) -> bool:
    """Admins, and the organization's managers."""
    if user.is_admin:
        return True
    found = membership(user, org)
    return found is not None and found.role == "manager"


def federation_manager_of(user, org: Organization) -> bool:
    """Whether ``user`` manages the federation that ``org`` shares its requests with."""
    if not org.active or not org.share_with_federation or org.parent_id is None:
        return False
    # The user's memberships first: the federation itself is loaded only for one of its managers.
    found = next((m for m in user.memberships if m.organization_id == org.parent_id and m.active), None)
    return found is not None and found.role == "manager" and org.parent.active


def _view_organization(user, org) -> bool:
    return user.is_admin or membership(user, org) is not None


def _change_membership(user, target: Membership) -> bool:
    # Nobody locks themselves out of an organization: another manager or an admin must do it.
    return target.user_id != user.id and manages_members(user, target.organization)


def _respond_to_invitation(user, target: Membership) -> bool:
    # Only the invited person, signed in as themselves, while the invitation waits.
    return target.pending and target.user_id == user.id and target.organization.active


def use_field(user, slug: str) -> bool:
    """A field's pages: its experts and admins, and the people of an organization (the current
    one) that subscribes to it, while its module is on."""
    if not field_enabled(slug):
        return False
    if user.is_admin or slug in user.field_slugs:
        return True
    org = current_organization()
    return org is not None and slug in org.subscribed_fields


RULES = (
    Rule("organizations.manage", is_admin),
    Rule("organization.view", _view_organization),
    Rule("organization.manage_members", manages_members),
    Rule("membership.change", _change_membership),
    Rule("membership.respond", _respond_to_invitation),
    Rule("field.use", use_field),
)
