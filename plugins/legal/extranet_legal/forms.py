"""The forms of the legal request types, and the conflict-of-interest check."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from extranet.api import CommentForm, DateField, IntegerField, RequestForm

CONTRACT_TYPES = [
    ("services", _l("Service agreement")),
    ("lease", _l("Lease")),
    ("employment", _l("Employment contract")),
    ("partnership", _l("Partnership or joint venture")),
    ("purchase", _l("Purchase or sale")),
    ("other", _l("Other")),
]

MEETING_TYPES = [("annual", _l("Annual general meeting")), ("special", _l("Special general meeting"))]


def not_in_the_past(form, field):
    if field.data and field.data < date.today():
        raise ValidationError(_l("This date is already past."))


class ContractReviewForm(RequestForm):
    counterparty = StringField(_l("Counterparty"), validators=[DataRequired(), Length(max=200)])
    contract_type = SelectField(_l("Type of contract"), choices=CONTRACT_TYPES, validators=[DataRequired()])
    # Named ``due_date``: it sets the request's due date.
    due_date = DateField(
        _l("Deadline"), description=_l("When the contract must be signed, if there is a deadline."),
        validators=[Optional(), not_in_the_past],
    )
    contract_value = IntegerField(_l("Approximate value ($)"), min=0, max=1_000_000_000, validators=[Optional()])


class BylawsAmendmentForm(RequestForm):
    articles = StringField(
        _l("Articles concerned"), description=_l("For example: 4, 7.2 and 12."),
        validators=[DataRequired(), Length(max=500)],
    )
    meeting_date = DateField(
        _l("Date of the general meeting that will vote on it"), validators=[Optional(), not_in_the_past]
    )


class GeneralMeetingForm(RequestForm):
    meeting_date = DateField(_l("Meeting date"), validators=[InputRequired(), not_in_the_past])
    meeting_type = SelectField(_l("Type of meeting"), choices=MEETING_TYPES, validators=[DataRequired()])
    expected_attendance = IntegerField(_l("Expected attendance"), min=1, max=100_000, validators=[Optional()])


class ConflictCheckForm(CommentForm):
    """What the expert attests before the cooperative accepts a legal mandate."""

    confirm = BooleanField(
        _l("I checked our files: no conflict of interest with the parties"),
        validators=[DataRequired(message=_l("Check this box once you have checked for conflicts of interest."))],
    )
    parties = TextAreaField(
        _l("Parties checked"), description=_l("One per line: the member, the counterparties, their directors."),
        validators=[DataRequired(), Length(max=5000)],
    )
