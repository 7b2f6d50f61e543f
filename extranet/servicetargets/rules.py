"""Who sees service targets and who sets them."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin
from extranet.requests.rules import view_request


def see_clock(user, req=None) -> bool:
    """Experts and admins; on a request, only one they may open."""
    if not (user.is_expert or user.is_admin):
        return False
    return req is None or view_request(user, req)


RULES = (
    Rule("servicetargets.see", see_clock),
    Rule("servicetargets.manage", is_admin),
)
