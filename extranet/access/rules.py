"""Who may read the record of who read what: everyone, about themselves; an organization's
managers, about their organization."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_manager


def _own(user, target=None) -> bool:
    return True  # a signed-in, active person reads who read their own information


def _organization(user, org) -> bool:
    return is_manager(user, org)


RULES = (
    Rule("access.view_own", _own),
    Rule("access.view_organization", _organization),
)
