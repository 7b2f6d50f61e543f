"""Information technology (Technologies de l’information), an expertise field of Coop Extranet.

Support tickets carry a priority, and each priority a default first-response target in working
hours (admins change it under Administration → Service targets): the request's due time.
IT requests follow the standard workflow; security reviews are restricted by default.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from extranet.api import ExpertiseField, RequestType, field_blueprint, field_hooks
from extranet_it.forms import SecurityReviewForm, SupportTicketForm, WebsiteProjectForm

SLUG = "it"

# How soon the cooperative answers a support ticket, by priority, in working hours (a working
# day is 8 hours): the core's service targets start from these until an admin sets others.
RESPONSE_TARGETS = {
    "urgent": timedelta(hours=4),
    "high": timedelta(hours=8),
    "normal": timedelta(hours=24),
    "low": timedelta(hours=80),
}

FIELD = ExpertiseField(
    slug=SLUG,
    label=_l("Information technology"),
    description=_l(
        "Support, security and web projects: our IT team keeps your tools running and your data "
        "safe, and answers support tickets within a time set by their priority."
    ),
    icon="laptop",
    colour="#35607a",
    order=40,
    prefix="TI",
)

TYPES = [
    RequestType(
        field=SLUG, slug="support_ticket", label=_l("Support ticket"), form=SupportTicketForm,
        order=10, response_targets=RESPONSE_TARGETS,
        description=_l("Something does not work: a computer, the email, a software."),
    ),
    RequestType(
        field=SLUG, slug="security_review", label=_l("Security review"), form=SecurityReviewForm,
        confidentiality="restricted", order=20,
        description=_l("Assess the security of your systems and get a plan to improve it."),
    ),
    RequestType(
        field=SLUG, slug="website_project", label=_l("Website project"), form=WebsiteProjectForm,
        order=30, description=_l("Build or redo your organization's website."),
    ),
]

bp = field_blueprint(SLUG, __name__, note=_l(
    "Response times for support tickets, in working hours: urgent, 4 hours; high, 1 working day; "
    "normal, 3 working days; low, 10 working days."))


# The start-up hooks every field implements alike; pluggy finds them by these names.
(extranet_register_fields, extranet_register_request_types,
 extranet_register_blueprints) = field_hooks(FIELD, TYPES, bp)
