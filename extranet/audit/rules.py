"""Who may read the audit log: admins."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin

RULES = (Rule("audit.view", is_admin),)
