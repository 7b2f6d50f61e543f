"""Administration screens for cooperative staff."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from extranet.access import service as access
from extranet.accounts.models import User
from extranet.accounts.service import add_to_organization, find_or_invite, send_invitation
from extranet.admin import scans, service
from extranet.admin.forms import (
    NO_PARENT,
    OrganizationForm,
    StaffInviteForm,
    SubscriptionsForm,
    UserForm,
)
from extranet.auth import service as auth_service
from extranet.extensions import db
from extranet.files import rescan
from extranet.files import scan as scanning
from extranet.files.models import PENDING, FileVersion
from extranet.modules import plugin_settings
from extranet.organizations.forms import MemberInviteForm
from extranet.organizations.models import KINDS, Membership, Organization, Subscription
from extranet.plugins import host
from extranet.policy import can, require
from extranet.web.htmx import hx_redirect, render
from extranet.web.ids import page_arg, read_id
from extranet.web.limits import INVITATION_LIMIT_MESSAGE, allow_invitation
from extranet.web.lookups import row_or_404, signed_in_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def only_admins():
    require("admin.access")


@bp.context_processor
def _helpers():
    return {"scan_label": scans.label}


@bp.get("/")
def index():
    return render("admin/index.html")


@bp.get("/modules")
def modules():
    require("modules.manage")
    plugins = host()
    return render(
        "admin/modules.html",
        "admin/_modules.html",
        fields=plugins.modules.values(),
        states=plugins.module_states(),
        versions=plugins.versions,
    )


@bp.post("/modules/<slug>")
def toggle_module(slug: str):
    require("modules.manage")
    plugins = host()
    if slug not in plugins.modules:
        abort(404)
    enabled = request.form.get("enabled") == "1"
    service.set_module_enabled(slug, enabled)
    db.session.commit()
    label = plugins.modules[slug].label
    if enabled:
        flash(_("The %(module)s module is enabled.", module=label), "success")
    else:
        flash(_("The %(module)s module is disabled. Its data is kept.", module=label), "success")
    return hx_redirect(url_for("admin.modules"))


@bp.get("/modules/<slug>")
def module(slug: str):
    """A module's page: what it is, its version and state, and its own settings if it has any."""
    require("modules.manage")
    field = host().modules.get(slug) or abort(404)
    form = field.settings_form(data=plugin_settings(slug)) if field.settings_form else None
    return _module_page(field, form)


@bp.post("/modules/<slug>/settings")
def save_module_settings(slug: str):
    require("modules.manage")
    field = host().modules.get(slug)
    if field is None or field.settings_form is None:
        abort(404)
    form = field.settings_form()
    if not form.validate_on_submit():
        return _module_page(field, form, status=422)
    values = {name: _json_value(f.data) for name, f in form._fields.items() if name != "csrf_token"}
    service.save_module_settings(slug, values)
    db.session.commit()
    flash(_("The settings of the %(module)s module are saved.", module=field.label), "success")
    return hx_redirect(url_for("admin.module", slug=slug))


class _Bulk:
    """A bulk action of a field's module page: choose many, confirm, see each one's outcome."""

    def __init__(self, slug: str, endpoint: str):
        require("modules.manage")
        self.field = host().fields.get(slug) or abort(404)
        self.action = url_for(endpoint, slug=slug)

    def page(self, step: str, status: int = 200, **context):
        return render("admin/module_bulk.html", status=status, field=self.field, step=step,
                      action=self.action, **self.labels(), **context)

    def run(self, rows: dict, already: set, apply):
        """``rows``: id → (row, name) of everything one may choose; ``apply(rows)`` does it and
        returns whether it changed each."""
        if request.method == "GET":
            return self.page("choose", items=[(i, name) for i, (_row, name) in rows.items()], already=already)
        ids = {i for i in (read_id(v) for v in request.form.getlist("item")) if i is not None}
        chosen = [(i, rows[i]) for i in rows if i in ids and i not in already]
        if not chosen:
            flash(_("Choose at least one."), "error")
            return self.page("choose", status=422, items=[(i, name) for i, (_row, name) in rows.items()],
                             already=already)
        if request.form.get("confirmed") != "1":
            return self.page("confirm", chosen=[(i, name) for i, (_row, name) in chosen],
                             question=self.question(len(chosen)))
        changed = apply([row for _i, (row, _name) in chosen])
        db.session.commit()
        return self.page("done", outcomes=[(name, done) for (_i, (_row, name)), done in zip(chosen, changed, strict=True)])


