"""Who sees the mail received and retries what failed: administrators."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin

RULES = (Rule("inbound.manage", is_admin),)
