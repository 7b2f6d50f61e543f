"""Inviting people: staff by admins, organization members by admins and managers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from extranet.accounts.models import User, normalize_email
from extranet.audit.service import record
from extranet.auth.sessions import end_other_sessions
from extranet.auth.tokens import make_token
from extranet.extensions import db
from extranet.notifications.mail import queue_email
from extranet.organizations.models import Membership, Organization
from extranet.web.urls import external_url


def invitation_link(user: User) -> str:
    return external_url("auth.accept_invitation", token=make_token(user, "invite"))


def find_or_invite(email: str, name: str, locale: str) -> tuple[User, bool]:
    """The account for ``email``, created without a password if new; (user, created)."""
    user = User.by_email(email)
    if user is not None:
        return user, False
    user = User(email=normalize_email(email), name=name.strip(), locale=locale, password_hash=None)
    db.session.add(user)
    db.session.flush()
    return user, True


def send_invitation(user: User, inviter: User, organization: Organization | None = None) -> None:
    queue_email(
        user.email,
        user.locale,
        _l("You are invited to the Coop Extranet"),
        "invitation",
        user=user,
        inviter=inviter,
        organization=organization,
        link=invitation_link(user),
    )
    record("accounts.invitation_sent", target=user, organization=organization)


def add_to_organization(
    user: User, organization: Organization, role: str, inviter: User
) -> Membership:
    """Give ``user`` a membership (or reactivate theirs) and tell them by e-mail."""
    membership = db.session.scalar(
        db.select(Membership).filter_by(user_id=user.id, organization_id=organization.id)
    )
    if membership is None:
        membership = Membership(user=user, organization=organization, role=role)
        db.session.add(membership)
    membership.role = role
    membership.active = True
    if user.invitation_pending:
        send_invitation(user, inviter, organization)
    else:
        queue_email(
            user.email,
            user.locale,
            _l("You now have access to %(org)s", org=organization.name),
            "membership_added",
            user=user,
            inviter=inviter,
            organization=organization,
            link=external_url("dashboard.index"),
        )
    record("organizations.member_added", target=user, organization=organization, role=role)
    return membership


def set_member_active(membership: Membership, active: bool) -> None:
    """Take away (or give back) a person's access to an organization."""
    membership.active = active
    record("organizations.member_reactivated" if active else "organizations.member_deactivated",
           target=membership.user, organization=membership.organization)


def set_member_role(membership: Membership, role: str) -> None:
    membership.role = role
    record("organizations.role_changed", target=membership.user, organization=membership.organization, role=role)


def set_second_factor_required(organization: Organization, required: bool) -> None:
    """A manager's choice: the organization's members must (or need no longer) sign in with a
    second factor; those without one are led to set it up at their next sign-in."""
    organization.requires_second_factor = required
    record("organizations.second_factor_required" if required else "organizations.second_factor_optional",
           target=organization, organization=organization)


def update_profile(user: User, name: str, locale: str) -> None:
    user.name, user.locale = name, locale
    record("accounts.profile_updated", target=user)


def change_password(user: User, password: str) -> int:
    """A new password, and every other session of the person closed (how many)."""
    user.set_password(password)
    ended = end_other_sessions(user)
    record("accounts.password_changed", target=user, other_sessions_ended=ended)
    return ended