class _Subscribe(_Bulk):
    def labels(self):
        return {"heading": _("Subscribe organizations to %(field)s", field=self.field.label),
                "legend": _("Organizations"), "already_label": _("already subscribed"),
                "done_label": _("Subscribed"), "confirm_label": _("Subscribe them")}

    def question(self, count):
        return _("Subscribe the organizations below (%(num)d) to %(field)s?", num=count, field=self.field.label)


class _GiveField(_Bulk):
    def labels(self):
        return {"heading": _("Give %(field)s to experts", field=self.field.label),
                "legend": _("Experts"), "already_label": _("serves it already"),
                "done_label": _("Serves it now"), "confirm_label": _("Give it to them")}

    def question(self, count):
        return _("Give %(field)s to the experts below (%(num)d)?", num=count, field=self.field.label)


@bp.route("/modules/<slug>/subscribe", methods=["GET", "POST"])
def subscribe_organizations(slug: str):
    bulk = _Subscribe(slug, "admin.subscribe_organizations")
    organizations = db.session.scalars(
        select(Organization).where(Organization.active.is_(True))
        .options(selectinload(Organization.subscriptions)).order_by(Organization.name))
    already = set(db.session.scalars(select(Subscription.organization_id).where(
        Subscription.field == slug, Subscription.active.is_(True))))
    return bulk.run({o.id: (o, o.name) for o in organizations}, already,
                    lambda orgs: [done for _org, done in service.subscribe_many(slug, orgs)])


@bp.route("/modules/<slug>/experts", methods=["GET", "POST"])
def give_field_to_experts(slug: str):
    bulk = _GiveField(slug, "admin.give_field_to_experts")
    experts = db.session.scalars(select(User).where(User.is_expert.is_(True), User.active.is_(True))
                                 .options(selectinload(User.expert_fields)).order_by(User.name))
    rows = {u.id: (u, u.name) for u in experts}
    already = {i for i, (u, _name) in rows.items() if slug in u.field_slugs}
    return bulk.run(rows, already, lambda users: service.give_field(slug, users))


def _module_page(field, form, status: int = 200):
    plugins = host()
    return render("admin/module.html", status=status, field=field, form=form,
                  enabled=plugins.module_states()[field.slug], version=plugins.versions.get(field.slug),
                  is_field=field.slug in plugins.fields)


def _json_value(value):
    """A form value as the module's settings keep it (JSON)."""
    if value is None or isinstance(value, bool | int | float | str | list):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# -- virus scans -----------------------------------------------------------------------------


@bp.get("/files")
def scans_page():
    require("files.scans")
    status = request.args.get("status", "")
    page = _page(scans.queue(status))
    return render(
        "admin/scans.html",
        "admin/_scans.html",
        page=page,
        owners=scans.owners(page.items),
        counts=scans.counts(),
        statuses=scans.statuses(),
        chosen=status if status in scans.statuses() else "",
        enabled=scanning.enabled(),
        due=rescan.due_count(),
    )


@bp.post("/files/<id:file_id>/rescan")
def rescan_file(file_id: int):
    file = row_or_404(FileVersion, file_id, "files.scans")
    if file.scan_status == PENDING:
        rescan.scan_soon(file)
        db.session.commit()
        flash(_("%(name)s will be scanned again at the worker's next pass.", name=file.filename), "success")
    else:
        flash(_("%(name)s is no longer waiting for a scan.", name=file.filename), "info")
    return hx_redirect(url_for("admin.scans_page", status=request.form.get("status") or None))


# -- organizations ---------------------------------------------------------------------------

ORG_STATES = {"active": True, "inactive": False}


