"""Who may read the cooperative's reports and an organization's annual report."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.hours.rules import organization_report
from extranet.policy import is_admin

RULES = (
    Rule("reports.view", is_admin),
    Rule("annual.view", organization_report),
)
