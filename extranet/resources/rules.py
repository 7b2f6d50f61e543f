"""Who may read a field's resource library and publish in it."""

from __future__ import annotations

from sqlalchemy import or_, select

from extranet.contributions import Rule
from extranet.organizations.rules import use_field
from extranet.plugins import host
from extranet.policy import field_enabled
from extranet.resources.models import Resource


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


def readable_fields(user) -> list[str]:
    """The fields whose libraries ``user`` may read."""
    return [f.slug for f in host().enabled_fields() if use_field(user, f.slug)]


def findable_resources(user):
    """A select of the resources ``user`` may read: ``resource.view`` as a query, for search
    (the fields one may use are a handful, decided here one by one)."""
    fields = readable_fields(user)
    staff = [slug for slug in fields if _publish_resources(user, slug)]
    return select(Resource).where(
        Resource.field.in_(fields or [""]), or_(Resource.published.is_(True), Resource.field.in_(staff or [""]))
    )
