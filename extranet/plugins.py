"""The plugin host: discovery, the frozen registry of contributions, and module gating.

One ``PluginHost`` per application (never a global manager built at import time). Field
plugins are *modules* that an admin may disable at run time: the switch is a filter applied on
every request, not an unregister, so no restart is needed and no data goes away.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType, ModuleType

import pluggy
from flask import Blueprint, Flask, abort, current_app, g, request
from sqlalchemy import Integer, cast, literal, select, union_all

import extranet.hookspecs as hookspecs
from extranet.contributions import (
    ROLES,
    DocumentCategory,
    ExpertiseField,
    PluginModule,
    RequestType,
    Workflow,
)
from extranet.extensions import db
from extranet.modules import Module

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "extranet.plugins"
CORE_PLUGIN = "core"
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class PluginError(RuntimeError):
    """A plugin breaks the contract; raised at startup with a message that names it."""


class PluginHost:
    def __init__(self, app: Flask):
        self.app = app
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._plugin_fields: MappingProxyType[str, ExpertiseField] = MappingProxyType({})
        self._plugin_types: MappingProxyType[tuple[str, str], RequestType] = MappingProxyType({})
        # Plugin fields and stored ones together, swapped as one tuple when stored ones change.
        self._served: tuple = (self._plugin_fields, self._plugin_types)
        self._stored_revisions: tuple | None = None
        self._stored_source = None
        self._stored_lock = threading.Lock()
        self.workflows: MappingProxyType[str, Workflow] = MappingProxyType({})
        self.core_workflows: tuple[str, ...] = ()
        self.document_categories: MappingProxyType[tuple[str, str], DocumentCategory] = MappingProxyType({})
        self.versions: dict[str, str] = {}
        # Plugins that are not fields (an integration, a report): modules all the same.
        self.other_modules: MappingProxyType[str, PluginModule] = MappingProxyType({})

    # -- loading ---------------------------------------------------------------------------

    def load(self, core, extra: tuple = ()) -> None:
        """Register ``core`` (the core's own contributions, given by ``create_app`` as pytest
        gives its essential plugins: the host itself knows no feature), the installed plugins,
        then ``extra`` ones (tests)."""
        self.pm.register(core, name=CORE_PLUGIN)
        for name in self.app.config["BLOCKED_PLUGINS"]:
            self.pm.set_blocked(name)
        names = [ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)]
        twins = sorted({name for name in names if names.count(name) > 1})
        if twins:
            # pluggy would silently keep the first one; an operator must choose.
            raise PluginError(f"Two installed distributions provide the plugin {twins[0]!r}.")
        try:
            self.pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
            for plugin in extra:
                name = getattr(plugin, "SLUG", None)
                if name is not None and self.pm.has_plugin(name):
                    raise PluginError(f"A plugin named {name!r} is registered twice.")
                self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            # An unknown hook, or an argument its spec does not name (a renamed one included).
            raise PluginError(f"A plugin breaks the hook contract: {exc}") from exc
        for dist_plugin, dist in self.pm.list_plugin_distinfo():
            self.versions[self.pm.get_name(dist_plugin)] = dist.version
        self.pm.hook.extranet_init_app.call_historic(kwargs={"app": self.app})
        self._collect_fields()
        self._collect_workflows()
        self._collect_request_types()
        self._collect_document_categories()

    def contributions(self, hook: str):
        """(plugin name, item) for every item each plugin returns from a startup hook."""
        for plugin in self.plugins():
            caller = self.pm.subset_hook_caller(hook, remove_plugins=self._others(plugin))
            for item in _flatten(caller(app=self.app)):
                yield self.pm.get_name(plugin), item

    def _collect_workflows(self) -> None:
        workflows: dict[str, Workflow] = {}
        for name, workflow in self.contributions("extranet_register_workflows"):
            if name != CORE_PLUGIN and workflow.slug != name and not workflow.slug.startswith(name + "_"):
                raise PluginError(f"Plugin {name!r}: workflow {workflow.slug!r} must be named {name!r} or start with '{name}_'.")
            if workflow.slug in workflows:
                raise PluginError(f"Two plugins register the workflow {workflow.slug!r}.")
            _check_workflow(workflow)
            workflows[workflow.slug] = workflow
        self.workflows = MappingProxyType(workflows)
        self.core_workflows = tuple(w.slug for name, w in self.contributions("extranet_register_workflows") if name == CORE_PLUGIN)

    def _collect_request_types(self) -> None:
        types: dict[tuple[str, str], RequestType] = {}
        for name, rtype in self.contributions("extranet_register_request_types"):
            if rtype.field != name or rtype.field not in self._plugin_fields:
                raise PluginError(f"Plugin {name!r}: request type {rtype.slug!r} names the unknown field {rtype.field!r}.")
            if rtype.workflow not in self.workflows:
                raise PluginError(f"Plugin {name!r}: request type {rtype.slug!r} uses the unknown workflow {rtype.workflow!r}.")
            if rtype.confidentiality not in {"standard", "restricted"}:
                raise PluginError(f"Plugin {name!r}: request type {rtype.slug!r} has confidentiality {rtype.confidentiality!r}.")
            if (rtype.field, rtype.slug) in types:
                raise PluginError(f"Plugin {name!r} registers the request type {rtype.slug!r} twice.")
            types[(rtype.field, rtype.slug)] = rtype
        ordered = sorted(types.items(), key=lambda kv: (self._plugin_fields[kv[0][0]].order, kv[1].order))
        self._plugin_types = MappingProxyType(dict(ordered))
        self._served = (self._plugin_fields, self._plugin_types)

    # -- fields stored in the database (created by admins in the browser) -------------------

    @property
    def fields(self) -> MappingProxyType[str, ExpertiseField]:
        """Every field, the plugins' and the stored ones, in their order."""
        return self._served[0]

    @property
    def request_types(self) -> MappingProxyType[tuple[str, str], RequestType]:
        return self._served[1]

    def serve_stored_fields(self, source) -> None:
        """Serve the fields of ``source`` (``revisions()`` and ``load()``) beside the plugins'."""
        self._stored_source = source

    def refresh_stored(self) -> None:
        """Load the stored fields again if any changed since this process loaded them (one
        query): called before every request, so a field an admin creates or edits is served
        by every process at its next request, without a restart."""
        if self._stored_source is None:
            return
        self._serve_revisions(self._stored_source.revisions())

    def _serve_revisions(self, revisions: tuple) -> None:
        if revisions == self._stored_revisions:
            return
        with self._stored_lock:
            fields, types = self._stored_source.load()
            merged = dict(self._plugin_fields)
            for field in fields:
                if field.slug in merged:  # never shadow a plugin (the admin form refuses it too)
                    log.error("stored field %r has the slug of a plugin: not served", field.slug)
                    continue
                merged[field.slug] = field
            all_types = dict(self._plugin_types)
            for rtype in types:
                if rtype.field in merged and merged[rtype.field].stored and rtype.workflow in self.workflows:
                    all_types[(rtype.field, rtype.slug)] = rtype
            ordered_fields = dict(sorted(merged.items(), key=lambda kv: kv[1].order))
            ordered_types = sorted(all_types.items(), key=lambda kv: (ordered_fields[kv[0][0]].order, kv[1].order))
            self._served = (MappingProxyType(ordered_fields), MappingProxyType(dict(ordered_types)))
            self._stored_revisions = revisions

    def _collect_document_categories(self) -> None:
        categories: dict[tuple[str, str], DocumentCategory] = {}
        for name, category in self.contributions("extranet_register_document_categories"):
            if category.field != name or category.field not in self.fields:
                raise PluginError(f"Plugin {name!r}: document category {category.slug!r} names the field {category.field!r}, not its own.")
            if not SLUG_RE.match(category.slug):
                raise PluginError(f"Plugin {name!r}: document category slug {category.slug!r} is not a valid identifier.")
            if category.max_size is not None and category.max_size <= 0:
                raise PluginError(f"Plugin {name!r}: document category {category.slug!r} has a max_size that is not positive.")
            if (category.field, category.slug) in categories:
                raise PluginError(f"Plugin {name!r} registers the document category {category.slug!r} twice.")
            categories[(category.field, category.slug)] = category
        self.document_categories = MappingProxyType(categories)

    def categories_of(self, field: str) -> list[DocumentCategory]:
        return [c for (f, _slug), c in self.document_categories.items() if f == field]

    def field_label(self, slug: str) -> str:
        """The field's name in the reader's language; the slug of a field no longer installed."""
        field = self.fields.get(slug)
        return str(field.label) if field else slug

    def types_of(self, field: str) -> list[RequestType]:
        return [t for (f, _slug), t in self.request_types.items() if f == field]

    def _collect_fields(self) -> None:
        contributed: dict[str, list[ExpertiseField]] = {self.pm.get_name(p): [] for p in self.plugins()}
        for name, field in self.contributions("extranet_register_fields"):
            contributed[name].append(field)
        if contributed.pop(CORE_PLUGIN):
            raise PluginError("The core plugin may not register fields.")
        others = self._collect_other_modules()
        fields: dict[str, ExpertiseField] = {}
        for name, items in contributed.items():
            if name in others and not items:
                continue
            if name in others:
                raise PluginError(f"Plugin {name!r} registers a field and a module: a field is its module already.")
            if len(items) != 1:
                raise PluginError(f"Plugin {name!r} must register exactly one field, got {len(items)}.")
            field = items[0]
            if not SLUG_RE.match(field.slug):
                raise PluginError(f"Field slug {field.slug!r} is not a valid identifier.")
            if field.slug != name:
                raise PluginError(
                    f"Plugin {name!r} registers field {field.slug!r}: the entry-point name and "
                    "the field slug must be the same."
                )
            fields[field.slug] = field
        self._plugin_fields = MappingProxyType(dict(sorted(fields.items(), key=lambda kv: kv[1].order)))

    def _collect_other_modules(self) -> dict[str, PluginModule]:
        others: dict[str, PluginModule] = {}
        for name, module in self.contributions("extranet_register_modules"):
            if not isinstance(module, PluginModule) or module.slug != name or name in others or not SLUG_RE.match(name):
                raise PluginError(f"Plugin {name!r} must return one PluginModule named {name!r}.")
            others[name] = module
        self.other_modules = MappingProxyType(dict(sorted(others.items(), key=lambda kv: kv[1].order)))
        return others

    @property
    def modules(self) -> dict:
        """Everything an admin toggles: every field, then the modules that are not fields."""
        return {**self.fields, **self.other_modules}

    def _plugin_files(self) -> list[Path]:
        """The file of each plugin's module (of its class's module for a plugin object), the
        core's and those without a file left out."""
        files = []
        for plugin in self.plugins():
            if self.pm.get_name(plugin) == CORE_PLUGIN:
                continue
            module = plugin if isinstance(plugin, ModuleType) else sys.modules[type(plugin).__module__]
            if getattr(module, "__file__", None):
                files.append(Path(module.__file__))
        return files

    def plugin_directories(self) -> list[Path]:
        """The package folder of each plugin (for its translations and migrations)."""
        return [path.parent for path in self._plugin_files()]

    def plugin_sources(self) -> list[Path]:
        """Where each plugin's code and templates are: its package's folder, or the file of a
        plugin that is a single module (the start-up check of the actions it names reads them)."""
        return [path.parent if path.name == "__init__.py" else path for path in self._plugin_files()]

    def migration_directories(self) -> list[str]:
        """Each plugin's ``migrations`` folder: its own Alembic branch."""
        return [str(d / "migrations") for d in self.plugin_directories() if (d / "migrations").is_dir()]

    def mount_blueprints(self) -> None:
        for name, bp in self.contributions("extranet_register_blueprints"):
            if not isinstance(bp, Blueprint):
                raise PluginError(f"Plugin {name!r} returned {bp!r}, not a Blueprint.")
            if bp.name != name:
                raise PluginError(f"Plugin {name!r} returned blueprint {bp.name!r}: it must be named {name!r}.")
            self.app.register_blueprint(bp, url_prefix=f"/{name}")

    def plugins(self) -> list:
        return [p for p in self.pm.get_plugins() if self.pm.get_name(p) is not None]

    def _others(self, plugin) -> list:
        return [p for p in self.pm.get_plugins() if p is not plugin]

    # -- modules (per request) -------------------------------------------------------------

    def _read_modules(self) -> None:
        """Once per request, in one query: the stored fields' revisions (served anew if they
        changed) and every module's state, so that serving stored fields costs no query."""
        if self._stored_source is None:
            self.module_states()
            return
        modules = select(Module.slug, cast(Module.enabled, Integer), literal("module"))
        stored = self._stored_source.revisions_query().add_columns(literal("stored"))
        rows = db.session.execute(union_all(modules, stored)).all()
        self._serve_revisions(tuple(sorted((slug, value) for slug, value, kind in rows if kind == "stored")))
        states = {slug: bool(value) for slug, value, kind in rows if kind == "module"}
        g.module_states = {slug: states.get(slug, self.enabled_by_default(slug)) for slug in self.modules}

    def module_states(self) -> dict[str, bool]:
        """Enabled state of every field module, read once per request from the database."""
        if "module_states" not in g:
            rows = dict(db.session.execute(db.select(Module.slug, Module.enabled)).all())
            g.module_states = {slug: rows.get(slug, self.enabled_by_default(slug)) for slug in self.modules}
        return g.module_states

    def enabled_by_default(self, slug: str) -> bool:
        """The state of a module no admin has switched yet: on for the fields created here and
        the plugins shipped with the product, off for a plugin installed later with pip, so
        that installing code never opens a service to members before an admin decides to."""
        field = self.fields.get(slug)
        if field is not None and field.stored:
            return True
        shipped = self.app.config.get("SHIPPED_PLUGINS", ())
        return "*" in shipped or slug in shipped

    def enabled_fields(self) -> list[ExpertiseField]:
        states = self.module_states()
        return [f for slug, f in self.fields.items() if states.get(slug, False)]

    def is_enabled(self, slug: str) -> bool:
        return self.module_states().get(slug, False)

    def after_commit(self, hook: str, **kwargs) -> None:
        """Tell the listeners of ``hook`` what was just committed. A failing listener is logged,
        never raised: what the person did is saved, and they are told so."""
        try:
            self.hook(hook)(**kwargs)
        except Exception:
            log.exception("listener %s failed", hook)

    def hook(self, name: str):
        """A caller for ``name`` that skips the hooks of disabled modules."""
        states = self.module_states()
        disabled = [
            self.pm.get_plugin(slug) for slug, enabled in states.items() if not enabled
        ]
        return self.pm.subset_hook_caller(name, remove_plugins=[p for p in disabled if p])

    def set_enabled(self, slug: str, enabled: bool) -> None:
        if slug not in self.modules:
            raise KeyError(slug)
        module = db.session.get(Module, slug) or Module(slug=slug, settings={})
        module.enabled = enabled
        db.session.add(module)
        g.pop("module_states", None)

    def gate_request(self) -> None:
        """404 for the routes of a disabled module, before its view runs."""
        if request.endpoint != "static":
            self._read_modules()
        blueprint = (request.blueprint or "").split(".")[0]
        if (blueprint in self.fields or blueprint in self.other_modules) and not self.is_enabled(blueprint):
            abort(404)


def _check_workflow(workflow: Workflow) -> None:
    states = {s.slug for s in workflow.states}
    if len(states) != len(workflow.states):
        raise PluginError(f"Workflow {workflow.slug!r} declares a state twice.")
    if workflow.initial not in states:
        raise PluginError(f"Workflow {workflow.slug!r}: unknown initial state {workflow.initial!r}.")
    slugs = [t.slug for t in workflow.transitions]
    if len(set(slugs)) != len(slugs):
        raise PluginError(f"Workflow {workflow.slug!r} declares a transition twice.")
    for t in workflow.transitions:
        unknown = ({t.target, *t.sources} - states)
        if unknown:
            raise PluginError(f"Workflow {workflow.slug!r}, transition {t.slug!r}: unknown state {sorted(unknown)[0]!r}.")
        bad_roles = set(t.roles) - set(ROLES)
        if bad_roles or not t.roles:
            raise PluginError(f"Workflow {workflow.slug!r}, transition {t.slug!r}: roles must be among {ROLES}.")


def _flatten(results: list) -> list:
    return [item for result in results for item in (result or [])]


def host() -> PluginHost:
    return current_app.extensions["extranet.plugins"]
