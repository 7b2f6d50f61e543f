"""The forms of the HR request types: each adds its own fields to ``RequestForm``."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from extranet.api import DateField, IntegerField, RequestForm

EMPLOYMENT_TYPES = [
    ("permanent_full_time", _l("Permanent, full time")),
    ("permanent_part_time", _l("Permanent, part time")),
    ("fixed_term", _l("Fixed-term contract")),
    ("seasonal", _l("Seasonal")),
    ("internship", _l("Internship")),
]

URGENCY = [
    ("low", _l("Low: it can wait a few weeks")),
    ("normal", _l("Normal")),
    ("high", _l("High: it affects the team's work")),
    ("urgent", _l("Urgent: someone's health or safety is at stake")),
]


class JobPostingForm(RequestForm):
    position_title = StringField(_l("Position title"), validators=[DataRequired(), Length(max=200)])
    employment_type = SelectField(_l("Employment type"), choices=EMPLOYMENT_TYPES, validators=[DataRequired()])
    salary_min = IntegerField(_l("Salary range: from ($ a year)"), min=0, max=1_000_000, validators=[Optional()])
    salary_max = IntegerField(_l("Salary range: to ($ a year)"), min=0, max=1_000_000, validators=[Optional()])
    start_date = DateField(_l("Desired start date"), validators=[Optional()])

    def validate_salary_max(self, field):
        if field.data is not None and self.salary_min.data is not None and field.data < self.salary_min.data:
            raise ValidationError(_l("The top of the range must be at least its bottom."))

    def validate_start_date(self, field):
        if field.data and field.data < date.today():
            raise ValidationError(_l("The start date cannot be in the past."))


class PolicyReviewForm(RequestForm):
    policy_name = StringField(_l("Policy name"), validators=[DataRequired(), Length(max=200)])
    current_version_date = DateField(
        _l("Date of the current version"),
        description=_l("Leave empty if the organization has no such policy yet."),
        validators=[Optional()],
    )
    goals = TextAreaField(_l("What should the review achieve?"), validators=[DataRequired(), Length(max=5000)])

    def validate_current_version_date(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("The current version cannot be dated in the future."))


class WorkplaceConflictForm(RequestForm):
    people_involved = IntegerField(
        _l("Number of people involved"), min=2, max=1000, validators=[InputRequired()],
        message=_l("A conflict involves at least two people: enter a number between %(min)s and %(max)s."),
    )
    # Named ``priority``: it sets the request's priority.
    priority = SelectField(_l("Urgency"), choices=URGENCY, default="normal", validators=[DataRequired()])
    already_documented = BooleanField(
        _l("The situation is already documented (complaints, notes, emails)"),
    )
