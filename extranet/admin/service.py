"""What administrators change: modules, organizations and their subscriptions, staff accounts.

Each function makes the change and writes its audit record; the caller (a page or a command)
commits, so that the change and its record are saved together or not at all."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from extranet.accounts.models import ExpertField, User
from extranet.accounts.service import send_invitation
from extranet.audit.service import record
from extranet.auth.sessions import end_all_sessions
from extranet.extensions import db
from extranet.modules import PLUGIN_SETTINGS, set_module_setting
from extranet.organizations.models import Organization, Subscription
from extranet.plugins import host


class NameTaken(ValueError):
    """Another organization has this name (perhaps saved a moment ago by someone else)."""


def set_module_enabled(slug: str, enabled: bool, **details) -> None:
    """Turn a module on or off for everyone; raises ``KeyError`` for an unknown module."""
    host().set_enabled(slug, enabled)
    record("admin.module_enabled" if enabled else "admin.module_disabled", target=f"module:{slug}", **details)


def save_module_settings(slug: str, values: dict) -> None:
    """Keep what an admin chose in the module's settings form, with its audit record."""
    set_module_setting(slug, PLUGIN_SETTINGS, values)
    record("admin.module_settings", target=f"module:{slug}", **values)


# -- organizations ---------------------------------------------------------------------------

_ORGANIZATION_ATTRS = ("name", "kind", "parent_id", "share_with_federation", "locale")


def save_organization(org: Organization | None, *, name: str, kind: str, parent_id: int | None,
                      share_with_federation: bool, locale: str) -> Organization:
    """Create an organization (``org`` None) or change one. A federation's share only makes
    sense with a parent. Raises ``NameTaken``."""
    created = org is None
    org = org or Organization()
    before = {attr: getattr(org, attr) for attr in _ORGANIZATION_ATTRS}
    try:
        # Changed inside the savepoint, so that a refused name leaves the transaction usable.
        with db.session.begin_nested():
            org.name, org.kind, org.parent_id, org.locale = name, kind, parent_id or None, locale
            org.share_with_federation = share_with_federation and org.parent_id is not None
            db.session.add(org)
            db.session.flush()
    except IntegrityError as exc:
        raise NameTaken from exc
    if created:
        record("organizations.created", target=org, organization=org, name=org.name, kind=org.kind)
    else:
        changes = {attr: getattr(org, attr) for attr, value in before.items() if getattr(org, attr) != value}
        record("organizations.updated", target=org, organization=org, **changes)
    return org


def set_subscriptions(org: Organization, wanted: set[str]) -> dict[str, bool]:
    """Subscribe the organization to exactly ``wanted`` among the registered fields; returns
    what changed (field: subscribed)."""
    rows = {s.field: s for s in org.subscriptions}
    changed = {}
    for slug in host().fields:
        row = rows.get(slug)
        if row is None and slug in wanted:
            org.subscriptions.append(Subscription(field=slug, active=True))
            changed[slug] = True
        elif row is not None and row.active != (slug in wanted):
            row.active = slug in wanted
            changed[slug] = row.active
    if changed:
        record("organizations.subscriptions_changed", target=org, organization=org, **changed)
    return changed


def subscribe_many(slug: str, organizations: list[Organization]) -> list[tuple[Organization, bool]]:
    """Subscribe each organization to the field (its other subscriptions kept): (organization,
    whether it was subscribed now) for each, False when it was already."""
    outcomes = []
    for org in organizations:
        wanted = {s.field for s in org.subscriptions if s.active} | {slug}
        outcomes.append((org, bool(set_subscriptions(org, wanted))))
    return outcomes


def set_organization_active(org: Organization, active: bool) -> None:
    org.active = active
    record("organizations.reactivated" if active else "organizations.deactivated", target=org, organization=org)


# -- staff accounts --------------------------------------------------------------------------


def _set_expert_fields(user: User, slugs: set[str]) -> None:
    """Make ``user`` serve exactly ``slugs`` among the registered fields (others are kept)."""
    registered = set(host().fields)
    for row in list(user.expert_fields):
        if row.field in registered and row.field not in slugs:
            user.expert_fields.remove(row)
    have = user.field_slugs
    for slug in sorted(slugs & registered - have):
        user.expert_fields.append(ExpertField(field=slug))


def give_field(slug: str, experts: list[User]) -> list[bool]:
    """Each expert serves the field too (their other fields kept): whether each changed."""
    changed = []
    for user in experts:
        before = user.field_slugs
        _set_expert_fields(user, before | {slug})
        changed.append(user.field_slugs != before)
        if changed[-1]:
            record("users.updated", target=user, fields=sorted(user.field_slugs))
    return changed


def _set_roles(user: User, is_admin: bool, is_expert: bool, fields: set[str]) -> dict:
    """Set the staff flags and the fields served (none unless an expert); what changed."""
    before = (user.is_admin, user.is_expert, user.field_slugs)
    user.is_admin, user.is_expert = is_admin, is_expert
    _set_expert_fields(user, fields if is_expert else set())
    if (user.is_admin, user.is_expert, user.field_slugs) == before:
        return {}
    return {"is_admin": user.is_admin, "is_expert": user.is_expert, "fields": sorted(user.field_slugs)}


def invite_staff(user: User, created: bool, inviter: User, *, is_admin: bool, is_expert: bool,
                 fields: set[str]) -> bool:
    """Give an account its staff roles and, while it has no password yet, an invitation;
    whether one was sent (an account in use only gets its roles)."""
    changes = _set_roles(user, is_admin, is_expert, fields)
    if user.invitation_pending:
        record("users.staff_invited", target=user, created=created, **changes)
        send_invitation(user, inviter)
        return True
    if changes:
        record("users.updated", target=user, **changes)
    return False


def update_user(user: User, *, name: str, locale: str, is_admin: bool, is_expert: bool, fields: set[str],
                is_privacy_officer: bool | None = None) -> dict:
    """Change an account's name, language, staff roles and privacy officer flag (None: left as
    it is); what changed (nothing recorded when nothing did)."""
    changes = {}
    if (name, locale) != (user.name, user.locale):
        user.name, user.locale = name, locale
        changes.update(name=name, locale=locale)
    changes.update(_set_roles(user, is_admin, is_expert, fields))
    if is_privacy_officer is not None and is_privacy_officer != user.is_privacy_officer:
        user.is_privacy_officer = is_privacy_officer
        changes["is_privacy_officer"] = is_privacy_officer
    if changes:
        record("users.updated", target=user, **changes)
    return changes


def set_user_active(user: User, active: bool) -> None:
    """Deactivate (and sign out everywhere) or reactivate an account."""
    user.active = active
    if not active:
        end_all_sessions(user)
    record("users.reactivated" if active else "users.deactivated", target=user)
