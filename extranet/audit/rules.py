"""Who may read the audit log: admins, all of it; everyone, what was done to their own account."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin


def _own(user, target=None) -> bool:
    return True  # a signed-in, active person reads what was done to their own account


RULES = (
    Rule("audit.view", is_admin),
    Rule("audit.view_own", _own),
)
