"""The forms of the IT request types."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from extranet.api import DateField, IntegerField, RequestForm

PRIORITIES = [
    ("low", _l("Low")),
    ("normal", _l("Normal")),
    ("high", _l("High")),
    ("urgent", _l("Urgent")),
]

SECURITY_SCOPES = [
    ("infrastructure", _l("Network and servers")),
    ("workstations", _l("Workstations and phones")),
    ("cloud", _l("Cloud services and email")),
    ("web", _l("Website or web application")),
    ("access", _l("Accounts, passwords and access rights")),
    ("full", _l("Everything")),
]


class SupportTicketForm(RequestForm):
    # Named ``priority``: it sets the request's priority, hence its due time.
    priority = SelectField(
        _l("Priority"), choices=PRIORITIES, default="normal", validators=[DataRequired()],
        description=_l(
            "We answer an urgent ticket within 4 hours, a high one within a day, a normal one "
            "within 3 days and a low one within 10 days."
        ),
    )
    affected_system = StringField(
        _l("Affected system"), description=_l("For example: email, accounting software, the reception printer."),
        validators=[DataRequired(), Length(max=200)],
    )
    steps = TextAreaField(
        _l("Steps to reproduce"), description=_l("What you did, what you expected, what happened instead."),
        validators=[Optional(), Length(max=10000)],
    )


class SecurityReviewForm(RequestForm):
    scope = SelectField(_l("Scope"), choices=SECURITY_SCOPES, validators=[DataRequired()])
    systems = TextAreaField(
        _l("Systems concerned"), description=_l("One per line."), validators=[DataRequired(), Length(max=5000)]
    )
    last_review_date = DateField(
        _l("Date of the last review"), description=_l("Leave empty if there has never been one."),
        validators=[Optional()],
    )

    def validate_last_review_date(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("The last review cannot be in the future."))


class WebsiteProjectForm(RequestForm):
    goals = TextAreaField(_l("Goals of the website"), validators=[DataRequired(), Length(max=5000)])
    pages_estimate = IntegerField(_l("Estimated number of pages"), min=1, max=10_000, validators=[Optional()])
    launch_date = DateField(_l("Desired launch date"), validators=[Optional()])

    def validate_launch_date(self, field):
        if field.data and field.data < date.today():
            raise ValidationError(_l("The launch date cannot be in the past."))