def _page(query):
    return db.paginate(
        query,
        page=page_arg(current_app.config["PAGE_SIZE"]),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )


def _active_member_counts(org_ids: list[int]) -> dict[int, int]:
    if not org_ids:
        return {}
    rows = db.session.execute(
        db.select(Membership.organization_id, db.func.count(Membership.id))
        .join(Membership.user)
        .where(
            Membership.organization_id.in_(org_ids),
            Membership.active.is_(True),
            User.active.is_(True),
        )
        .group_by(Membership.organization_id)
    ).all()
    return dict(rows)


@bp.get("/organizations")
def organizations():
    require("organizations.manage")
    q = request.args.get("q", "").strip()
    kind = request.args.get("kind", "")
    state = request.args.get("state", "")
    query = db.select(Organization).options(joinedload(Organization.parent))
    if q:
        query = query.where(Organization.name.icontains(q, autoescape=True))
    if kind in KINDS:
        query = query.where(Organization.kind == kind)
    if state in ORG_STATES:
        query = query.where(Organization.active.is_(ORG_STATES[state]))
    page = _page(query.order_by(db.func.lower(Organization.name), Organization.id))
    return render(
        "admin/organizations.html",
        "admin/_organizations.html",
        results=page,
        counts=_active_member_counts([o.id for o in page.items]),
        q=q,
        kind=kind,
        state=state,
        kinds=KINDS,
        filtered=bool(q or kind in KINDS or state in ORG_STATES),
    )



def _save_organization(form: OrganizationForm, org: Organization | None) -> Organization | None:
    """Save and commit; None when the name is taken (told on the form)."""
    try:
        org = service.save_organization(
            org, name=form.name.data, kind=form.kind.data, parent_id=form.parent_id.data,
            share_with_federation=bool(form.share_with_federation.data), locale=form.locale.data,
        )
    except service.NameTaken:
        form.name.errors = [*form.name.errors, _("Another organization already has this name.")]
        return None
    db.session.commit()
    return org


