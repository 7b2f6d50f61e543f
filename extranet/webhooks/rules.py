"""Who manages webhooks: administrators."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin

RULES = (Rule("webhooks.manage", is_admin),)
