"""The address of a field, as an admin sets it (Administration → Inbound mail)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, ValidationError

from extranet.inbound import addresses
from extranet.plugins import host
from extranet.web.forms import BaseForm

# A local part, or a whole address in another domain; no "+": reply addresses start "reply+".
_ADDRESS = re.compile(r"^[a-z0-9]([a-z0-9._-]{0,62})(@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})?$")


class FieldAddressForm(BaseForm):
    address = StringField(_l("Address"), validators=[Length(max=254)],
                          description=_l("A name before the @ (e.g. rh), or a whole address if your mail server "
                                         "delivers another domain to the extranet. Empty: the field's short name."))
    type = SelectField(_l("Type of the requests it files"), validate_choice=True)

    def __init__(self, slug: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slug = slug
        types = sorted(host().types_of(slug), key=lambda t: (t.order, t.slug))
        self.type.choices = [("", _l("The field's first type"))] + [(t.slug, t.label) for t in types]

    def validate_address(self, field):
        value = (field.data or "").strip().lower()
        field.data = value
        if not value:
            return
        if not _ADDRESS.match(value) or value.startswith(addresses.REPLY_PREFIX.rstrip("+")):
            raise ValidationError(_l("Letters, digits, dots and hyphens only, such as rh or rh@mail.coop.example "
                                     "(and not starting with “reply”)."))
        full = value if "@" in value else f"{value}@{addresses.domain()}"
        taken = next((f for f in host().enabled_fields()
                      if f.slug != self.slug and addresses.field_address(f.slug) == full), None)
        if taken is not None:
            raise ValidationError(_l("%(field)s already receives mail at this address.", field=taken.label))
