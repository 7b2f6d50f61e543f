"""Who may narrow a search to an organization. What a search finds is decided by each kind's
own rules, as queries (``visible_requests``, ``findable_documents``…)."""

from __future__ import annotations

from extranet.contributions import Rule


def _search_organization(user, org) -> bool:
    """Staff, whose searches span the organizations they serve, narrow them to one; a member
    searches the current organization only."""
    return user.is_staff and org is not None


RULES = (Rule("search.organization", _search_organization),)
