"""Accounting (Comptabilité), an expertise field of Coop Extranet.

Accounting requests follow the ``accounting`` workflow: the expert may wait for the member's
documents, and a second expert reviews the work before it is delivered.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from extranet.api import ExpertiseField, RequestType, field_blueprint, field_hooks, hookimpl
from extranet_accounting.forms import AnnualStatementsForm, BudgetForm, TaxFilingForm
from extranet_accounting.workflow import ACCOUNTING

SLUG = "accounting"

FIELD = ExpertiseField(
    slug=SLUG,
    label=_l("Accounting"),
    description=_l(
        "Financial statements, budgets and tax returns: our accountants prepare them with you, "
        "and a second expert reviews every file before it is delivered."
    ),
    icon="calculator",
    colour="#2f6b4f",
    order=30,
    prefix="CPT",
)

TYPES = [
    RequestType(
        field=SLUG, slug="annual_statements", label=_l("Annual financial statements"),
        form=AnnualStatementsForm, workflow=ACCOUNTING.slug, order=10,
        description=_l("Prepare the year-end financial statements, and the audit or review."),
    ),
    RequestType(
        field=SLUG, slug="budget", label=_l("Budget"), form=BudgetForm, workflow=ACCOUNTING.slug,
        order=20, description=_l("Build an operating or capital budget, or a cash-flow forecast."),
    ),
    RequestType(
        field=SLUG, slug="tax_filing", label=_l("Tax filing"), form=TaxFilingForm,
        workflow=ACCOUNTING.slug, order=30,
        description=_l("Prepare and file income tax and information returns, sales taxes and slips."),
    ),
]

bp = field_blueprint(SLUG, __name__, note=_l("Every file is prepared by an accountant and reviewed by a second one before it is delivered to you."))


# The start-up hooks every field implements alike; pluggy finds them by these names.
(extranet_register_fields, extranet_register_request_types,
 extranet_register_blueprints) = field_hooks(FIELD, TYPES, bp)


@hookimpl
def extranet_register_workflows(app):
    return [ACCOUNTING]
