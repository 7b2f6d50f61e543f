"""Coop Extranet: the member extranet of a shared-services cooperative."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from extranet.config import UnfitForProduction, build_config, production_problems
from extranet.hookspecs import hookimpl

__all__ = ["create_app", "hookimpl"]

PACKAGE_DIR = Path(__file__).parent


def project_folder(name: str) -> Path:
    """``templates/`` or ``migrations/``: beside the package in a checkout, inside it once
    installed (setup.py maps them there; docs/architecture.md says why)."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def create_app(config: dict | None = None, plugins: tuple = ()) -> Flask:
    """Build an application. ``config`` overrides settings; ``plugins`` registers extra plugin
    objects besides those found through the ``extranet.plugins`` entry points (tests)."""
    instance_path = os.environ.get("EXTRANET_INSTANCE_PATH") or str(Path.cwd() / "instance")
    app = Flask(__name__, instance_path=instance_path, template_folder=project_folder("templates"))
    app.config.update(build_config(Path(app.instance_path)))
    app.config.update(config or {})
    if app.config["PRODUCTION"]:
        problems = production_problems(app.config)
        if problems:
            raise UnfitForProduction(problems)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from extranet import cli, core_plugin, migrating, models, policy, web  # noqa: F401  (models: every table is known)
    from extranet.extensions import (
        configure_sqlite,
        csrf,
        db,
        htmx,
        limiter,
        login_manager,
    )
    from extranet.hours import rollup as hours_rollup
    from extranet.plugins import PluginHost
    from extranet.search import index as search_index
    from extranet.stored_fields.registry import StoredFields
    from extranet.web import ids

    db.init_app(app)
    configure_sqlite(app)
    hours_rollup.init_app(app)
    search_index.init_app(app)
    migrating.init_app(app, db, directory=str(project_folder("migrations")))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)

    host = PluginHost(app)
    app.extensions["extranet.plugins"] = host
    host.load(core=core_plugin, extra=plugins)
    host.serve_stored_fields(StoredFields())
    policy.init_app(app, host)
    from extranet.notifications.service import plugin_kinds

    with app.app_context():
        plugin_kinds()  # a plugin's misnamed or duplicate kind is a start-up error

    app.extensions["extranet.migration_dirs"] = host.migration_directories()
    web.init_babel(app, host)
    ids.init_app(app)  # the id converter, before any rule (the core's or a plugin's) is built
    _register_core_blueprints(app)
    host.mount_blueprints()
    web.init_request_cycle(app, host)
    web.register_error_handlers(app)
    cli.register(app)
    return app


def _register_core_blueprints(app: Flask) -> None:
    from extranet.access.views import bp as access
    from extranet.accounts.views import bp as accounts
    from extranet.admin.period_views import bp as period_end
    from extranet.admin.views import bp as admin
    from extranet.audit.views import bp as audit
    from extranet.auth.views import bp as auth
    from extranet.calendars.views import bp as calendars
    from extranet.dashboard.views import bp as dashboard
    from extranet.documents.views import bp as documents
    from extranet.hours.views import bp as hours
    from extranet.inbound.views import bp as inbound
    from extranet.notifications.views import bp as notifications
    from extranet.organizations.views import bp as organizations
    from extranet.privacy.views import bp as privacy
    from extranet.reports.views import bp as reports
    from extranet.requests.desk_views import bp as desk
    from extranet.requests.list_views import bp as request_list
    from extranet.requests.on_behalf_views import bp as on_behalf
    from extranet.requests.reply_views import bp as replies
    from extranet.requests.views import bp as requests
    from extranet.resources.views import bp as resources
    from extranet.rest.pages import bp as api_tokens
    from extranet.rest.views import bp as api
    from extranet.search.views import bp as search
    from extranet.servicetargets.views import bp as servicetargets
    from extranet.stored_fields.views import bp as fields_admin
    from extranet.stored_fields.views import home_bp as stored_field_home
    from extranet.webhooks.views import bp as webhooks

    for blueprint in (auth, accounts, dashboard, organizations, admin, audit, requests, notifications,
                      resources, documents, hours, reports, access, search, privacy, servicetargets,
                      webhooks, calendars, api_tokens, api, fields_admin, stored_field_home, desk, replies,
                      on_behalf, request_list, inbound, period_end):
        app.register_blueprint(blueprint)
