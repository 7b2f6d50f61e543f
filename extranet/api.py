"""The public plugin API: the only core module a plugin imports.

Everything a field plugin needs is re-exported here, so that the core can reorganise its
internals without breaking plugins.
"""

from __future__ import annotations

import pluggy
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from extranet.contributions import Field, Widget
from extranet.extensions import db
from extranet.hookspecs import PROJECT
from extranet.policy import can, current_organization, require
from extranet.web.htmx import hx_redirect, render

hookimpl = pluggy.HookimplMarker(PROJECT)


class BaseForm(FlaskForm):
    """Base class for plugin forms: CSRF-protected, translated error messages."""


__all__ = [
    "BaseForm",
    "Field",
    "Widget",
    "can",
    "current_organization",
    "current_user",
    "db",
    "hookimpl",
    "hx_redirect",
    "login_required",
    "render",
    "require",
]
