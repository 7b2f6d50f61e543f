from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from extranet.auth.forms import confirm_password_field, new_password_field, strip
from extranet.web.forms import BaseForm, DecimalField

LOCALE_CHOICES = [("fr_CA", "Français"), ("en", "English")]


class ProfileForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    # Experts only (removed for others): what their timesheet measures a week against.
    weekly_hours = DecimalField(_l("Hours per week"), min=0, max=80, places=None, validators=[InputRequired()],
                                description=_l("Your capacity: the timesheet compares each week's total with it."))


class ChangePasswordForm(BaseForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = new_password_field()
    confirm = confirm_password_field(_l("Confirm the new password"))


class InviteForm(BaseForm):
    email = EmailField(
        _l("Email"), filters=[strip], validators=[DataRequired(), Email(), Length(max=254)]
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
