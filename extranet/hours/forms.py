"""Forms of service hours: a time entry, an agreement, a module's hour settings, a rating."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from extranet.hours.models import ACTIVITIES, CARRY_OVER_LABELS
from extranet.hours.units import MAX_MINUTES_PER_ENTRY, parse_duration, parse_money
from extranet.web.forms import BaseForm, DateField, IntegerField, to_id


class TimeEntryForm(BaseForm):
    date = DateField(_l("Date"), validators=[InputRequired()], default=date.today)
    duration = StringField(
        _l("Duration"), validators=[DataRequired()],
        description=_l("For example 1:30, 1h30, 90 (minutes) or 1.5 (hours)."),
    )
    activity = SelectField(_l("Activity"), choices=list(ACTIVITIES.items()), default="analysis")
    billable = BooleanField(_l("Billable"), default=True)
    note = TextAreaField(_l("Note (internal)"), validators=[Optional(), Length(max=2000)])

    minutes: int = 0

    def validate_duration(self, field):
        try:
            minutes = parse_duration(field.data)
        except ValueError:
            raise ValidationError(_l("Enter a duration such as 1:30, 1h30, 90 or 1.5.")) from None
        if minutes <= 0:
            raise ValidationError(_l("The duration must be more than zero."))
        if minutes > MAX_MINUTES_PER_ENTRY:
            raise ValidationError(_l("A time entry cannot exceed 24 hours."))
        self.minutes = minutes


class TimesheetEntryForm(TimeEntryForm):
    """Time logged from the timesheet: the request is chosen among those one may log on (the
    view fills the choices)."""

    request_id = SelectField(_l("Request"), coerce=to_id, validators=[InputRequired()])

    def __iter__(self):  # the request first
        first = [self._fields["request_id"]]
        return iter(first + [f for name, f in self._fields.items() if name != "request_id"])


class MoneyField(StringField):
    """An amount typed as ``95.00`` or ``95,00``; ``.cents`` holds it in integer cents."""

    cents: int | None = None

    def pre_validate(self, form):
        self.cents = None
        if not (self.data or "").strip():
            return
        try:
            self.cents = parse_money(self.data)
        except ValueError:
            raise ValidationError(_l("Enter a positive amount such as 95.00 or 95,00.")) from None


class HoursField(StringField):
    """Hours typed as ``120``, ``120.5`` or ``120:30``; ``.minutes`` holds them in minutes."""

    minutes: int | None = None

    def pre_validate(self, form):
        self.minutes = None
        value = (self.data or "").strip()
        if not value:
            return
        if value.startswith("-"):
            raise ValidationError(_l("The number of hours cannot be negative."))
        try:
            # A bare number means hours here (not minutes as on a time entry).
            self.minutes = parse_duration(value if any(c in value for c in ":h.,") else f"{value}h")
        except ValueError:
            raise ValidationError(_l("Enter a number of hours such as 120 or 120.5.")) from None


class AgreementForm(BaseForm):
    organization_id = SelectField(_l("Organization"), coerce=to_id, validators=[InputRequired()])
    field = SelectField(_l("Field"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), min=2000, max=2100, validators=[InputRequired()])
    hours = HoursField(_l("Hours allotted"), validators=[DataRequired()],
                       description=_l("For the whole year, in hours (120 or 120.5)."))
    hourly_rate = MoneyField(_l("Hourly rate"), validators=[DataRequired()])
    overage_rate = MoneyField(_l("Overage rate"), validators=[DataRequired()],
                              description=_l("Per hour beyond the allotment."))
    carry_over = SelectField(_l("Carry-over"), choices=list(CARRY_OVER_LABELS.items()), default="none")


class HourSettingsForm(BaseForm):
    members_see_hours = BooleanField(_l("Members see the hours (not only managers)"))
    members_see_time_notes = BooleanField(_l("Members see the notes of time entries"))


RATINGS = [
    ("5", _l("5 — Very satisfied")),
    ("4", _l("4 — Satisfied")),
    ("3", _l("3 — Neutral")),
    ("2", _l("2 — Dissatisfied")),
    ("1", _l("1 — Very dissatisfied")),
]


class SatisfactionForm(BaseForm):
    rating = RadioField(_l("How satisfied are you with the service?"), choices=RATINGS,
                        validators=[DataRequired(message=_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=5000)])
