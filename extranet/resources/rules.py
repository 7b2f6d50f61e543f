"""Who may read a field's resource library and publish in it."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.organizations.rules import use_field
from extranet.policy import field_enabled


def _publish_resources(user, slug: str) -> bool:
    """Experts of the field and admins publish its resources (module on)."""
    return field_enabled(slug) and (user.is_admin or slug in user.field_slugs)


def _view_resource(user, resource) -> bool:
    """Whoever may use the field reads its published resources; drafts are for its staff."""
    return use_field(user, resource.field) and (resource.published or _publish_resources(user, resource.field))


RULES = (
    Rule("resource.view", _view_resource),
    Rule("resource.publish", _publish_resources),
)
