"""Legal (Juridique), an expertise field of Coop Extranet.

Legal requests are restricted by default, and follow the ``legal`` workflow: before accepting a
mandate, an expert checks the cooperative's files for conflicts of interest with the parties.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from extranet.api import ExpertiseField, RequestType, field_blueprint, field_hooks, hookimpl
from extranet_legal.forms import BylawsAmendmentForm, ContractReviewForm, GeneralMeetingForm
from extranet_legal.workflow import LEGAL

SLUG = "legal"

FIELD = ExpertiseField(
    slug=SLUG,
    label=_l("Legal"),
    description=_l(
        "Contracts, bylaws, general meetings and governance: our legal team reviews, drafts and "
        "advises, after checking that it has no conflict of interest."
    ),
    icon="scale",
    colour="#3d4f7a",
    order=20,
    prefix="JUR",
)

TYPES = [
    RequestType(
        field=SLUG, slug="contract_review", label=_l("Contract review"), form=ContractReviewForm,
        workflow=LEGAL.slug, confidentiality="restricted", order=10,
        description=_l("Have a contract reviewed before you sign it."),
    ),
    RequestType(
        field=SLUG, slug="bylaws_amendment", label=_l("Bylaws amendment"), form=BylawsAmendmentForm,
        workflow=LEGAL.slug, confidentiality="restricted", order=20,
        description=_l("Draft amendments to your bylaws and the resolutions to adopt them."),
    ),
    RequestType(
        field=SLUG, slug="general_meeting", label=_l("General meeting"), form=GeneralMeetingForm,
        workflow=LEGAL.slug, confidentiality="restricted", order=30,
        description=_l("Prepare the notice, the agenda and the resolutions of a general meeting."),
    ),
]

bp = field_blueprint(SLUG, __name__, note=_l("Legal requests are confidential: only you, the colleagues you name, the assigned lawyers and the administrators see them. We check for conflicts of interest before accepting a mandate."))


# The start-up hooks every field implements alike; pluggy finds them by these names.
(extranet_register_fields, extranet_register_request_types,
 extranet_register_blueprints) = field_hooks(FIELD, TYPES, bp)


@hookimpl
def extranet_register_workflows(app):
    return [LEGAL]
