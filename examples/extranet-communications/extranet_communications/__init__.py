"""Communications, an example third-party expertise field of Coop Extranet.

A complete field in one module: its field, two request types with their forms, the standard
workflow, and a home page. It imports nothing from the core but ``extranet.api``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from extranet.api import Field, RequestForm, RequestType, field_home, hookimpl, login_required

SLUG = "communications"

AUDIENCES = [
    ("members", _l("Our members")),
    ("public", _l("The general public")),
    ("partners", _l("Partners and funders")),
]


def not_in_the_past(form, field):
    if field.data and field.data < date.today():
        raise ValidationError(_l("This date is already past."))


class PressReleaseForm(RequestForm):
    announcement = TextAreaField(
        _l("What are you announcing?"), validators=[DataRequired(), Length(max=5000)]
    )
    # Named ``due_date``: it sets the request's due date.
    due_date = DateField(_l("Desired publication date"), validators=[Optional(), not_in_the_past])
    spokesperson = StringField(_l("Spokesperson"), validators=[Optional(), Length(max=200)])
    embargo = BooleanField(_l("Under embargo until publication"))


class NewsletterForm(RequestForm):
    audience = SelectField(_l("Audience"), choices=AUDIENCES, validators=[DataRequired()])
    issue_date = DateField(_l("Issue date"), validators=[DataRequired(), not_in_the_past])
    topics = TextAreaField(
        _l("Topics"), description=_l("One per line."), validators=[DataRequired(), Length(max=5000)]
    )


FIELD = Field(
    slug=SLUG,
    label=_l("Communications"),
    description=_l("Press releases and newsletters: our communications team writes and publishes them with you."),
    icon="megaphone",
    colour="#8a5a1f",
    order=60,
    prefix="COM",
)

TYPES = [
    RequestType(
        field=SLUG, slug="press_release", label=_l("Press release"), form=PressReleaseForm, order=10,
        description=_l("Announce news to the media."),
    ),
    RequestType(
        field=SLUG, slug="newsletter", label=_l("Newsletter"), form=NewsletterForm, order=20,
        description=_l("Write and send an issue of your newsletter."),
    ),
]

bp = Blueprint(SLUG, __name__)


@bp.get("/")
@login_required
def index():
    return field_home(SLUG)


@hookimpl
def extranet_register_fields(app):
    return [FIELD]


@hookimpl
def extranet_register_request_types(app):
    return TYPES


@hookimpl
def extranet_register_blueprints(app):
    return [bp]
