"""Accounting (Comptabilité), an expertise field of Coop Extranet.

Accounting requests follow the ``accounting`` workflow: the expert may wait for the member's
documents, and a second expert reviews the work before it is delivered.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from extranet.api import ExpertiseField, RequestType, field_home, hookimpl, login_required
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

bp = Blueprint(SLUG, __name__)


@bp.get("/")
@login_required
def index():
    return field_home(SLUG, note=_("Every file is prepared by an accountant and reviewed by a second one before it is delivered to you."))


@hookimpl
def extranet_register_fields(app):
    return [FIELD]


@hookimpl
def extranet_register_request_types(app):
    return TYPES


@hookimpl
def extranet_register_workflows(app):
    return [ACCOUNTING]


@hookimpl
def extranet_register_blueprints(app):
    return [bp]
