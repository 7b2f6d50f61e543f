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


def new_password_field():
    """A new password: required, long enough, and said so under the field."""
    return PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)],
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD),
    )


def confirm_password_field(label):
    """The new password typed again, which must be the form's ``password``."""
    return PasswordField(
        label, validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class NewPasswordForm(BaseForm):
    password = new_password_field()
    confirm = confirm_password_field(_l("Confirm the password"))


def code_field(label, description, max_length: int, **render_kw):
    """A one-time code typed by hand (spaces around it ignored), which the browser may fill in
    from a message it received; ``render_kw``, what else the input says to the browser."""
    return StringField(
        label, filters=[strip], validators=[DataRequired(), Length(max=max_length)],
        render_kw={"autocomplete": "one-time-code", **render_kw}, description=description,
    )


class SecondFactorForm(BaseForm):
    """The code of the sign-in's second step: six digits from the app, or a recovery code."""

    code = code_field(
        _l("Code"), _l("The six digits your authenticator app shows, or one of your recovery codes."), 40,
        autocapitalize="none", spellcheck="false",
    )
    trust = BooleanField(_l("Trust this browser for 30 days (no code asked here until then)"))


class AppCodeForm(BaseForm):
    """A code of the authenticator app, to confirm a change of the second factor."""

    code = code_field(_l("Code from the app"), _l("The six digits your authenticator app shows now."), 20,
                      inputmode="numeric")
