"""Information technology (Technologies de l’information), an expertise field of Coop Extranet.

Support tickets carry a priority, and each priority a response target: the request's due time.
IT requests follow the standard workflow; security reviews are restricted by default.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from extranet.api import (
    Field,
    RequestType,
    ServiceRequest,
    can,
    current_organization,
    current_user,
    db,
    hookimpl,
    login_required,
    render,
    request_scope,
    require,
    visible_requests,
)
from extranet_it.forms import SecurityReviewForm, SupportTicketForm, WebsiteProjectForm

SLUG = "it"
LATEST = 10

# How soon the cooperative answers a support ticket, by priority.
RESPONSE_TARGETS = {
    "urgent": timedelta(hours=4),
    "high": timedelta(days=1),
    "normal": timedelta(days=3),
    "low": timedelta(days=10),
}

FIELD = Field(
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

bp = Blueprint(SLUG, __name__, template_folder="templates")


@bp.get("/")
@login_required
def index():
    """The field's home page: what it does, a tile per request type, the latest requests."""
    require("field.use", SLUG)
    latest = db.session.scalars(
        visible_requests(current_user, request_scope(current_user))
        .where(ServiceRequest.field == SLUG)
        .order_by(ServiceRequest.created_at.desc(), ServiceRequest.id.desc())
        .limit(LATEST)
    ).all()
    return render(
        "it/index.html",
        field=FIELD,
        types=TYPES,
        can_file=can(current_user, "request.create", (current_organization(), SLUG)),
        latest=latest,
    )


@hookimpl
def extranet_register_fields(app):
    return [FIELD]


@hookimpl
def extranet_register_request_types(app):
    return TYPES


@hookimpl
def extranet_register_blueprints(app):
    return [bp]
