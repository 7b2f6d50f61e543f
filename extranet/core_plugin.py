"""The core's own contributions, registered through the same hooks as any plugin."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from extranet.access import rules as access_rules
from extranet.admin import rules as admin_rules
from extranet.api import Panel, Widget, can, hookimpl
from extranet.audit import rules as audit_rules
from extranet.calendars import rules as calendars_rules
from extranet.dashboard import rules as dashboard_rules
from extranet.documents import rules as documents_rules
from extranet.hours import rules as hours_rules
from extranet.inbound import rules as inbound_rules
from extranet.organizations import rules as organizations_rules
from extranet.privacy import rules as privacy_rules
from extranet.reports import rules as reports_rules
from extranet.requests import rules as requests_rules
from extranet.resources import rules as resources_rules
from extranet.search import rules as search_rules
from extranet.servicetargets import rules as servicetargets_rules
from extranet.webhooks import rules as webhooks_rules
from extranet.webhooks.events import CORE_EVENTS

# Each feature's rules, kept beside the feature; the policy gets them through the hook below.
FEATURE_RULES = (
    organizations_rules, requests_rules, documents_rules, resources_rules, hours_rules,
    reports_rules, dashboard_rules, admin_rules, audit_rules, access_rules, search_rules,
    privacy_rules, servicetargets_rules, webhooks_rules, calendars_rules, inbound_rules,
)

# (slug, title, endpoint, order, the policy action that shows it)
CORE_WIDGETS = (
    ("organization", _l("My organization"), "dashboard.organization_widget", 0, "dashboard.member"),
    ("waiting-on-me", _l("Waiting on me"), "dashboard.waiting_on_me_widget", 10, "dashboard.member"),
    ("open-by-field", _l("Open requests by field"), "dashboard.open_by_field_widget", 20, "dashboard.member"),
    ("my-queue", _l("My queue"), "dashboard.my_queue_widget", 30, "dashboard.expert"),
    ("unassigned", _l("Unassigned in my fields"), "dashboard.unassigned_widget", 40, "dashboard.expert"),
    ("overdue", _l("Overdue"), "dashboard.overdue_widget", 50, "dashboard.expert"),
    ("glance", _l("At a glance"), "dashboard.glance_widget", 1, "dashboard.admin"),
    ("volume", _l("Volume this month"), "dashboard.volume_widget", 60, "dashboard.admin"),
    ("hours", _l("Hour bank"), "hours.widget", 5, "hours.view_balance"),
)

WIDE_WIDGETS = {"glance"}


@hookimpl
def extranet_dashboard_widgets(user, organization):
    """Widgets according to who the user is, decided by the policy (each route checks again)."""
    return [
        Widget(slug=slug, title=title, url=url_for(endpoint), order=order, wide=slug in WIDE_WIDGETS)
        for slug, title, endpoint, order, action in CORE_WIDGETS
        if can(user, action, organization)
    ]


@hookimpl
def extranet_page_panels(page, user, target):
    """The core's own panels, in the same slots as the plugins' (ordered before theirs)."""
    if page != "request":
        return []
    from extranet.documents.views import request_panel

    # The documents card brings its own status area for the upload bars (framed=False); the
    # request page loads upload.js, since HTMX runs no script of a swapped fragment. It is
    # rendered with the page: a person without JavaScript reads the request's files there.
    return [Panel(slug="documents", title=_l("Documents"), order=0, framed=False,
                  url=url_for("documents.request_documents", field=target.field, reference=target.reference),
                  content=lambda: request_panel(target)),
            Panel(slug="hours", title=_l("Time and satisfaction"), order=1, action="time.panel", framed=False,
                  url=url_for("hours.request_panel", reference=target.reference))]


@hookimpl
def extranet_register_rules(app):
    return [rule for feature in FEATURE_RULES for rule in feature.RULES]


@hookimpl
def extranet_register_webhook_events(app):
    return list(CORE_EVENTS)


@hookimpl
def extranet_register_workflows(app):
    from extranet.requests.core_workflows import CORE_WORKFLOWS

    return list(CORE_WORKFLOWS)
