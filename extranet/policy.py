"""Every permission decision goes through here.

Views and templates ask ``can(user, action, target)``; they never test roles themselves. A
refusal is answered with 404 by ``require``, so that an object one may not see is
indistinguishable from one that does not exist.

The answer comes from the rule registered for the action. Each feature keeps its rules beside
it (``requests/rules.py``, ``documents/rules.py``…) and the core's own plugin hands them over
through ``extranet_register_rules``, as a field plugin hands its own: this module knows no
feature. ``init_app`` builds the registry once per application and checks, at start-up, that
every action the code and templates name in ``can``/``require`` has a rule. The building blocks
that rules share (``membership``, ``is_manager``, ``field_enabled``…) live here too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from flask import Flask, abort, current_app, g, session
from flask_login import current_user

from extranet.contributions import Rule
from extranet.extensions import db
from extranet.organizations.models import Membership, Organization
from extranet.plugins import CORE_PLUGIN, PluginError, PluginHost, host

log = logging.getLogger(__name__)

ORG_SESSION_KEY = "org_id"
RULES_KEY = "extranet.rules"
OWNERS_KEY = "extranet.rule_owners"
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# A string literal as the action of a call to can or require: their second argument in Python
# (after the user), their first in templates and for require. A name built at run time is not
# seen here; can refuses it when no rule answers.
NAMED_ACTION_RE = re.compile(r"""\b(?:can|require)\(\s*(?:[\w.]+\s*,\s*)?["']([a-z][a-z0-9_.]*)["']""")


# -- the registry ------------------------------------------------------------------------------


def init_app(app: Flask, plugins: PluginHost) -> None:
    """Collect every plugin's rules (the core's own included), refuse a broken or duplicate
    one, freeze them, then check the actions named by the code and templates."""
    rules: dict[str, Callable] = {}
    owners: dict[str, str] = {}
    for name, rule in plugins.contributions("extranet_register_rules"):
        if not isinstance(rule, Rule) or not callable(rule.check):
            raise PluginError(f"Plugin {name!r} returned {rule!r}, not a Rule with a check.")
        if not ACTION_RE.match(rule.action):
            raise PluginError(f"Plugin {name!r}: action {rule.action!r} is not named like 'thing.verb'.")
        if name != CORE_PLUGIN and not rule.action.startswith(name + "."):
            raise PluginError(f"Plugin {name!r}: action {rule.action!r} must start with '{name}.'.")
        if rule.action in rules:
            raise PluginError(f"Plugin {name!r} registers the action {rule.action!r}, which already has a rule.")
        rules[rule.action] = rule.check
        if name != CORE_PLUGIN:
            owners[rule.action] = name
    app.extensions[RULES_KEY] = MappingProxyType(rules)
    app.extensions[OWNERS_KEY] = MappingProxyType(owners)
    package = Path(__file__).parent
    templates = Path(app.root_path, app.template_folder or "templates")
    core = [package] if templates.is_relative_to(package) else [package, templates]
    for source in core + plugins.plugin_sources():
        for path, action in named_actions(source):
            if action not in rules:
                raise PluginError(f"{path} names the action {action!r}, which no rule answers.")


def named_actions(source: Path) -> Iterable[tuple[Path, str]]:
    """(file, action) for each action named literally in ``can``/``require`` in ``source``: a
    Python module or template, or a folder of them."""
    files = [source] if source.is_file() else sorted(
        p for pattern in ("*.py", "*.html") for p in source.rglob(pattern) if "migrations" not in p.parts
    )
    for path in files:
        for action in _actions_in(path, path.stat().st_mtime_ns):
            yield path, action


@lru_cache(maxsize=4096)
def _actions_in(path: Path, mtime_ns: int) -> tuple[str, ...]:
    # Keyed by the modification time: an application built again (tests) reads no file twice.
    return tuple(NAMED_ACTION_RE.findall(path.read_text(encoding="utf-8")))


def actions() -> MappingProxyType:
    """Every known action and its rule."""
    return current_app.extensions[RULES_KEY]


def can(user, action: str, target=None) -> bool:
    """Whether ``user`` may do ``action`` (on ``target``). An action no rule answers is refused
    (and logged): the start-up check catches the ones named in the code."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    rule = current_app.extensions[RULES_KEY].get(action)
    if rule is None:
        log.error("no rule answers the action %r: refused", action)
        return False
    owner = current_app.extensions[OWNERS_KEY].get(action)
    if owner is not None and not host().is_enabled(owner):
        return False  # a plugin's permissions go with its module, whatever its rule says
    return bool(rule(user, target))


def require(action: str, target=None) -> None:
    """Abort with 404 unless the current user may do ``action``."""
    if not can(current_user, action, target):
        abort(404)


# -- building blocks of the rules --------------------------------------------------------------


def is_admin(user, target=None) -> bool:
    return user.is_admin


def membership(user, org: Organization | None) -> Membership | None:
    """The user's active membership of ``org`` (None when the organization is inactive)."""
    if org is None or not org.active:
        return None
    for found in user.memberships:
        if found.organization_id == org.id and found.active:
            return found
    return None


def is_manager(user, org: Organization | None) -> bool:
    """Whether the user manages ``org`` (admins are not managers by this test)."""
    found = membership(user, org)
    return found is not None and found.role == "manager"


def field_enabled(slug: str) -> bool:
    """Whether the admin has the field's module on."""
    return host().is_enabled(slug)


# -- the current organization ------------------------------------------------------------------


def switchable_organizations(user) -> list[Organization]:
    """The organizations a user works for, in the header switcher."""
    if not user.is_authenticated:
        return []
    orgs = [m.organization for m in user.memberships if m.active and m.organization.active]
    return sorted(orgs, key=lambda o: o.name.casefold())


def current_organization() -> Organization | None:
    """The organization chosen in the header, kept in the session; None for staff without one.

    Every organization-scoped query is filtered by it, so it is re-validated on each request:
    a membership ended elsewhere takes effect at once."""
    if "current_org" in g:
        return g.current_org
    org = None
    if current_user.is_authenticated:
        choices = switchable_organizations(current_user)
        wanted = session.get(ORG_SESSION_KEY)
        org = next((o for o in choices if o.id == wanted), choices[0] if choices else None)
    g.current_org = org
    return org


def choose_organization(org_id: int) -> Organization | None:
    org = db.session.get(Organization, org_id)
    if org is None or org not in switchable_organizations(current_user):
        return None
    session[ORG_SESSION_KEY] = org.id
    g.pop("current_org", None)
    return org
