"""The core's own contributions, registered through the same hooks as any plugin."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from extranet.api import Widget, hookimpl


@hookimpl
def extranet_dashboard_widgets(user, organization):
    if organization is None:
        return []
    return [
        Widget(
            slug="organization",
            title=_l("My organization"),
            url=url_for("dashboard.organization_widget"),
            order=0,
        )
    ]


@hookimpl
def extranet_register_workflows(app):
    from extranet.requests.standard import STANDARD

    return [STANDARD]
