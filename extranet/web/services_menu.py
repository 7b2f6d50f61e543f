"""The header's « Services » menu: the fields a person may use, their own first.

With twenty fields, listing each at the top level of the header took a third of a phone's screen;
one menu holds them, and puts first the fields a person works in: those their organization
subscribes to (a member) and those they serve (an expert)."""

from __future__ import annotations

from dataclasses import dataclass, field

import extranet.policy as policy
from extranet.plugins import host


@dataclass
class Services:
    own: list = field(default_factory=list)
    others: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.own or self.others)

    @property
    def all(self) -> list:
        return self.own + self.others


def own_field_slugs(user) -> set[str]:
    """The fields a person works in: served as an expert, or subscribed by their organization."""
    slugs = set(user.field_slugs) if user.is_expert else set()
    org = policy.current_organization()
    if org is not None and not user.is_admin:
        slugs |= org.subscribed_fields
    return slugs


def services_of(user) -> Services:
    """The enabled fields ``user`` may use, split into their own and the others (host order)."""
    usable = [f for f in host().enabled_fields() if policy.can(user, "field.use", f.slug)]
    mine = own_field_slugs(user)
    return Services(own=[f for f in usable if f.slug in mine], others=[f for f in usable if f.slug not in mine])
