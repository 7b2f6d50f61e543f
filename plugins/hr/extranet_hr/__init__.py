"""Human resources (Ressources humaines), an expertise field of Coop Extranet.

HR requests are restricted by default: only the requester, the contacts they name, the
assigned experts and the administrators see them. They follow the standard workflow.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from extranet.api import ExpertiseField, RequestType, field_blueprint, field_hooks
from extranet_hr.forms import JobPostingForm, PolicyReviewForm, WorkplaceConflictForm

SLUG = "hr"

FIELD = ExpertiseField(
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

bp = field_blueprint(SLUG, __name__, note=_l("HR requests are confidential: only you, the colleagues you name, the assigned advisers and the administrators see them."))


# The start-up hooks every field implements alike; pluggy finds them by these names.
(extranet_register_fields, extranet_register_request_types,
 extranet_register_blueprints) = field_hooks(FIELD, TYPES, bp)
