"""The authorization matrix: for every route of the application (the core's, the built-in
fields' and a test plugin's, read from ``app.url_map``) and each of its methods, the answer each
role gets is declared in one table, ``MATRIX``; a route without a row fails the suite.

The roles and the scenario they act in are those of ``tests/proof_world.py``: a restricted
request of organization A filed by ``owner``, its attachment, documents, folder, time entry,
statement, agreement, resource, notification, session and memberships, whose ids fill the
routes' arguments. A cell says:

- ``ok``: the role may. A GET must answer 2xx, or redirect elsewhere than to the login page. A
  POST is not sent: it would change the scenario the other rows read (what an allowed change
  does is each feature's own tests' business);
- ``login``: a redirect to the login page (an HTMX request gets 401 and ``HX-Redirect``);
- a status (``404``, ``410``, ``422``…): exactly that answer. A POST is sent, with the role's
  own valid CSRF token, and must change no row of any table (a digest of each table's content
  before and after).

A 404 is the policy's refusal (an object the role may not see does not exist for it); a 422 or a
400 is a form refused before anything is written, by a role the policy lets through.

The scenario is built once per module (about a thousand requests are sent here): this module
uses no function-scoped application fixture, whose tear-down would empty the scenario's tables.
"""

from __future__ import annotations

import pytest

from extranet.testing import csrf_token
from tests.proof_world import ROLES, build_world, changed, snapshot, tear_down

# Administration: 404 for everyone but admins (test_confidential_surfaces.py leaves them out of
# its walk); each of their rows below says so.
ADMIN = {
    "admin.index", "admin.modules", "admin.toggle_module", "admin.module", "admin.save_module_settings",
    "admin.subscribe_organizations", "admin.give_field_to_experts", "admin.scans_page", "admin.rescan_file",
    "admin.organizations", "admin.new_organization", "admin.edit_organization", "admin.organization",
    "admin.organization_subscriptions", "admin.deactivate_organization", "admin.add_member",
    "admin.users", "admin.invite_staff", "admin.user", "admin.user_active", "admin.resend_invitation",
    "admin.reset_second_factor", "privacy.erasures", "privacy.carry_out_erasure",
    "privacy.retention_settings", "privacy.set_retention", "privacy.retention_report",
    "audit.log", "audit.export", "dashboard.volume_widget", "dashboard.glance_widget",
    "hours.agreements", "hours.new_agreement", "hours.edit_agreement", "hours.module_settings",
    "documents.quotas", "documents.set_quota", "replies.index", "replies.new", "replies.edit", "replies.delete",
    "reports.index", "reports.export", "reports.statements", "reports.close_statement",
    "reports.annual", "reports.annual_export",
    "servicetargets.admin", "servicetargets.save_calendar", "servicetargets.add_closed_day",
    "servicetargets.remove_closed_day", "servicetargets.save_targets", "servicetargets.report",
    "webhooks.index", "webhooks.subscribe", "webhooks.add_host", "webhooks.remove_host", "webhooks.subscription",
    "webhooks.set_active", "webhooks.new_secret", "webhooks.delete", "webhooks.send_again", "inbound.index", "inbound.retry",
    "inbound.field_address", "period_end.copy_agreements", "period_end.close_month",
    "fields_admin.new_field", "fields_admin.edit_field", "fields_admin.export_field", "fields_admin.import_field",
    "fields_admin.new_type", "fields_admin.edit_type", "fields_admin.new_question", "fields_admin.edit_question",
    "fields_admin.move_question", "fields_admin.remove_question",
}

# Arguments that name another row than the one of the same name elsewhere: the invitation member B
# may answer is a membership, as the colleague's that A's manager may change.
ARGUMENTS = {"organizations.answer_invitation": {"membership_id": "invitation_id"},
             "admin.toggle_module": {"slug": "module"},
             "admin.module": {"slug": "module"},
             "admin.save_module_settings": {"slug": "module"},
             "admin.subscribe_organizations": {"slug": "module"},
             "admin.give_field_to_experts": {"slug": "module"},
             "inbound.field_address": {"slug": "module"},
             "privacy.set_retention": {"slug": "module"},
             "privacy.carry_out_erasure": {"request_id": "erasure_id"},
             "stored_field.home": {"field_slug": "stored_field"},
             "sample.panel": {"page": "field"}}
