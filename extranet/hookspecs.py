"""The plugin contract: every hook a plugin may implement (pluggy project "extranet").

Startup hooks run once per application, in ``create_app``; per-request hooks run only for
enabled modules. Each spec says when it is called. See docs/plugins.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from flask import Blueprint, Flask

    from extranet.accounts.models import User
    from extranet.contributions import Field, Widget
    from extranet.organizations.models import Organization

PROJECT = "extranet"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec(historic=True)
def extranet_init_app(app: Flask) -> None:
    """Called once while the application is created, after the core is configured and before
    blueprints are mounted. Historic: a plugin registered later is called too."""


@hookspec
def extranet_register_fields(app: Flask) -> list[Field]:
    """Called at startup. Return the expertise fields this plugin provides; a field plugin
    returns exactly one, whose slug is the plugin's entry-point name."""


@hookspec
def extranet_register_blueprints(app: Flask) -> list[Blueprint]:
    """Called at startup. Return blueprints; each is mounted at ``/<slug>`` and must be named
    after the plugin. Its routes answer 404 while the module is disabled."""


@hookspec
def extranet_dashboard_widgets(user: User, organization: Organization | None) -> list[Widget]:
    """Called on every dashboard view, for enabled modules only. Return widgets; each is a
    fragment the dashboard loads lazily from the widget's URL."""
