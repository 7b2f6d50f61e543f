"""Every route of the application (plugins included) has a stated expectation, and the
generic ones are checked here: anonymous visitors are sent to the login page, non-admins get
404 on administration routes. Object-level rules (one organization never sees another's
requests) are tested route by route in test_request_isolation.py.

A new route makes ``test_every_route_has_an_expectation`` fail until it is listed below.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin

PUBLIC = {
    "static",
    "auth.login",
    "auth.logout",
    "auth.forgot_password",
    "auth.reset_password",
    "auth.accept_invitation",
    # The second step of signing in: it needs the password step's pending state, not a session.
    "auth.second_factor_step",
    "auth.enrol_second_factor",
    "accounts.set_language",
}
ADMIN = {
    "admin.index", "admin.modules", "admin.toggle_module", "admin.scans_page", "admin.rescan_file",
    "admin.organizations", "admin.new_organization", "admin.edit_organization", "admin.organization",
    "admin.organization_subscriptions", "admin.deactivate_organization", "admin.add_member",
    "admin.users", "admin.invite_staff", "admin.user", "admin.user_active", "admin.resend_invitation",
    "admin.reset_second_factor", "privacy.erasures", "privacy.carry_out_erasure",
    "audit.log", "audit.export", "dashboard.volume_widget",
    "hours.agreements", "hours.new_agreement", "hours.edit_agreement", "hours.module_settings",
    "documents.quotas", "documents.set_quota",
    "reports.index", "reports.export", "reports.statements", "reports.close_statement",
    "reports.annual", "reports.annual_export",
}
# Signed-in people only; what each may do is then decided per object by the policy.
SIGNED_IN = {
    "dashboard.index", "dashboard.organization_widget", "dashboard.open_by_field_widget",
    "dashboard.waiting_on_me_widget", "dashboard.my_queue_widget", "dashboard.unassigned_widget",
    "dashboard.overdue_widget",
    "accounts.profile", "accounts.change_password",
    "accounts.setup_second_factor", "accounts.renew_recovery_codes", "accounts.disable_second_factor",
    "accounts.forget_trusted_browsers", "accounts.end_session", "accounts.end_other_sessions",
    "organizations.second_factor",
    "access.mine", "access.organization", "audit.mine",
    "privacy.request_export", "privacy.download_export", "privacy.request_erasure",
    "organizations.switch", "organizations.members", "organizations.update_member",
    "organizations.invitations", "organizations.answer_invitation",
    "notifications.index", "notifications.badge", "notifications.open_one",
    "notifications.mark_all_read", "notifications.preferences",
    "requests.index", "requests.choose_field", "requests.choose_type", "requests.new",
    "requests.detail", "requests.transition", "requests.take", "requests.assign",
    "requests.contacts", "requests.post_message", "requests.attachment",
    "sample.index", "sample.widget",
    "reports.statement", "reports.statement_print", "reports.statement_export", "reports.my_statements",
    "reports.annual_organization", "reports.annual_organization_export",
    "hours.index", "hours.widget", "hours.timesheet", "hours.request_panel", "hours.log_time",
    "hours.edit_entry", "hours.delete_entry", "hours.rate",
    "resources.index", "resources.library", "resources.new", "resources.edit", "resources.publish",
    "resources.unpublish", "resources.delete", "resources.download",
    "search.index",
    "documents.index", "documents.space", "documents.folder", "documents.create_folder",
    "documents.rename_folder", "documents.move_folder", "documents.delete_folder", "documents.upload",
    "documents.document", "documents.new_version", "documents.download", "documents.rename",
    "documents.move", "documents.visibility", "documents.delete", "documents.trash", "documents.restore",
    "documents.purge", "documents.request_documents", "documents.request_upload",
}
# Field plugins' home pages and widgets: signed-in, and the organization must subscribe.
FIELD_BLUEPRINTS = {"hr", "legal", "accounting", "it", "communications"}


@pytest.fixture
def matrix_app(register_plugin):
    return register_plugin(SamplePlugin())


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        args = {name: 1 if isinstance(rule._converters.get(name), IntegerConverter) else "x" for name in rule.arguments}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule.build(args, append_unknown=False)[1]


def _expectation(endpoint: str) -> str | None:
    if endpoint in PUBLIC:
        return "public"
    if endpoint in ADMIN:
        return "admin"
    if endpoint in SIGNED_IN or endpoint.split(".")[0] in FIELD_BLUEPRINTS:
        return "signed-in"
    return None


def test_every_route_has_an_expectation(matrix_app):
    missing = sorted({e for e, _m, _u in _routes(matrix_app) if _expectation(e) is None})
    assert not missing, f"routes with no expectation in the authorization matrix: {missing}"


def test_anonymous_visitors_are_sent_to_login(matrix_app):
    client = matrix_app.test_client()
    token = csrf_token(client)
    for endpoint, method, url in _routes(matrix_app):
        if _expectation(endpoint) == "public":
            continue
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert re.search(r"/login(\?|$)", response.location), (endpoint, response.location)
        htmx = client.open(url, method=method, headers={"HX-Request": "true", "X-CSRFToken": token})
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login", endpoint


def test_administration_is_404_for_everyone_else(matrix_app, people, client_for):
    for person in (people.member_a, people.manager_a, people.expert):
        client = client_for(matrix_app, person)
        token = csrf_token(client, "/")
        for endpoint, method, url in _routes(matrix_app):
            if _expectation(endpoint) != "admin":
                continue
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert response.status_code == 404, (person.email, endpoint, method, response.status_code)


def test_state_changes_need_a_csrf_token(matrix_app, people, client_for):
    client = client_for(matrix_app, people.admin)
    for endpoint, method, url in _routes(matrix_app):
        if method != "POST":
            continue
        response = client.post(url, data={})
        assert response.status_code == 400, (endpoint, response.status_code)
        htmx = client.post(url, headers={"HX-Request": "true"})
        assert htmx.status_code == 400, (endpoint, htmx.status_code)
