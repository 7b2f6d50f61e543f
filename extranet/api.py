"""The public plugin API: the only core module a plugin imports.

Everything a field plugin needs is re-exported here, so that the core can reorganise its
internals without breaking plugins.
"""

from __future__ import annotations

from flask_login import current_user, login_required

from extranet.contributions import (
    ROLES,
    DocumentCategory,
    ExpertiseField,
    NotificationKind,
    Panel,
    PluginModule,
    RequestType,
    Rule,
    State,
    Transition,
    WebhookEvent,
    Widget,
    Workflow,
)
from extranet.extensions import db
from extranet.field_pages import FieldHooks, field_blueprint, field_home, field_hooks
from extranet.hookspecs import hookimpl
from extranet.modules import plugin_settings
from extranet.notifications.service import notify_request
from extranet.policy import can, current_organization, require
from extranet.requests.core_workflows import SECOND_REVIEW
from extranet.requests.forms import CommentForm, ReasonForm, RequestForm
from extranet.requests.models import ServiceRequest
from extranet.requests.rules import request_scope, visible_requests
from extranet.requests.standard import STANDARD
from extranet.web.forms import BaseForm, DateField, DecimalField, IdField, IntegerField
from extranet.web.htmx import hx_redirect, render
from extranet.webhooks.events import emit as emit_webhook
from extranet.webhooks.events import request_data as webhook_request_data

# The name plugins written before the rename import; it stays so that they keep working.
Field = ExpertiseField

__all__ = [
    "ROLES",
    "SECOND_REVIEW",
    "STANDARD",
    "BaseForm",
    "CommentForm",
    "DateField",
    "DecimalField",
    "DocumentCategory",
    "ExpertiseField",
    "Field",
    "FieldHooks",
    "IdField",
    "IntegerField",
    "NotificationKind",
    "Panel",
    "PluginModule",
    "ReasonForm",
    "RequestForm",
    "RequestType",
    "Rule",
    "ServiceRequest",
    "State",
    "Transition",
    "WebhookEvent",
    "Widget",
    "Workflow",
    "can",
    "current_organization",
    "emit_webhook",
    "current_user",
    "webhook_request_data",
    "db",
    "field_blueprint",
    "field_home",
    "field_hooks",
    "hookimpl",
    "hx_redirect",
    "login_required",
    "notify_request",
    "plugin_settings",
    "render",
    "request_scope",
    "require",
    "visible_requests",
]
