"""The forms of the service-target administration: the calendar, closed days, targets."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from extranet.admin.forms import MultiCheckboxField
from extranet.requests.models import PRIORITIES
from extranet.web.forms import BaseForm, DateField, DecimalField

WEEKDAYS = [("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")), ("3", _l("Thursday")),
            ("4", _l("Friday")), ("5", _l("Saturday")), ("6", _l("Sunday"))]


class CalendarForm(BaseForm):
    weekdays = MultiCheckboxField(_l("Working days"), choices=WEEKDAYS)
    opens = TimeField(_l("Opens at"), validators=[InputRequired(message=_l("Enter the opening time."))])
    closes = TimeField(_l("Closes at"), validators=[InputRequired(message=_l("Enter the closing time."))])
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=60)])

    def validate_weekdays(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one working day."))

    def validate_closes(self, field):
        if self.opens.data and field.data and field.data <= self.opens.data:
            raise ValidationError(_l("The closing time must come after the opening time."))

    def validate_timezone(self, field):
        try:
            ZoneInfo(field.data.strip())
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError(_l("Enter a time zone such as America/Montreal.")) from error


class ClosedDayForm(BaseForm):
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date the cooperative is closed."))])
    label = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=120)])


class RemoveClosedDayForm(BaseForm):
    day = DateField(_l("Date"), validators=[InputRequired()])


def target_name(type_slug: str, priority: str, kind: str) -> str:
    return f"{type_slug}__{priority}__{kind}"


def targets_form(types) -> type[BaseForm]:
    """A form with a first-response and a resolution field (working hours) per type and
    priority of one field; empty means no target."""
    attrs = {}
    for rtype in types:
        for priority in PRIORITIES:
            for kind in ("first", "resolution"):
                attrs[target_name(rtype.slug, priority, kind)] = DecimalField(
                    validators=[Optional()], min=0.25, max=2000, places=2,
                    message=_l("Enter a number of working hours between %(min)s and %(max)s."))
    return type("TargetsForm", (BaseForm,), attrs)
