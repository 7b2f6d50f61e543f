"""Every model of the core, imported together so that the schema (and Alembic's
autogenerate) always sees all tables, whichever views are loaded."""

from extranet.access.models import AccessRecord
from extranet.accounts.models import ExpertField, User
from extranet.audit.models import AuditEvent
from extranet.auth.models import KnownBrowser, RecoveryCode, UserSession
from extranet.calendars.models import CalendarFeed
from extranet.documents.models import Document, DocumentVersion, Folder
from extranet.files.models import FileVersion
from extranet.hours.models import (
    Agreement,
    HourAlert,
    HoursMonthly,
    Satisfaction,
    Statement,
    TimeEntry,
)
from extranet.inbound.models import InboundEmail
from extranet.modules import Module
from extranet.notifications.models import MutedEmail, Notification, OutboxEmail
from extranet.organizations.models import Membership, Organization, Subscription
from extranet.privacy.models import DataExport, ErasureRequest
from extranet.requests.models import (
    Attachment,
    Message,
    ReferenceCounter,
    RequestEvent,
    RequestParticipant,
    ServiceRequest,
)
from extranet.resources.models import Resource, ResourceVisit
from extranet.rest.models import ApiToken
from extranet.servicetargets.models import (
    CalendarSettings,
    ClosedDay,
    RequestClock,
    SentReminder,
    ServiceTarget,
)
from extranet.stored_fields.models import StoredField, StoredRequestType
from extranet.webhooks.models import WebhookDelivery, WebhookHost, WebhookSubscription

__all__ = [
    "AccessRecord", "Agreement", "ApiToken", "Attachment", "AuditEvent", "CalendarFeed", "CalendarSettings", "ClosedDay", "DataExport", "Document", "DocumentVersion", "ErasureRequest",
    "ExpertField", "FileVersion", "Folder", "InboundEmail", "HourAlert", "HoursMonthly", "KnownBrowser", "Membership", "Message", "Module",
    "MutedEmail", "Notification", "Organization", "OutboxEmail", "RecoveryCode", "ReferenceCounter",
    "RequestClock", "RequestEvent", "RequestParticipant", "SentReminder", "ServiceTarget",
    "Resource", "ResourceVisit", "Satisfaction", "ServiceRequest", "Statement", "StoredField", "StoredRequestType",
    "Subscription", "TimeEntry", "User", "UserSession", "WebhookDelivery", "WebhookHost", "WebhookSubscription",
]
