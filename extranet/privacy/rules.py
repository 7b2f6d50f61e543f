"""Who may ask for their data or its erasure (everyone, for themselves), download an export
(its owner only), see those requests and the retention report (administrators and privacy
officers), carry out erasures and set how long each field keeps its information
(administrators)."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin


def _own(user, target=None) -> bool:
    return True  # a signed-in, active person asks about their own information


def _sees_requests(user, target=None) -> bool:
    """Administrators, and the privacy officers, who see these requests and nothing else."""
    return user.is_admin or user.is_privacy_officer


def _owner(user, export) -> bool:
    return export is not None and export.user_id == user.id


RULES = (
    Rule("privacy.export", _own),
    Rule("privacy.download_export", _owner),
    Rule("privacy.request_erasure", _own),
    Rule("privacy.view_requests", _sees_requests),
    Rule("privacy.manage_erasures", is_admin),
    Rule("privacy.view_retention", _sees_requests),
    Rule("privacy.manage_retention", is_admin),
)
