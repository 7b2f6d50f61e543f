"""Human resources (Ressources humaines), an expertise field of Coop Extranet.

HR requests are restricted by default: only the requester, the contacts they name, the
assigned experts and the administrators see them. They follow the standard workflow.
"""

from __future__ import annotations

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
from extranet_hr.forms import JobPostingForm, PolicyReviewForm, WorkplaceConflictForm

SLUG = "hr"
LATEST = 10

FIELD = Field(
    slug=SLUG,
    label=_l("Human resources"),
    description=_l(
        "Hiring, policies, working conditions and workplace relations: our HR advisers support "
        "your organization, in confidence."
    ),
    icon="people",
    colour="#7a3d6b",
    order=10,
    prefix="RH",
)

TYPES = [
    RequestType(
        field=SLUG, slug="job_posting", label=_l("Job posting"), form=JobPostingForm,
        confidentiality="restricted", order=10,
        description=_l("Write or review a job posting and plan the hiring."),
    ),
    RequestType(
        field=SLUG, slug="policy_review", label=_l("Policy review"), form=PolicyReviewForm,
        confidentiality="restricted", order=20,
        description=_l("Write or update an HR policy: harassment, telework, leave, pay."),
    ),
    RequestType(
        field=SLUG, slug="workplace_conflict", label=_l("Workplace conflict"), form=WorkplaceConflictForm,
        confidentiality="restricted", order=30,
        description=_l("Get help with a conflict or a difficult situation within the team."),
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
        "hr/index.html",
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
