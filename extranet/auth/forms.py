from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from extranet.web.forms import BaseForm

MIN_PASSWORD = 10


def strip(value):
    """A filter: surrounding spaces (pasted addresses) are not part of the value."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me on this device"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Email()])


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


class SecondFactorForm(BaseForm):
    """The code of the sign-in's second step: six digits from the app, or a recovery code."""

    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
        description=_l("The six digits your authenticator app shows, or one of your recovery codes."),
    )
    trust = BooleanField(_l("Trust this browser for 30 days (no code asked here until then)"))


class AppCodeForm(BaseForm):
    """A code of the authenticator app, to confirm a change of the second factor."""

    code = StringField(
        _l("Code from the app"),
        filters=[strip],
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
        description=_l("The six digits your authenticator app shows now."),
    )