def _organization_form_page(form: OrganizationForm, org: Organization | None):
    return render(
        "admin/organization_form.html",
        form=form,
        organization=org,
        status=422 if form.errors else 200,
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
def new_organization():
    require("organizations.manage")
    form = OrganizationForm()
    if form.validate_on_submit():
        org = _save_organization(form, None)
        if org is not None:
            flash(_("The organization %(org)s is created.", org=org.name), "success")
            return redirect(url_for("admin.organization", org_id=org.id), 303)
    return _organization_form_page(form, None)


@bp.route("/organizations/<id:org_id>/edit", methods=["GET", "POST"])
def edit_organization(org_id: int):
    require("organizations.manage")
    org = row_or_404(Organization, org_id)
    form = OrganizationForm(obj=org, organization=org)
    if request.method == "GET":
        form.parent_id.data = org.parent_id or NO_PARENT
    if form.validate_on_submit() and _save_organization(form, org) is not None:
        flash(_("The organization %(org)s is saved.", org=org.name), "success")
        return redirect(url_for("admin.organization", org_id=org.id), 303)
    return _organization_form_page(form, org)


def _memberships_of(org: Organization) -> list[Membership]:
    return db.session.scalars(
        db.select(Membership)
        .join(Membership.user)
        .options(contains_eager(Membership.user))
        .where(Membership.organization_id == org.id)
        .order_by(Membership.active.desc(), db.func.lower(User.name), User.id)
    ).all()


def _subscriptions_form(org: Organization, formdata=None) -> SubscriptionsForm:
    fields = host().fields
    form = SubscriptionsForm(formdata=formdata, prefix="subscriptions")
    form.fields.choices = [(slug, field.label) for slug, field in fields.items()]
    if formdata is None:
        form.fields.data = sorted(org.subscribed_fields & set(fields))
    return form


def _organization_page(org: Organization, member_form=None, subscriptions_form=None, status=200):
    member_form = member_form or MemberInviteForm(formdata=None, prefix="member")
    children = db.session.scalars(
        db.select(Organization)
        .where(Organization.parent_id == org.id)
        .order_by(db.func.lower(Organization.name))
    ).all()
    return render(
        "admin/organization.html",
        organization=org,
        children=children,
        memberships=_memberships_of(org),
        member_form=member_form,
        subscriptions_form=subscriptions_form or _subscriptions_form(org),
        fields=host().fields,
        status=status,
    )


@bp.get("/organizations/<id:org_id>")
def organization(org_id: int):
    require("organizations.manage")
    return _organization_page(row_or_404(Organization, org_id))


@bp.post("/organizations/<id:org_id>/members")
def add_member(org_id: int):
    require("organizations.manage")
    org = row_or_404(Organization, org_id)
    form = MemberInviteForm(prefix="member")
    if form.validate_on_submit():
        user, _created = find_or_invite(form.email.data, form.name.data, form.locale.data)
        if not user.active:
            form.email.errors.append(
                _("This account is deactivated. Reactivate it on its page first.")
            )
        elif not allow_invitation(current_user.id, user.email):
            form.email.errors.append(str(INVITATION_LIMIT_MESSAGE))
        else:
            add_to_organization(user, org, form.role.data, signed_in_user())
            db.session.commit()
            flash(_("%(name)s now has access to %(org)s.", name=user.name, org=org.name), "success")
            return redirect(url_for("admin.organization", org_id=org.id) + "#memberships", 303)
    return _organization_page(org, member_form=form, status=422)


@bp.post("/organizations/<id:org_id>/subscriptions")
def organization_subscriptions(org_id: int):
    require("organizations.manage")
    org = row_or_404(Organization, org_id)
    form = _subscriptions_form(org, formdata=request.form)
    if not form.validate_on_submit():
        return _organization_page(org, subscriptions_form=form, status=422)
    if service.set_subscriptions(org, set(form.fields.data or [])):
        db.session.commit()
        flash(_("The subscriptions of %(org)s are saved.", org=org.name), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("admin.organization", org_id=org.id) + "#subscriptions", 303)


@bp.post("/organizations/<id:org_id>/active")
def deactivate_organization(org_id: int):
    require("organizations.manage")
    org = row_or_404(Organization, org_id)
    active = request.form.get("active")
    if active not in {"0", "1"}:
        abort(400)
    service.set_organization_active(org, active == "1")
    db.session.commit()
    if org.active:
        flash(_("%(org)s is active again.", org=org.name), "success")
    else:
        flash(_("%(org)s is deactivated: its members no longer see it.", org=org.name), "success")
    return hx_redirect(url_for("admin.organization", org_id=org.id))


# -- people ----------------------------------------------------------------------------------

USER_FILTERS = {
    "staff": lambda: db.or_(User.is_admin.is_(True), User.is_expert.is_(True)),
    "members": lambda: db.and_(User.is_admin.is_(False), User.is_expert.is_(False)),
    "inactive": lambda: User.active.is_(False),
    "pending": lambda: User.password_hash.is_(None),
}


@bp.get("/users")
def users():
    require("users.manage")
    q = request.args.get("q", "").strip()
    show = request.args.get("show", "")
    query = db.select(User).options(
        selectinload(User.memberships).joinedload(Membership.organization)
    )
    if q:
        query = query.where(
            db.or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True))
        )
    if show in USER_FILTERS:
        query = query.where(USER_FILTERS[show]())
    page = _page(query.order_by(db.func.lower(User.name), User.id))
    return render(
        "admin/users.html",
        "admin/_users.html",
        results=page,
        q=q,
        show=show,
        filtered=bool(q or show in USER_FILTERS),
    )


def _field_choices() -> list[tuple[str, str]]:
    return [(slug, field.label) for slug, field in host().fields.items()]


def _roles(form) -> dict:
    return {"is_admin": bool(form.is_admin.data), "is_expert": bool(form.is_expert.data),
            "fields": set(form.fields.data or [])}


def _flags_change(user: User, form) -> bool:
    flags = (bool(form.is_admin.data), bool(form.is_expert.data)) != (user.is_admin, user.is_expert)
    officer = getattr(form, "is_privacy_officer", None)  # the account's page only, not an invitation
    return flags or (officer is not None and bool(officer.data) != user.is_privacy_officer)


