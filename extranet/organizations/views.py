"""The header's organization switcher, a manager's own team page, and the invitations a person
accepts or declines."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from extranet.accounts.models import User, normalize_email
from extranet.accounts.service import (
    accept_invitation,
    decline_invitation,
    invite_to_organization,
    resend_organization_invitation,
    send_invitation,
    set_member_active,
    set_member_role,
    set_second_factor_required,
    withdraw_invitation,
)
from extranet.extensions import db
from extranet.organizations.forms import MemberInviteForm, SwitchOrganizationForm
from extranet.organizations.models import ROLES, Membership, Organization
from extranet.policy import choose_organization, current_organization, require
from extranet.web.htmx import render
from extranet.web.limits import INVITATION_LIMIT_MESSAGE, allow_invitation
from extranet.web.lookups import row_or_404, signed_in_user
from extranet.web.security import safe_next

bp = Blueprint("organizations", __name__, url_prefix="/organization")


@bp.post("/switch")
@login_required
def switch():
    form = SwitchOrganizationForm()
    if not form.validate_on_submit():  # nothing chosen, or a number no organization can have
        abort(400)
    org = choose_organization(form.organization_id.data)
    if org is None:
        abort(404)
    flash(_("You are now working for %(org)s.", org=org.name), "info")
    return redirect(safe_next(form.next.data, url_for("dashboard.index")), 303)


def _team_org() -> Organization:
    org = current_organization()
    if org is None:
        abort(404)
    require("organization.manage_members", org)
    return org


def members_of(org: Organization) -> list[Membership]:
    """The team: people with access, then invitations waiting (by the name the manager typed),
    then people whose access was taken away."""
    return db.session.scalars(
        db.select(Membership)
        .where(Membership.organization_id == org.id)
        .join(Membership.user)
        .order_by(Membership.active.desc(), Membership.pending.desc(),
                  db.func.lower(db.func.coalesce(Membership.invited_name, User.name)), Membership.id)
    ).all()


@bp.route("/members", methods=["GET", "POST"])
@login_required
def members():
    org = _team_org()
    form = MemberInviteForm()
    if form.validate_on_submit():
        if not allow_invitation(current_user.id, form.email.data):
            form.email.errors.append(str(INVITATION_LIMIT_MESSAGE))
        else:
            invite_to_organization(form.email.data, form.name.data, form.locale.data, org, form.role.data,
                                   signed_in_user())
            db.session.commit()
            # The same answer for every address: whether it has an account, and whose, stays
            # with its owner, who accepts or not.
            flash(_("An invitation to join %(org)s was sent to %(email)s.",
                    org=org.name, email=normalize_email(form.email.data)), "success")
            return redirect(url_for("organizations.members"), 303)
    return render(
        "organizations/members.html",
        "organizations/_members.html",
        org=org,
        memberships=members_of(org),
        form=form,
        roles=ROLES,
        status=422 if form.errors else 200,
    )


@bp.post("/second-factor")
@login_required
def second_factor():
    """Whether the organization's members must sign in with a second factor."""
    org = _team_org()
    required = request.form.get("required") == "1"
    if required != org.requires_second_factor:
        set_second_factor_required(org, required)
        db.session.commit()
    flash(
        _("The members of %(org)s must now sign in with a second factor.", org=org.name)
        if required
        else _("A second factor is now optional for the members of %(org)s.", org=org.name),
        "success",
    )
    return redirect(url_for("organizations.members") + "#second-factor", 303)


@bp.post("/members/<id:membership_id>")
@login_required
def update_member(membership_id: int):
    membership = row_or_404(Membership, membership_id, "membership.change")
    action = request.form.get("action")
    if action == "resend" and (membership.pending or membership.user.invitation_pending):
        if not allow_invitation(current_user.id, membership.user.email):
            flash(str(INVITATION_LIMIT_MESSAGE), "error")
            return redirect(safe_next(request.form.get("next"), url_for("organizations.members")), 303)
        if membership.pending:
            resend_organization_invitation(membership, signed_in_user())
        else:
            send_invitation(membership.user, signed_in_user(), membership.organization)
        flash(_("The invitation was sent again to %(email)s.", email=membership.user.email), "success")
    elif membership.pending:
        # A waiting invitation is sent again or withdrawn; its person decides the rest.
        if action != "withdraw":
            abort(400)
        withdraw_invitation(membership)
        flash(_("The invitation to %(email)s is withdrawn.", email=membership.user.email), "success")
    elif action == "deactivate":
        set_member_active(membership, False)
        flash(_("%(name)s no longer has access.", name=membership.user.name), "success")
    elif action == "reactivate":
        set_member_active(membership, True)
        flash(_("%(name)s has access again.", name=membership.user.name), "success")
    elif action in ROLES:
        set_member_role(membership, action)
        flash(_("%(name)s is now %(role)s.", name=membership.user.name, role=membership.role_label.lower()), "success")
    else:
        abort(400)
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("organizations.members")), 303)


def pending_invitations(user: User) -> list[Membership]:
    return db.session.scalars(
        db.select(Membership)
        .join(Membership.organization)
        .where(Membership.user_id == user.id, Membership.pending, Organization.active)
        .order_by(db.func.lower(Organization.name))
    ).all()


@bp.get("/invitations")
@login_required
def invitations():
    return render("organizations/invitations.html", invitations=pending_invitations(current_user))


@bp.post("/invitations/<id:membership_id>")
@login_required
def answer_invitation(membership_id: int):
    membership = row_or_404(Membership, membership_id, "membership.respond")
    org = membership.organization
    action = request.form.get("action")
    if action == "accept":
        accept_invitation(membership)
        flash(_("You now have access to %(org)s.", org=org.name), "success")
    elif action == "decline":
        decline_invitation(membership)
        flash(_("You declined the invitation of %(org)s.", org=org.name), "info")
    else:
        abort(400)
    db.session.commit()
    if action == "accept" and not pending_invitations(current_user):
        return redirect(url_for("dashboard.index"), 303)
    return redirect(url_for("organizations.invitations"), 303)
