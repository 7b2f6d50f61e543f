"""The audit log in sentences, in the reader's language: "Marie Tremblay accepted request
RH-2026-0042" rather than ``requests.transitioned requests:42``.

Each action has one sentence; its placeholders are filled from the event's actor, target,
organization and details, the rows they name being loaded once for a whole page. An action no
sentence knows (a plugin's) is told as "<who>: <action code>", never hidden.

Who did it is named as on the access page (``access.entries``): to a person reading what was
done to their own account, an administrator is "an administrator of the cooperative"; the
administrators reading the whole log see every name.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extranet.access.entries import ADMINISTRATOR
from extranet.accounts.models import User
from extranet.audit.models import AuditEvent
from extranet.documents.models import Document
from extranet.extensions import db
from extranet.organizations.models import Organization
from extranet.plugins import host
from extranet.requests import presenters
from extranet.requests.models import PRIORITIES, ServiceRequest
from extranet.resources.models import Resource

SENTENCES = {
    "auth.login": _l("%(actor)s signed in."),
    "auth.login_failed": _l("A sign-in to the account of %(target)s failed (wrong password)."),
    "auth.logout": _l("%(actor)s signed out."),
    "auth.reset_requested": _l("%(actor)s asked for a link to reset the password."),
    "auth.invitation_accepted": _l("%(actor)s accepted the invitation and chose a password."),
    "auth.password_reset": _l("%(actor)s reset the password with an e-mailed link."),
    "auth.second_factor_enabled": _l("%(actor)s turned on two-factor sign-in."),
    "auth.second_factor_disabled": _l("%(actor)s turned off two-factor sign-in."),
    "auth.second_factor_failed": _l("A code given to sign in to the account of %(target)s was refused."),
    "auth.second_factor_reset": _l("%(actor)s reset the two-factor sign-in of %(target)s."),
    "auth.recovery_code_used": _l("%(actor)s signed in with a recovery code (%(left)s left)."),
    "auth.recovery_codes_renewed": _l("%(actor)s made new recovery codes."),
    "auth.browser_trusted": _l("%(actor)s chose to trust a browser until %(until)s."),
    "auth.trusted_browsers_forgotten": _l("%(actor)s stopped trusting %(count)s browsers."),
    "auth.session_ended": _l("%(actor)s ended one of their sessions."),
    "auth.other_sessions_ended": _l("%(actor)s ended %(count)s other sessions."),
    "accounts.invitation_sent": _l("%(actor)s invited %(target)s to %(organization)s."),
    "accounts.profile_updated": _l("%(actor)s changed the profile of %(target)s."),
    "accounts.capacity_changed": _l("%(actor)s changed the weekly capacity of %(target)s."),
    "accounts.password_changed": _l("%(actor)s changed the password of %(target)s."),
    "accounts.api_token_created": _l("%(actor)s made the API token “%(token)s”."),
    "accounts.api_token_revoked": _l("%(actor)s revoked the API token “%(token)s”."),
    "users.staff_invited": _l("%(actor)s invited %(target)s to the cooperative's staff."),
    "users.updated": _l("%(actor)s changed the account of %(target)s."),
    "users.deactivated": _l("%(actor)s deactivated the account of %(target)s."),
    "users.reactivated": _l("%(actor)s reactivated the account of %(target)s."),
    "organizations.created": _l("%(actor)s created the organization %(target)s."),
    "organizations.updated": _l("%(actor)s changed the organization %(target)s."),
    "organizations.subscriptions_changed": _l("%(actor)s changed the fields %(target)s subscribes to."),
    "organizations.deactivated": _l("%(actor)s deactivated the organization %(target)s."),
    "organizations.reactivated": _l("%(actor)s reactivated the organization %(target)s."),
    "organizations.member_added": _l("%(actor)s gave %(target)s access to %(organization)s as %(role)s."),
    "organizations.member_deactivated": _l("%(actor)s removed the access of %(target)s to %(organization)s."),
    "organizations.member_reactivated": _l("%(actor)s restored the access of %(target)s to %(organization)s."),
    "organizations.second_factor_required": _l("%(actor)s required two-factor sign-in of the members of %(target)s."),
    "organizations.second_factor_optional": _l("%(actor)s made two-factor sign-in optional for the members of %(target)s."),
    "organizations.role_changed": _l("%(actor)s made %(target)s %(role)s in %(organization)s."),
    "organizations.member_invited": _l("%(actor)s invited %(target)s to join %(organization)s as %(role)s."),
    "organizations.invitation_unneeded": _l(
        "%(actor)s invited %(target)s, who already has access to %(organization)s: nothing was sent."),
    "organizations.invitation_resent": _l("%(actor)s sent the invitation of %(target)s to %(organization)s again."),
    "organizations.invitation_withdrawn": _l("%(actor)s withdrew the invitation of %(target)s to %(organization)s."),
    "organizations.invitation_accepted": _l("%(actor)s accepted to join %(organization)s as %(role)s."),
    "organizations.invitation_declined": _l("%(actor)s declined to join %(organization)s."),
    "admin.module_enabled": _l("%(actor)s turned on the module %(target)s."),
    "admin.module_disabled": _l("%(actor)s turned off the module %(target)s."),
    "admin.module_settings": _l("%(actor)s changed the settings of the module %(target)s."),
    "admin.field_created": _l("%(actor)s created the field %(target)s."),
    "admin.field_changed": _l("%(actor)s changed the field %(target)s."),
    "admin.field_imported": _l("%(actor)s imported the field %(target)s."),
    "requests.created": _l("%(actor)s filed request %(target)s."),
    "requests.transitioned": _l("%(actor)s moved request %(target)s to “%(state)s”."),
    "requests.assigned": _l("%(actor)s assigned %(expert)s to request %(target)s."),
    "requests.unassigned": _l("%(actor)s took %(expert)s off request %(target)s."),
    "requests.contacts_changed": _l("%(actor)s changed the contacts of request %(target)s."),
    "requests.closed_without_answer": _l(
        "%(actor)s closed request %(target)s, delivered ten working days ago without an answer."),
    "servicetargets.calendar_changed": _l("%(actor)s changed the working calendar."),
    "servicetargets.closed_day_added": _l("%(actor)s marked %(day)s as a day the cooperative is closed."),
    "servicetargets.closed_day_removed": _l("%(actor)s removed %(day)s from the days the cooperative is closed."),
    "servicetargets.targets_changed": _l("%(actor)s changed the service targets of a field (%(field)s)."),
    "requests.rescheduled": _l("%(actor)s changed the priority of request %(target)s to %(priority)s (due %(due)s)."),
    "requests.filed_for": _l("%(actor)s filed request %(target)s on behalf of %(requester)s."),
    "requests.moved": _l("%(actor)s moved request %(target)s from %(source)s to %(field)s."),
    "requests.merged": _l("%(actor)s merged request %(target)s into %(into)s."),
    "requests.tagged": _l("%(actor)s changed the tags of request %(target)s (added: %(added)s; removed: %(removed)s)."),
    "replies.created": _l("%(actor)s wrote the reply template “%(name)s” of %(field)s."),
    "replies.changed": _l("%(actor)s changed the reply template “%(name)s” of %(field)s."),
    "replies.deleted": _l("%(actor)s deleted the reply template “%(name)s” of %(field)s."),
    "hours.time_logged": _l("%(actor)s logged time on request %(reference)s."),
    "hours.time_changed": _l("%(actor)s changed time logged on request %(reference)s."),
    "hours.time_deleted": _l("%(actor)s deleted time logged on request %(reference)s."),
    "hours.request_rated": _l("%(actor)s rated request %(target)s."),
    "hours.agreement_created": _l("%(actor)s created a service agreement of %(organization)s."),
    "hours.agreement_changed": _l("%(actor)s changed a service agreement of %(organization)s."),
    "hours.agreement_copied": _l("%(actor)s copied a service agreement of %(organization)s to %(year)s."),
    "hours.agreements_copied": _l(
        "%(actor)s copied the service agreements of %(from_year)s to %(year)s (%(created)s copied, %(skipped)s "
        "skipped because they existed already)."),
    "hours.settings_changed": _l("%(actor)s changed the hour settings of %(target)s."),
    "statement.close": _l("%(actor)s closed the statement of %(month)s of %(organization)s."),
    "statement.month_closed": _l(
        "%(actor)s closed the statements of %(month)s of every organization (%(closed)s closed, %(skipped)s "
        "skipped because they were closed already)."),
    "resource.created": _l("%(actor)s added the resource “%(title)s”."),
    "resource.edited": _l("%(actor)s edited the resource %(target)s."),
    "resource.published": _l("%(actor)s published the resource %(target)s."),
    "resource.unpublished": _l("%(actor)s unpublished the resource %(target)s."),
    "resource.deleted": _l("%(actor)s deleted the resource “%(title)s”."),
    "webhooks.host_allowed": _l("%(actor)s allowed webhook deliveries to the host %(host)s."),
    "webhooks.host_removed": _l("%(actor)s removed the host %(host)s from those webhooks may be delivered to."),
    "webhooks.subscribed": _l("%(actor)s subscribed the webhook %(url)s."),
    "webhooks.secret_changed": _l("%(actor)s made a new secret for the webhook %(url)s."),
    "webhooks.enabled": _l("%(actor)s enabled the webhook %(url)s."),
    "webhooks.disabled": _l("%(actor)s disabled the webhook %(url)s."),
    "webhooks.deleted": _l("%(actor)s deleted the webhook %(url)s."),
    "webhooks.sent_again": _l("%(actor)s sent a webhook delivery again."),
    "inbound.field_address": _l("%(actor)s set the e-mail address of %(target)s to %(address)s."),
    "inbound.retried": _l("%(actor)s asked for the e-mail “%(subject)s” to be processed again."),
    "calendars.feed_made": _l("%(actor)s made a new address for a calendar feed."),
    "calendars.feed_revoked": _l("%(actor)s revoked the address of a calendar feed."),
    "documents.uploaded": _l("%(actor)s added the document “%(title)s” for %(organization)s."),
    "documents.new_version": _l("%(actor)s added version %(version)s of the document %(target)s."),
    "documents.renamed": _l("%(actor)s renamed the document “%(old)s” to “%(new)s”."),
    "documents.moved": _l("%(actor)s moved the document %(target)s."),
    "documents.visibility": _l("%(actor)s changed who may see the document %(target)s."),
    "documents.deleted": _l("%(actor)s put the document “%(title)s” in the trash."),
    "documents.restored": _l("%(actor)s restored the document “%(title)s” from the trash."),
    "documents.purged": _l("%(actor)s erased the document “%(title)s” for good."),
    "documents.quota_changed": _l("%(actor)s changed the storage quota of %(organization)s."),
    "documents.folder_created": _l("%(actor)s created the folder “%(name)s” for %(organization)s."),
    "documents.folder_renamed": _l("%(actor)s renamed the folder “%(old)s” to “%(new)s”."),
    "documents.folder_moved": _l("%(actor)s moved the folder %(target)s."),
    "documents.folder_deleted": _l("%(actor)s deleted the folder “%(name)s”."),
    "file.infected": _l("The virus scan refused the file “%(filename)s”: %(signature)s."),
    "file.rescan_requested": _l("%(actor)s asked for the file “%(filename)s” to be scanned again."),
    "privacy.export_requested": _l("%(actor)s asked for an export of their data."),
    "privacy.export_ready": _l("The export of the data of %(target)s was prepared and a link e-mailed."),
    "privacy.export_downloaded": _l("%(actor)s downloaded the export of their data."),
    "privacy.erasure_requested": _l("%(actor)s asked for their personal information to be erased."),
    "privacy.erasure_done": _l("%(actor)s erased the personal information of %(target)s, at their request."),
    "privacy.retention_set": _l("%(actor)s changed how long the module %(target)s keeps its information."),
    "documents.downloaded": _l("%(actor)s downloaded version %(version)s of the document %(target)s."),
}
UNKNOWN = _l("%(actor)s: %(action)s")

# The kinds of action, for the log's filter: the first part of an action's code.
KINDS = {
    "auth": _l("Signing in and out"),
    "accounts": _l("Accounts and invitations"),
    "users": _l("Staff accounts"),
    "organizations": _l("Organizations and memberships"),
    "admin": _l("Modules"),
    "requests": _l("Requests"),
    "hours": _l("Hours and agreements"),
    "statement": _l("Statements"),
    "resource": _l("Resources"),
    "documents": _l("Documents"),
    "file": _l("Virus scans"),
    "privacy": _l("Personal information (exports, erasures and retention)"),
    "servicetargets": _l("Service targets and working calendar"),
    "webhooks": _l("Webhooks"),
    "calendars": _l("Calendar feeds"),
    "inbound": _l("Inbound mail"),
    "replies": _l("Reply templates"),
}
MEMBERSHIP_ROLES = {"manager": _l("manager"), "member": _l("member")}
SYSTEM = _l("The extranet")
SOMEONE = _l("something since removed")

TARGET_MODELS = {
    "users": User, "requests": ServiceRequest, "documents": Document, "organizations": Organization,
    "resources": Resource,
}


class Targets:
    """The rows a page of events names, loaded in one query per kind."""

    def __init__(self, events: list[AuditEvent]):
        wanted: dict[str, set[int]] = {}
        for event in events:
            table, _sep, key = (event.target or "").partition(":")
            if table in TARGET_MODELS and key.isdigit():
                wanted.setdefault(table, set()).add(int(key))
        self.rows = {
            table: {row.id: row for row in db.session.scalars(select(TARGET_MODELS[table]).where(
                TARGET_MODELS[table].id.in_(ids)))}
            for table, ids in wanted.items()
        }
        # Experts are named by address in their assignment's details.
        emails = {e.details[key].lower() for e in events for key in ("expert", "requester")
                  if isinstance((e.details or {}).get(key), str)}
        self.people = {u.email: u.name for u in db.session.scalars(select(User).where(User.email.in_(emails)))} \
            if emails else {}

    def name(self, target: str | None) -> str:
        table, _sep, key = (target or "").partition(":")
        if table in ("module", "modules"):
            return host().field_label(key)
        row = self.rows.get(table, {}).get(int(key)) if key.isdigit() else None
        if row is None:
            return str(SOMEONE) if target else ""
        if table == "requests":
            return row.reference
        if table == "users":
            return row.name
        if table == "organizations":
            return row.name
        return row.title

    def row(self, target: str | None):
        table, _sep, key = (target or "").partition(":")
        return self.rows.get(table, {}).get(int(key)) if key.isdigit() else None


def actor_name(event: AuditEvent, reader=None) -> str:
    """Who did it: their name; for ``reader`` reading about themselves, an administrator other
    than them is "an administrator of the cooperative"."""
    if event.actor is None:
        return str(SYSTEM)
    if reader is not None and event.actor.is_admin and event.actor.id != reader.id:
        return str(ADMINISTRATOR)
    return event.actor.name


def sentence(event: AuditEvent, targets: Targets, reader=None) -> str:
    """``event`` told in the current language."""
    details = event.details or {}
    values = {key: str(value) for key, value in details.items()}
    values.update(
        actor=actor_name(event, reader),
        target=targets.name(event.target),
        organization=event.organization.name if event.organization is not None else "",
        action=event.action,
    )
    if "role" in details:
        values["role"] = str(MEMBERSHIP_ROLES.get(details["role"], details["role"]))
    if event.action == "requests.transitioned":
        req = targets.row(event.target)
        state = details.get("target_state", "")
        values["state"] = presenters.state_label(req, state) if req is not None else state
    if event.action in ("requests.assigned", "requests.unassigned", "requests.filed_for"):
        for key in ("expert", "requester"):
            email = str(details.get(key, ""))
            values[key] = targets.people.get(email.lower(), email)
    if event.action == "requests.moved":
        values["source"] = host().field_label(str(details.get("source", "")))
        values["field"] = host().field_label(str(details.get("field", "")))
    if event.action.startswith("replies."):
        values["field"] = host().field_label(str(details.get("field", "")))
    if event.action == "requests.rescheduled":
        values["priority"] = str(PRIORITIES.get(details.get("priority"), details.get("priority", "")))
    template = SENTENCES.get(event.action, UNKNOWN)
    try:
        return str(template) % values
    except (KeyError, ValueError, TypeError):  # an older event without a detail this sentence uses
        return str(UNKNOWN) % values
