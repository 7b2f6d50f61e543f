"""The forms of the accounting request types and of its workflow's transitions."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from extranet.api import DateField, IntegerField, ReasonForm, RequestForm

REVENUE_RANGES = [
    ("under_100k", _l("Under $100,000")),
    ("100k_500k", _l("$100,000 to $500,000")),
    ("500k_2m", _l("$500,000 to $2 million")),
    ("2m_10m", _l("$2 million to $10 million")),
    ("over_10m", _l("Over $10 million")),
]

ENGAGEMENTS = [
    ("audit", _l("Audit")),
    ("review", _l("Review engagement")),
    ("compilation", _l("Compilation engagement")),
]

BUDGET_SCOPES = [
    ("operating", _l("Operating budget")),
    ("capital", _l("Capital budget (investments)")),
    ("project", _l("A project or a grant application")),
    ("cash_flow", _l("Cash-flow forecast")),
]

TAX_FORMS = [
    ("t2", _l("T2 — federal corporation income tax return")),
    ("co17", _l("CO-17 — Québec corporation income tax return")),
    ("t1044", _l("T1044 — non-profit organization information return")),
    ("t3010", _l("T3010 — registered charity information return")),
    ("gst_qst", _l("GST/HST and QST returns")),
    ("slips", _l("T4 and RL-1 slips")),
]

YEARS = {"min": 2000, "max": 2100, "message": _l("Enter a year between %(min)s and %(max)s.")}


class AnnualStatementsForm(RequestForm):
    fiscal_year_end = DateField(_l("Fiscal year end"), validators=[InputRequired()])
    revenue_range = SelectField(_l("Annual revenue"), choices=REVENUE_RANGES, validators=[DataRequired()])
    engagement = SelectField(
        _l("Type of engagement"), choices=ENGAGEMENTS, validators=[DataRequired()],
        description=_l("Your bylaws or your funders may require an audit."),
    )

    def validate_fiscal_year_end(self, field):
        if field.data and field.data.year > date.today().year + 1:
            raise ValidationError(_l("This fiscal year has not started yet."))


class BudgetForm(RequestForm):
    budget_year = IntegerField(_l("Budget year"), validators=[InputRequired()], **YEARS)
    scope = SelectField(_l("Scope"), choices=BUDGET_SCOPES, validators=[DataRequired()])
    board_meeting = DateField(
        _l("Board meeting that adopts it"), validators=[Optional()],
        description=_l("We plan the work so that the budget is ready a week before."),
    )


class TaxFilingForm(RequestForm):
    tax_year = IntegerField(_l("Tax year"), validators=[InputRequired()], **YEARS)
    forms = SelectMultipleField(
        _l("Returns and slips concerned"), choices=TAX_FORMS,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        validators=[DataRequired(message=_l("Choose at least one return."))],
    )


class DocumentsForm(ReasonForm):
    comment = TextAreaField(
        _l("Documents needed"), description=_l("One per line: what the member must send."),
        validators=[DataRequired(), Length(max=5000)],
    )