# The builder's routes name the world's stored field, its type and a question of it.
ARGUMENTS.update({endpoint: {"field_slug": "stored_field", "type_slug": "stored_type", "name": "stored_question"}
                  for endpoint in ("fields_admin.edit_field", "fields_admin.export_field", "fields_admin.new_type",
                                   "fields_admin.edit_type", "fields_admin.new_question", "fields_admin.edit_question",
                                   "fields_admin.move_question", "fields_admin.remove_question")})

# fmt: off
MATRIX = {
    # (endpoint, method):                       anonymous owner colleague member_b manager_b other_expert federation_manager admin
    ("auth.login", "GET"): "ok    ok    ok    ok    ok    ok    ok    ok",
    ("auth.login", "POST"): "200   ok    ok    ok    ok    ok    ok    ok",
    ("auth.second_factor_step", "GET"): "login login login login login login login login",
    ("auth.second_factor_step", "POST"): "login login login login login login login login",
    ("auth.enrol_second_factor", "GET"): "login login login login login login login login",
    ("auth.enrol_second_factor", "POST"): "login login login login login login login login",
    ("auth.logout", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("auth.forgot_password", "GET"): "ok    ok    ok    ok    ok    ok    ok    ok",
    ("auth.forgot_password", "POST"): "200   200   200   200   200   200   200   200",
    ("auth.reset_password", "GET"): "410   410   410   410   410   410   410   410",
    ("auth.reset_password", "POST"): "410   410   410   410   410   410   410   410",
    ("auth.accept_invitation", "GET"): "410   410   410   410   410   410   410   410",
    ("auth.accept_invitation", "POST"): "410   410   410   410   410   410   410   410",
    ("accounts.profile", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("accounts.profile", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("accounts.setup_second_factor", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("accounts.setup_second_factor", "POST"): "login 422   422   422   422   422   422   422",
    ("accounts.renew_recovery_codes", "POST"): "login 404   404   404   404   404   404   404",
    ("accounts.disable_second_factor", "POST"): "login 404   404   404   404   404   404   404",
    ("accounts.forget_trusted_browsers", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("accounts.end_session", "POST"): "login ok    404   404   404   404   404   404",
    ("accounts.end_other_sessions", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("accounts.change_password", "POST"): "login 422   422   422   422   422   422   422",
    ("accounts.set_language", "POST"): "ok    ok    ok    ok    ok    ok    ok    ok",
    ("dashboard.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("dashboard.organization_widget", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("dashboard.open_by_field_widget", "GET"): "login ok    ok    ok    ok    404   ok    404",
    ("dashboard.waiting_on_me_widget", "GET"): "login ok    ok    ok    ok    404   ok    404",
    ("dashboard.my_queue_widget", "GET"): "login 404   404   404   404   ok    404   404",
    ("dashboard.unassigned_widget", "GET"): "login 404   404   404   404   ok    404   404",
    ("dashboard.overdue_widget", "GET"): "login 404   404   404   404   ok    404   404",
    ("dashboard.volume_widget", "GET"): "login 404   404   404   404   404   404   ok",
    ("dashboard.glance_widget", "GET"): "login 404   404   404   404   404   404   ok",
    ("organizations.switch", "POST"): "login 400   400   400   400   400   400   400",
    ("organizations.members", "GET"): "login 404   404   404   ok    404   ok    404",
    ("organizations.members", "POST"): "login 404   404   404   422   404   422   404",
    ("organizations.second_factor", "POST"): "login 404   404   404   ok    404   ok    404",
    ("organizations.update_member", "POST"): "login 404   404   404   404   404   404   400",
    ("organizations.invitations", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("organizations.answer_invitation", "POST"): "login 404   404   ok    404   404   404   404",
    ("admin.index", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.modules", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.toggle_module", "POST"): "login 404   404   404   404   404   404   ok",
    ("period_end.copy_agreements", "GET"): "login 404   404   404   404   404   404   ok",
    ("period_end.copy_agreements", "POST"): "login 404   404   404   404   404   404   ok",
    ("period_end.close_month", "GET"): "login 404   404   404   404   404   404   ok",
    ("period_end.close_month", "POST"): "login 404   404   404   404   404   404   ok",
    ("admin.module", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.save_module_settings", "POST"): "login 404   404   404   404   404   404   422",
    ("admin.subscribe_organizations", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.subscribe_organizations", "POST"): "login 404   404   404   404   404   404   422",
    ("admin.give_field_to_experts", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.give_field_to_experts", "POST"): "login 404   404   404   404   404   404   422",
    ("admin.scans_page", "GET"): "login 404   404   404   404   404   404   ok",
    ("webhooks.index", "GET"): "login 404   404   404   404   404   404   ok",
    ("inbound.index", "GET"): "login 404   404   404   404   404   404   ok",
    ("inbound.retry", "POST"): "login 404   404   404   404   404   404   ok",
    ("inbound.field_address", "GET"): "login 404   404   404   404   404   404   ok",
    ("inbound.field_address", "POST"): "login 404   404   404   404   404   404   ok",
    ("webhooks.subscribe", "POST"): "login 404   404   404   404   404   404   ok",
    ("webhooks.add_host", "POST"): "login 404   404   404   404   404   404   ok",
    ("webhooks.remove_host", "POST"): "login 404   404   404   404   404   404   ok",
    ("webhooks.subscription", "GET"): "login 404   404   404   404   404   404   ok",
    ("webhooks.set_active", "POST"): "login 404   404   404   404   404   404   ok",
    ("webhooks.new_secret", "POST"): "login 404   404   404   404   404   404   ok",
    ("webhooks.delete", "POST"): "login 404   404   404   404   404   404   ok",
    ("webhooks.send_again", "POST"): "login 404   404   404   404   404   404   ok",
    # A calendar feed is read with no session; the scenario's token is no feed's.
    ("calendars.feed", "GET"): "404   404   404   404   404   404   404   404",
    ("calendars.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("calendars.make", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("calendars.revoke", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("admin.rescan_file", "POST"): "login 404   404   404   404   404   404   ok",
    ("admin.organizations", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.new_organization", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.new_organization", "POST"): "login 404   404   404   404   404   404   422",
    ("admin.edit_organization", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.edit_organization", "POST"): "login 404   404   404   404   404   404   ok",
    ("admin.organization", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.add_member", "POST"): "login 404   404   404   404   404   404   422",
    ("admin.organization_subscriptions", "POST"): "login 404   404   404   404   404   404   ok",
    ("admin.deactivate_organization", "POST"): "login 404   404   404   404   404   404   400",
    ("admin.users", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.invite_staff", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.invite_staff", "POST"): "login 404   404   404   404   404   404   422",
    ("admin.user", "GET"): "login 404   404   404   404   404   404   ok",
    ("admin.user", "POST"): "login 404   404   404   404   404   404   ok",
    ("admin.user_active", "POST"): "login 404   404   404   404   404   404   400",
    ("admin.resend_invitation", "POST"): "login 404   404   404   404   404   404   404",
    ("admin.reset_second_factor", "POST"): "login 404   404   404   404   404   404   404",
    ("audit.log", "GET"): "login 404   404   404   404   404   404   ok",
    ("audit.export", "GET"): "login 404   404   404   404   404   404   ok",
    ("audit.mine", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("requests.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("requests.choose_field", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("requests.choose_type", "GET"): "login ok    ok    ok    ok    404   ok    404",
    ("requests.new", "GET"): "login ok    ok    ok    ok    404   ok    404",
    ("requests.new", "POST"): "login 422   422   422   422   404   422   404",
    ("requests.detail", "GET"): "login ok    404   404   404   404   404   ok",
    ("requests.live", "GET"): "login ok    404   404   404   404   404   ok",
    ("requests.older_history", "GET"): "login ok    404   404   404   404   404   ok",
    ("requests.transition", "POST"): "login 404   404   404   404   404   404   404",
    ("requests.take", "POST"): "login 404   404   404   404   404   404   404",
    ("requests.assign", "POST"): "login 404   404   404   404   404   404   400",
    ("requests.contacts", "POST"): "login ok    404   404   404   404   404   ok",
    ("requests.post_message", "POST"): "login 422   404   404   404   404   404   422",
    ("requests.attachment", "GET"): "login ok    404   404   404   404   404   ok",
    ("desk.schedule", "POST"): "login 404   404   404   404   404   404   422",
    ("desk.add_tags", "POST"): "login 404   404   404   404   404   404   422",
    ("desk.remove_tag", "POST"): "login 404   404   404   404   404   404   400",
    ("request_list.bulk", "POST"): "login 404   404   404   404   422   404   422",
    ("desk.merge", "POST"): "login 404   404   404   404   404   404   422",
    ("request_list.save_view", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("request_list.delete_view", "GET"): "login ok    404   404   404   404   404   404",
    ("request_list.delete_view", "POST"): "login ok    404   404   404   404   404   404",
    ("on_behalf.choose", "GET"): "login 404   404   404   404   ok    404   ok",
    ("on_behalf.new", "GET"): "login 404   404   404   404   404   404   ok",
    ("on_behalf.new", "POST"): "login 404   404   404   404   404   404   422",
    ("desk.move", "POST"): "login 404   404   404   404   404   404   422",
    ("desk.insert_reply", "GET"): "login 404   404   404   404   404   404   404",
    ("replies.index", "GET"): "login 404   404   404   404   404   404   ok",
    ("replies.new", "GET"): "login 404   404   404   404   404   404   ok",
    ("replies.new", "POST"): "login 404   404   404   404   404   404   422",
    ("replies.edit", "GET"): "login 404   404   404   404   404   404   ok",
    ("replies.edit", "POST"): "login 404   404   404   404   404   404   ok",
    ("replies.delete", "POST"): "login 404   404   404   404   404   404   ok",
    ("notifications.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("notifications.badge", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("notifications.open_one", "POST"): "login ok    404   404   404   404   404   404",
    ("notifications.mark_all_read", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("notifications.preferences", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("notifications.preferences", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("resources.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("resources.library", "GET"): "login ok    ok    ok    ok    404   404   ok",
    ("resources.new", "GET"): "login 404   404   404   404   404   404   ok",
    ("resources.new", "POST"): "login 404   404   404   404   404   404   422",
    ("resources.edit", "GET"): "login 404   404   404   404   404   404   ok",
    ("resources.edit", "POST"): "login 404   404   404   404   404   404   ok",
    ("resources.publish", "POST"): "login 404   404   404   404   404   404   ok",
    ("resources.unpublish", "POST"): "login 404   404   404   404   404   404   ok",
    ("resources.delete", "POST"): "login 404   404   404   404   404   404   ok",
    ("resources.download", "GET"): "login 404   404   404   404   404   404   ok",
    ("documents.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("documents.space", "GET"): "login ok    ok    ok    ok    404   404   404",
    ("documents.folder", "GET"): "login ok    ok    404   404   404   404   ok",
    ("documents.create_folder", "POST"): "login 404   404   404   422   404   404   404",
    ("documents.rename_folder", "POST"): "login 404   404   404   404   404   404   422",
    ("documents.move_folder", "POST"): "login 404   404   404   404   404   404   ok",
    ("documents.delete_folder", "POST"): "login 404   404   404   404   404   404   ok",
    ("documents.upload", "POST"): "login 422   422   422   422   404   404   404",
    ("documents.document", "GET"): "login ok    ok    404   404   404   404   ok",
    ("documents.new_version", "POST"): "login 422   404   404   404   404   404   422",
    ("documents.download", "GET"): "login ok    ok    404   404   404   404   ok",
    ("documents.rename", "POST"): "login 422   404   404   404   404   404   422",
    ("documents.move", "POST"): "login 422   404   404   404   404   404   422",
    ("documents.visibility", "POST"): "login 422   404   404   404   404   404   422",
    ("documents.delete", "GET"): "login ok    404   404   404   404   404   ok",
    ("documents.delete", "POST"): "login ok    404   404   404   404   404   ok",
    ("documents.trash", "GET"): "login 404   404   404   ok    404   404   404",
    ("documents.restore", "POST"): "login 404   404   404   404   404   404   ok",
    ("documents.purge", "GET"): "login 404   404   404   404   404   404   404",
    ("documents.purge", "POST"): "login 404   404   404   404   404   404   404",
    ("documents.request_documents", "GET"): "login ok    404   404   404   404   404   ok",
    ("documents.request_upload", "POST"): "login 422   404   404   404   404   404   422",
    ("documents.quotas", "GET"): "login 404   404   404   404   404   404   ok",
    ("documents.set_quota", "POST"): "login 404   404   404   404   404   404   ok",
    ("hours.request_panel", "GET"): "login 404   404   404   404   404   404   ok",
    ("hours.log_time", "POST"): "login 404   404   404   404   404   404   422",
    ("hours.edit_entry", "GET"): "login 404   404   404   404   404   404   ok",
    ("hours.edit_entry", "POST"): "login 404   404   404   404   404   404   422",
    ("hours.delete_entry", "POST"): "login 404   404   404   404   404   404   ok",
    ("hours.rate", "POST"): "login 404   404   404   404   404   404   404",
    ("hours.timesheet", "GET"): "login 404   404   404   404   ok    404   ok",
    ("hours.timesheet_log", "POST"): "login 404   404   404   404   422   404   422",
    ("hours.index", "GET"): "login 404   404   404   ok    ok    404   ok",
    ("hours.widget", "GET"): "login 404   404   404   ok    404   404   404",
    ("hours.agreements", "GET"): "login 404   404   404   404   404   404   ok",
    ("hours.new_agreement", "GET"): "login 404   404   404   404   404   404   ok",
    ("hours.new_agreement", "POST"): "login 404   404   404   404   404   404   422",
    ("hours.edit_agreement", "GET"): "login 404   404   404   404   404   404   ok",
    ("hours.edit_agreement", "POST"): "login 404   404   404   404   404   404   422",
    ("hours.module_settings", "POST"): "login 404   404   404   404   404   404   ok",
    ("reports.index", "GET"): "login 404   404   404   404   404   404   ok",
    ("servicetargets.admin", "GET"): "login 404   404   404   404   404   404   ok",
    ("servicetargets.save_calendar", "POST"): "login 404   404   404   404   404   404   ok",
    ("servicetargets.add_closed_day", "POST"): "login 404   404   404   404   404   404   ok",
    ("servicetargets.remove_closed_day", "POST"): "login 404   404   404   404   404   404   ok",
    ("servicetargets.save_targets", "POST"): "login 404   404   404   404   404   404   ok",
    ("servicetargets.report", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.export", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.statements", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.statement", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.statement_print", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.close_statement", "POST"): "login 404   404   404   404   404   404   ok",
    ("reports.statement_export", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.my_statements", "GET"): "login 404   404   404   ok    404   ok    ok",
    ("reports.annual", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.annual_export", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.annual_organization", "GET"): "login 404   404   404   404   404   404   ok",
    ("reports.annual_organization_export", "GET"): "login 404   404   404   404   404   404   ok",
    ("access.mine", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("access.organization", "GET"): "login 404   404   404   ok    404   ok    404",
    ("privacy.request_export", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("privacy.download_export", "GET"): "login ok    404   404   404   404   404   404",
    ("privacy.request_erasure", "POST"): "login ok    ok    ok    ok    ok    ok    ok",
    ("privacy.erasures", "GET"): "login 404   404   404   404   404   404   ok",
    ("privacy.carry_out_erasure", "POST"): "login 404   404   404   404   404   404   ok",
    ("privacy.retention_settings", "GET"): "login 404   404   404   404   404   404   ok",
    ("privacy.set_retention", "POST"): "login 404   404   404   404   404   404   ok",
    ("privacy.retention_report", "GET"): "login 404   404   404   404   404   404   ok",
    ("search.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("fields_admin.new_field", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.new_field", "POST"): "login 404   404   404   404   404   404   422",
    ("fields_admin.import_field", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.import_field", "POST"): "login 404   404   404   404   404   404   422",
    ("fields_admin.edit_field", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.edit_field", "POST"): "login 404   404   404   404   404   404   422",
    ("fields_admin.export_field", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.new_type", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.new_type", "POST"): "login 404   404   404   404   404   404   422",
    ("fields_admin.edit_type", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.edit_type", "POST"): "login 404   404   404   404   404   404   422",
    ("fields_admin.new_question", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.new_question", "POST"): "login 404   404   404   404   404   404   422",
    ("fields_admin.edit_question", "GET"): "login 404   404   404   404   404   404   ok",
    ("fields_admin.edit_question", "POST"): "login 404   404   404   404   404   404   422",
    ("fields_admin.move_question", "POST"): "login 404   404   404   404   404   404   400",
    ("fields_admin.remove_question", "POST"): "login 404   404   404   404   404   404   ok",
    ("stored_field.home", "GET"): "login ok    ok    ok    ok    404   404   ok",
    ("sample.index", "GET"): "login ok    ok    ok    ok    404   404   ok",
    ("sample.widget", "GET"): "login ok    ok    ok    ok    404   404   ok",
    ("sample.panel", "GET"): "login ok    ok    ok    ok    404   404   ok",
    ("hr.index", "GET"): "login ok    ok    ok    ok    ok    404   ok",
    ("accounting.index", "GET"): "login ok    ok    ok    ok    404   404   ok",
    ("it.index", "GET"): "login ok    ok    ok    ok    404   404   ok",
    ("legal.index", "GET"): "login ok    ok    ok    ok    404   404   ok",
    # The REST API: a session cookie never authenticates it (401; a post without its CSRF token is
    # refused first, 400); what each role's token may do is tests/test_api_matrix.py's table.
    ("api.agreements", "GET"): "401   401   401   401   401   401   401   401",
    ("api.attachment_content", "GET"): "401   401   401   401   401   401   401   401",
    ("api.create_request", "POST"): "401   401   401   401   401   401   401   401",
    ("api.docs", "GET"): "ok    ok    ok    ok    ok    ok    ok    ok",
    ("api.document_content", "GET"): "401   401   401   401   401   401   401   401",
    ("api.get_document", "GET"): "401   401   401   401   401   401   401   401",
    ("api.get_organization", "GET"): "401   401   401   401   401   401   401   401",
    ("api.get_request", "GET"): "401   401   401   401   401   401   401   401",
    ("api.get_request_type", "GET"): "401   401   401   401   401   401   401   401",
    ("api.get_user", "GET"): "401   401   401   401   401   401   401   401",
    ("api.list_fields", "GET"): "401   401   401   401   401   401   401   401",
    ("api.list_messages", "GET"): "401   401   401   401   401   401   401   401",
    ("api.list_organizations", "GET"): "401   401   401   401   401   401   401   401",
    ("api.list_requests", "GET"): "401   401   401   401   401   401   401   401",
    ("api.me", "GET"): "401   401   401   401   401   401   401   401",
    ("api.members", "GET"): "401   401   401   401   401   401   401   401",
    ("api.openapi", "GET"): "ok    ok    ok    ok    ok    ok    ok    ok",
    ("api.post_message", "POST"): "401   401   401   401   401   401   401   401",
    ("api.request_documents", "GET"): "401   401   401   401   401   401   401   401",
    ("api.statements", "GET"): "401   401   401   401   401   401   401   401",
    ("api.time_entries", "GET"): "401   401   401   401   401   401   401   401",
    ("api.log_time", "POST"): "401   401   401   401   401   401   401   401",
    ("api.transition", "POST"): "401   401   401   401   401   401   401   401",
    ("api.upload_documents", "POST"): "401   401   401   401   401   401   401   401",
    ("api_tokens.revoke", "GET"): "login ok    404   404   404   404   404   404",
    ("api_tokens.create", "POST"): "login 422   422   422   422   422   422   422",
    ("api_tokens.index", "GET"): "login ok    ok    ok    ok    ok    ok    ok",
    ("api_tokens.revoke", "POST"): "login ok    404   404   404   404   404   404",
}
# fmt: on
STATIC = "static"  # the stylesheet and scripts, the same for everyone: checked apart


@pytest.fixture(scope="module")
def world(migrated_database, migration_branches, tmp_path_factory):
    built = build_world(migrated_database, migration_branches, tmp_path_factory.mktemp("matrix"))
    yield built
    tear_down(built)


def routes(app, values: dict):
    """(endpoint, method, url) of every route of ``app``, its arguments filled from ``values``."""
    for rule in app.url_map.iter_rules():
        names = {name: ARGUMENTS.get(rule.endpoint, {}).get(name, name) for name in rule.arguments}
        url = rule.build({name: values[key] for name, key in names.items()}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def expected(endpoint: str, method: str) -> dict[str, str]:
    cells = MATRIX[(endpoint, method)].split()
    assert len(cells) == len(ROLES), (endpoint, method, cells)
    return dict(zip(ROLES, cells, strict=True))


def _answer(response) -> str:
    location = response.location or ""
    if response.status_code in (302, 303) and location.split("?")[0].endswith("/login"):
        return "login"
    return str(response.status_code)


def _fresh_token(client) -> str:
    """The client's CSRF token, read again for a visitor: posting the sign-in form renews an
    anonymous session, and with it the token."""
    if client.role == "anonymous":
        client.csrf = csrf_token(client)
    return client.csrf


def test_every_route_has_an_expectation(world):
    found = {(endpoint, method) for endpoint, method, _url in routes(world.app, world.ids) if endpoint != STATIC}
    assert not sorted(found - MATRIX.keys()), f"routes with no row in the authorization matrix: {sorted(found - MATRIX.keys())}"
    assert not sorted(MATRIX.keys() - found), f"rows of routes that no longer exist: {sorted(MATRIX.keys() - found)}"
    assert {"hr.index", "legal.index", "sample.index", "sample.widget"} <= {e for e, _m in found}


def test_administration_is_for_admins_only():
    for (endpoint, _method), _cells in MATRIX.items():
        if endpoint in ADMIN:
            cells = expected(endpoint, _method)
            assert cells["anonymous"] == "login", endpoint
            assert {cells[r] for r in ROLES if r not in ("anonymous", "admin")} == {"404"}, endpoint


def test_every_role_gets_its_declared_answer_and_a_refused_change_writes_nothing(world):
    """Each route × method × role as declared; each POST sent (forbidden, or refused as a
    form) leaves every table as it was."""
    for role, client in world.clients.items():
        client.role = role
    checked = {"GET": 0, "POST": 0}
    wrong, written = [], []
    for endpoint, method, url in routes(world.app, world.ids):
        if endpoint == STATIC:
            continue
        for role, want in expected(endpoint, method).items():
            client = world.clients[role]
            if method == "POST":
                if want == "ok":
                    continue
                before = snapshot(world.app)
                response = client.post(url, data={"csrf_token": _fresh_token(client)})
                response.close()
                if changes := changed(before, snapshot(world.app)):
                    written.append((endpoint, role, changes))
            else:
                response = client.get(url)
                response.close()
            got = _answer(response)
            if not (got != "login" and response.status_code < 400 if want == "ok" else got == want):
                wrong.append((endpoint, method, role, want, got))
            checked[method] += 1
    assert not wrong and not written, (
        f"answers that differ from the matrix (endpoint, method, role, declared, got): {wrong}; "
        f"refused changes that wrote rows (endpoint, role, tables): {written}"
    )
    print(f"authorization matrix: {len(MATRIX)} route-methods × {len(ROLES)} roles; "
          f"{checked['GET']} GET and {checked['POST']} POST answers checked")


def test_visitors_htmx_requests_are_told_to_sign_in(world):
    """Where a visitor is sent to the login page, an HTMX request gets 401 and HX-Redirect
    instead of a login form swapped into a part of the page."""
    client = world.clients["anonymous"]
    for endpoint, method, url in routes(world.app, world.ids):
        if endpoint == STATIC or expected(endpoint, method)["anonymous"] != "login" or endpoint.startswith("auth."):
            continue
        headers = {"HX-Request": "true", "X-CSRFToken": csrf_token(client) if method == "POST" else ""}
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login", (endpoint, method)


def test_state_changes_need_a_csrf_token(world):
    """Every POST, as an admin (who may do the most), without a token and as HTMX without its
    header: 400, and nothing written."""
    client = world.clients["admin"]
    before = snapshot(world.app)
    for endpoint, method, url in routes(world.app, world.ids):
        if method != "POST":
            continue
        response = client.post(url, data={})
        assert response.status_code == 400, (endpoint, response.status_code)
        htmx = client.post(url, headers={"HX-Request": "true"})
        assert htmx.status_code == 400, (endpoint, htmx.status_code)
    assert changed(before, snapshot(world.app)) == []
