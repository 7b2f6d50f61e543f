"""The plugin contract: every hook a plugin may implement (pluggy project "extranet").

Startup hooks run once per application, in ``create_app``; per-request hooks run only for
enabled modules. Each spec says when it is called. See docs/plugins.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from flask import Blueprint, Flask

    from extranet.accounts.models import User
    from extranet.contributions import (
        DocumentCategory,
        ExpertiseField,
        NotificationKind,
        Panel,
        PluginModule,
        RequestType,
        Rule,
        Transition,
        WebhookEvent,
        Widget,
        Workflow,
    )
    from extranet.documents.models import Document
    from extranet.hours.models import TimeEntry
    from extranet.organizations.models import Organization
    from extranet.requests.models import ServiceRequest

PROJECT = "extranet"
hookspec = pluggy.HookspecMarker(PROJECT)
# What plugins mark their implementations with (``extranet.api.hookimpl``).
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec(historic=True)
def extranet_init_app(app: Flask) -> None:
    """Called once while the application is created, after the core is configured and before
    blueprints are mounted. Historic: a plugin registered later is called too."""


@hookspec
def extranet_register_fields(app: Flask) -> list[ExpertiseField]:
    """Called at startup. Return the expertise fields this plugin provides; a field plugin
    returns exactly one, whose slug is the plugin's entry-point name."""


@hookspec
def extranet_register_modules(app: Flask) -> list[PluginModule]:
    """Called at startup, by a plugin that is not an expertise field (an integration, a
    report): return a list with the one ``PluginModule`` that describes it, named after the
    plugin. Such a plugin registers no field; admins list, enable and set it up like a field."""


@hookspec
def extranet_register_request_types(app: Flask) -> list[RequestType]:
    """Called at startup. Return the request types of the plugin's field, each with its form
    and the slug of the workflow it follows."""


@hookspec
def extranet_register_workflows(app: Flask) -> list[Workflow]:
    """Called at startup. Return workflows (states and transitions). A plugin's workflow slugs
    are its name or start with ``<name>_``; the core registers ``standard``."""


@hookspec
def extranet_register_rules(app: Flask) -> list[Rule]:
    """Called at startup. Return the policy's rules for the actions this plugin adds (named
    ``<slug>.<what>``); ``can(user, action, target)`` then asks them. An action registered twice,
    or named in ``can``/``require`` by the code or templates with no rule, is a start-up error."""


@hookspec
def extranet_register_blueprints(app: Flask) -> list[Blueprint]:
    """Called at startup. Return blueprints; each is mounted at ``/<slug>`` and must be named
    after the plugin. Its routes answer 404 while the module is disabled."""


@hookspec
def extranet_dashboard_widgets(user: User, organization: Organization | None) -> list[Widget]:
    """Called on every dashboard view, for enabled modules only. Return widgets; each is a
    fragment the dashboard loads lazily from the widget's URL."""


@hookspec
def extranet_page_panels(page: str, user: User, target: Any) -> list[Panel]:
    """Called when the core renders a page with a panel slot, for enabled modules only:
    ``page`` is ``"request"`` (``target``: the ServiceRequest), ``"dashboard"`` (the viewer's
    current Organization, or None for staff without one), ``"organization"`` (the Organization)
    or ``"documents"`` (the document space, ``(organization, field slug)``).
    Return panels; the page loads each lazily from its URL. The core asks only once the viewer
    may see the page's target, never asks a field plugin about another field's request or
    space, nor about an organization not subscribed to it (on the dashboard: about a field the
    viewer does not use there), and shows a panel only if the viewer passes its ``action``
    (when it has one) on ``target``. The panel's route checks again."""


@hookspec
def extranet_authorize_transition(user: User, service_request: ServiceRequest, transition: Transition) -> bool | None:
    """Called before a transition is offered or applied, for enabled modules. Return False to
    deny, None to abstain; any False denies. (``service_request``, not ``request``: the name
    would hide Flask's ``request`` in the implementation.)"""


@hookspec
def extranet_request_created(service_request: ServiceRequest, user: User) -> None:
    """Called after a new request is committed. A failing listener is logged and never breaks
    the user's action."""


@hookspec
def extranet_request_transitioned(service_request: ServiceRequest, transition: Transition, user: User) -> None:
    """Called after a transition is committed. A failing listener is logged and never breaks
    the user's action."""


@hookspec
def extranet_register_document_categories(app: Flask) -> list[DocumentCategory]:
    """Called at startup. Return the document categories of the plugin's own field (each
    restricts the accepted types and size of the uploads filed under it)."""


@hookspec
def extranet_document_uploaded(document: Document, user: User) -> None:
    """Called after an upload is committed (a new document, or a new version of one), for
    enabled modules. A failing listener is logged and never breaks the user's action."""


@hookspec
def extranet_time_logged(entry: TimeEntry) -> None:
    """Called after a new time entry is committed (an expert logged time on a request), for
    enabled modules. A failing listener is logged and never breaks the user's action."""


@hookspec
def extranet_register_webhook_events(app: Flask) -> list[WebhookEvent]:
    """Called at startup. Return the webhook events this plugin emits (named ``<slug>.<what>``),
    which admins may then subscribe URLs to. Emit one with ``extranet.api.emit_webhook`` in the
    transaction of the change it reports: it is delivered once that change is committed, and
    never when it is rolled back."""


@hookspec
def extranet_register_notification_kinds(app: Flask) -> list[NotificationKind]:
    """Called at startup. Return the kinds of notification this plugin sends about requests
    (named ``<slug>_<what>``); each gets a line on everyone's e-mail preferences. Send one with
    ``extranet.api.notify_request`` in the transaction of the change it reports."""


@hookspec
def extranet_demo_data(organizations: list[Organization], experts: list[User]) -> None:
    """Called by ``flask demo`` after the core's demo data, for enabled modules, in the demo's
    transaction (committed after it): add the plugin's own demo rows for these member
    organizations and experts. The demo is loaded again at every ``make run``: add only what is
    not there yet."""
