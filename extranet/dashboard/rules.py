"""Which dashboard widgets a person gets: the member's need a current organization (the target)
they belong to, the expert's some fields, the admin's the admin flag."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin, membership


def _member(user, org) -> bool:
    return membership(user, org) is not None


def _view(user, org=None) -> bool:
    """The dashboard itself (its panels' slot): everyone's home, about an organization one
    belongs to, or about none (staff without one)."""
    return org is None or user.is_admin or membership(user, org) is not None


def _expert(user, target=None) -> bool:
    return user.is_expert and bool(user.field_slugs)


RULES = (
    Rule("dashboard.view", _view),
    Rule("dashboard.member", _member),
    Rule("dashboard.expert", _expert),
    Rule("dashboard.admin", is_admin),
)