SELF_FLAGS_ERROR = _l(
    "You cannot change your own roles: another administrator must do it."
)


@bp.route("/users/invite", methods=["GET", "POST"])
def invite_staff():
    require("users.manage")
    form = StaffInviteForm()
    form.fields.choices = _field_choices()
    if form.validate_on_submit():
        user, created = find_or_invite(form.email.data, form.name.data, form.locale.data)
        if not user.active:
            form.email.errors.append(_("This account is deactivated. Reactivate it on its page first."))
        elif _flags_change(user, form) and not can(current_user, "user.change_flags", user):
            form.is_admin.errors.append(str(SELF_FLAGS_ERROR))
        elif not allow_invitation(current_user.id, user.email):
            form.email.errors.append(str(INVITATION_LIMIT_MESSAGE))
        else:
            if service.invite_staff(user, created, signed_in_user(), **_roles(form)):
                message = _("An invitation was sent to %(email)s.", email=user.email)
            else:
                message = _(
                    "%(email)s already has an account: no invitation was sent, their roles are updated.",
                    email=user.email,
                )
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("admin.user", user_id=user.id), 303)
    return render("admin/invite_staff.html", form=form, status=422 if form.errors else 200)



@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    require("users.manage")
    person = row_or_404(User, user_id)
    access.note_profile(current_user, person)
    form = UserForm(obj=person)
    form.fields.choices = _field_choices()
    if request.method == "GET":
        form.fields.data = sorted(person.field_slugs & set(host().fields))
    if form.validate_on_submit():
        if _flags_change(person, form) and not can(current_user, "user.change_flags", person):
            form.is_admin.errors.append(str(SELF_FLAGS_ERROR))
        else:
            if service.update_user(person, name=form.name.data.strip(), locale=form.locale.data,
                                   is_privacy_officer=bool(form.is_privacy_officer.data), **_roles(form)):
                db.session.commit()
                flash(_("The account of %(name)s is saved.", name=person.name), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("admin.user", user_id=person.id), 303)
    memberships = db.session.scalars(
        db.select(Membership)
        .join(Membership.organization)
        .options(contains_eager(Membership.organization))
        .where(Membership.user_id == person.id)
        .order_by(db.func.lower(Organization.name))
    ).all()
    return render(
        "admin/user.html",
        person=person,
        form=form,
        memberships=memberships,
        status=422 if form.errors else 200,
    )


@bp.post("/users/<id:user_id>/active")
def user_active(user_id: int):
    require("users.manage")
    person = row_or_404(User, user_id)
    active = request.form.get("active")
    if active == "0":
        require("user.deactivate", person)
        service.set_user_active(person, False)
        flash(_("%(name)s is deactivated and signed out.", name=person.name), "success")
    elif active == "1":
        service.set_user_active(person, True)
        flash(_("%(name)s can sign in again.", name=person.name), "success")
    else:
        abort(400)
    db.session.commit()
    return hx_redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<id:user_id>/invitation")
def resend_invitation(user_id: int):
    require("users.manage")
    person = row_or_404(User, user_id)
    require("user.resend_invitation", person)
    if not allow_invitation(current_user.id, person.email):
        flash(str(INVITATION_LIMIT_MESSAGE), "error")
        return hx_redirect(url_for("admin.user", user_id=person.id))
    send_invitation(person, signed_in_user())
    db.session.commit()
    flash(_("The invitation was sent again to %(email)s.", email=person.email), "success")
    return hx_redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<id:user_id>/second-factor/reset")
def reset_second_factor(user_id: int):
    require("users.manage")
    person = row_or_404(User, user_id, "user.reset_second_factor")
    auth_service.reset_second_factor(person, signed_in_user())
    db.session.commit()
    flash(_("The second factor of %(name)s is reset: they are signed out and told by e-mail.", name=person.name), "success")
    return hx_redirect(url_for("admin.user", user_id=person.id))
