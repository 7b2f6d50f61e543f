"""The header's organization switcher and a manager's own team page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from extranet.accounts.models import User
from extranet.accounts.service import (
    add_to_organization,
    find_or_invite,
    send_invitation,
    set_member_active,
    set_member_role,
    set_second_factor_required,
)
from extranet.extensions import db
from extranet.organizations.forms import MemberInviteForm
from extranet.organizations.models import ROLES, Membership, Organization
from extranet.policy import choose_organization, current_organization, require
from extranet.web.htmx import render
from extranet.web.lookups import row_or_404
from extranet.web.security import safe_next

bp = Blueprint("organizations", __name__, url_prefix="/organization")


@bp.post("/switch")
@login_required
def switch():
    org = choose_organization(request.form.get("organization_id", type=int) or 0)
    if org is None:
        abort(404)
    flash(_("You are now working for %(org)s.", org=org.name), "info")
    return redirect(safe_next(request.form.get("next"), url_for("dashboard.index")), 303)


def _team_org() -> Organization:
    org = current_organization()
    if org is None:
        abort(404)
    require("organization.manage_members", org)
    return org


def members_of(org: Organization) -> list[Membership]:
    return db.session.scalars(
        db.select(Membership)
        .where(Membership.organization_id == org.id)
        .join(Membership.user)
        .order_by(Membership.active.desc(), db.func.lower(User.name))
    ).all()


@bp.route("/members", methods=["GET", "POST"])
@login_required
def members():
    org = _team_org()
    form = MemberInviteForm()
    if form.validate_on_submit():
        user, _created = find_or_invite(form.email.data, form.name.data, form.locale.data)
        if not user.active:
            form.email.errors.append(_("This account is deactivated. Ask the cooperative to reactivate it."))
        else:
            add_to_organization(user, org, form.role.data, current_user._get_current_object())
            db.session.commit()
            flash(_("%(name)s now has access to %(org)s.", name=user.name, org=org.name), "success")
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


@bp.post("/members/<int:membership_id>")
@login_required
def update_member(membership_id: int):
    membership = row_or_404(Membership, membership_id, "membership.change")
    action = request.form.get("action")
    if action == "deactivate":
        set_member_active(membership, False)
        flash(_("%(name)s no longer has access.", name=membership.user.name), "success")
    elif action == "reactivate":
        set_member_active(membership, True)
        flash(_("%(name)s has access again.", name=membership.user.name), "success")
    elif action in ROLES:
        set_member_role(membership, action)
        flash(_("%(name)s is now %(role)s.", name=membership.user.name, role=membership.role_label.lower()), "success")
    elif action == "resend" and membership.user.invitation_pending:
        send_invitation(membership.user, current_user._get_current_object(), membership.organization)
        flash(_("The invitation was sent again to %(email)s.", email=membership.user.email), "success")
    else:
        abort(400)
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("organizations.members")), 303)
