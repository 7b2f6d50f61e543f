"""The form that makes a personal access token on the profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from extranet.admin.forms import MultiCheckboxField
from extranet.rest.models import RESOURCE_KINDS, WRITABLE_KINDS
from extranet.web.forms import BaseForm

KIND_LABELS = {
    "requests": _l("Requests"),
    "messages": _l("Messages"),
    "documents": _l("Documents"),
    "hours": _l("Hours, agreements and statements"),
    "organizations": _l("Organizations and people"),
    "fields": _l("Fields and request types"),
}
LIFETIMES = [("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("One year")), ("0", _l("No expiry"))]


def scope_choices():
    choices = []
    for kind in RESOURCE_KINDS:
        choices.append((f"{kind}:read", _l("%(kind)s: read", kind=KIND_LABELS[kind])))
        if kind in WRITABLE_KINDS:
            choices.append((f"{kind}:write", _l("%(kind)s: read and write", kind=KIND_LABELS[kind])))
    return choices


class TokenForm(BaseForm):
    name = StringField(_l("Name"), description=_l("What the token is for, e.g. “Accounting export”."),
                       validators=[DataRequired(), Length(max=100)])
    scopes = MultiCheckboxField(_l("What it may do"), validators=[DataRequired()])
    lifetime = SelectField(_l("Expires after"), choices=LIFETIMES, default="90")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = scope_choices()
