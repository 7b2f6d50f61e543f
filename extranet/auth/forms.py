from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from extranet.api import BaseForm

MIN_PASSWORD = 10


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me on this device"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])


class NewPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)],
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD),
    )
    confirm = PasswordField(
        _l("Confirm the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
