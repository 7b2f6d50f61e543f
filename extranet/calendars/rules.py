"""Who may have which calendar feed: everyone their own; an organization's managers its feed."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_manager


def _own_feed(user, target=None) -> bool:
    return True  # can() has already refused a visitor and an inactive account


RULES = (
    Rule("calendar.own_feed", _own_feed),
    Rule("calendar.organization_feed", is_manager),
)
