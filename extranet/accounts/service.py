"""Inviting people: staff by admins, organization members by admins and managers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from extranet.accounts.models import User, normalize_email
from extranet.audit.service import record
from extranet.auth.sessions import end_other_sessions
from extranet.auth.tokens import make_token
from extranet.extensions import db
from extranet.notifications.mail import queue_email
from extranet.organizations.models import ROLES, Membership, Organization
from extranet.web.urls import external_url


def invitation_link(user: User) -> str:
    return external_url("auth.accept_invitation", token=make_token(user, "invite"))


def find_or_invite(email: str, name: str, locale: str) -> tuple[User, bool]:
    """The account for ``email``, created without a password if new; (user, created)."""
    user = User.by_email(email)
    if user is not None:
        return user, False
    user = User(email=normalize_email(email), name=name.strip(), locale=locale, password_hash=None)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:  # invited at the same moment by someone else: theirs is the account
        return User.by_email(email), False
    return user, True


def _membership(user: User, organization: Organization) -> Membership:
    """The person's membership of the organization, made (inactive) if they have none; one
    made at the same moment by someone else is theirs too."""
    found = db.select(Membership).filter_by(user_id=user.id, organization_id=organization.id)
    membership = db.session.scalar(found)
    if membership is not None:
        return membership
    # By ids, so that a refused row is not left in the person's and organization's collections.
    membership = Membership(user_id=user.id, organization_id=organization.id, active=False)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        return db.session.scalar(found)
    return membership


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
    membership = _membership(user, organization)
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


def invite_to_organization(
    email: str, name: str, locale: str, organization: Organization, role: str, inviter: User
) -> None:
    """A manager's invitation, the same steps for any address: a pending membership that gives
    no access until its person accepts it, signed in as themselves (a new address first chooses
    its password). The manager sees the name they typed until then, and the same answer whether
    the address is new, someone's of another organization, or deactivated; someone who already
    has access keeps it and gets nothing."""
    user, created = find_or_invite(email, name, locale)
    membership = _membership(user, organization)
    if membership.active:
        record("organizations.invitation_unneeded", target=user, organization=organization, role=role)
        return
    membership.role, membership.active, membership.pending = role, False, True
    membership.invited_name = " ".join(name.split())[:200]
    _send_organization_invitation(membership, inviter)
    record("organizations.member_invited", target=user, organization=organization, role=role, created=created)


def _send_organization_invitation(membership: Membership, inviter: User) -> None:
    user, organization = membership.user, membership.organization
    if not user.active:  # a deactivated account cannot sign in to accept: nothing is sent
        return
    if user.invitation_pending:  # no password yet: the link chooses one, then leads to the invitations
        send_invitation(user, inviter, organization)
        return
    queue_email(
        user.email,
        user.locale,
        _l("%(inviter)s invites you to join %(org)s", inviter=inviter.name, org=organization.name),
        "organization_invitation",
        user=user,
        inviter=inviter,
        organization=organization,
        role=ROLES.get(membership.role, membership.role),
        link=external_url("organizations.invitations"),
    )


def resend_organization_invitation(membership: Membership, inviter: User) -> None:
    _send_organization_invitation(membership, inviter)
    record("organizations.invitation_resent", target=membership.user, organization=membership.organization)


def withdraw_invitation(membership: Membership) -> None:
    """The manager takes a pending invitation back: it goes, as if it had never been sent."""
    record("organizations.invitation_withdrawn", target=membership.user, organization=membership.organization)
    db.session.delete(membership)


def accept_invitation(membership: Membership) -> None:
    """The invited person, signed in, accepts: from now on they have access."""
    membership.active, membership.pending, membership.invited_name = True, False, None
    record("organizations.invitation_accepted", target=membership.user, organization=membership.organization,
           actor=membership.user, role=membership.role)


def decline_invitation(membership: Membership) -> None:
    record("organizations.invitation_declined", target=membership.user, organization=membership.organization,
           actor=membership.user)
    db.session.delete(membership)


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


def set_weekly_capacity(user: User, minutes: int) -> None:
    if minutes != user.weekly_capacity_minutes:
        record("accounts.capacity_changed", target=user, before=user.weekly_capacity_minutes, minutes=minutes)
        user.weekly_capacity_minutes = minutes


def change_password(user: User, password: str) -> int:
    """A new password, and every other session of the person closed (how many)."""
    user.set_password(password)
    ended = end_other_sessions(user)
    record("accounts.password_changed", target=user, other_sessions_ended=ended)
    return ended
