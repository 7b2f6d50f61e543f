"""Accounting (Comptabilité), an expertise field of Coop Extranet.

Accounting requests follow the ``accounting`` workflow: the expert may wait for the member's
documents, and a second expert reviews the work before it is delivered.
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
from extranet_accounting.forms import AnnualStatementsForm, BudgetForm, TaxFilingForm
from extranet_accounting.workflow import ACCOUNTING

SLUG = "accounting"
LATEST = 10

FIELD = Field(
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
        "accounting/index.html",
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
def extranet_register_workflows(app):
    return [ACCOUNTING]


@hookimpl
def extranet_register_blueprints(app):
    return [bp]
