"""Who may use the administration: admins, and none of them on their own account's roles."""

from __future__ import annotations

from extranet.contributions import Rule
from extranet.policy import is_admin


def _manage_other_user(user, target) -> bool:
    # Nobody locks themselves out: another admin must change an admin's roles or deactivate them.
    return user.is_admin and target is not None and target.id != user.id


def _resend_invitation(user, target) -> bool:
    return user.is_admin and target is not None and target.active and target.invitation_pending


def _reset_second_factor(user, target) -> bool:
    # One's own second factor is turned off from one's profile, with a code of it.
    return _manage_other_user(user, target) and target.has_second_factor


RULES = (
    Rule("admin.access", is_admin),
    Rule("users.manage", is_admin),
    Rule("modules.manage", is_admin),
    Rule("files.scans", is_admin),
    Rule("user.change_flags", _manage_other_user),
    Rule("user.deactivate", _manage_other_user),
    Rule("user.resend_invitation", _resend_invitation),
    Rule("user.reset_second_factor", _reset_second_factor),
)
