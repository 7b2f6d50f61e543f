from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired

from extranet.accounts.forms import InviteForm
from extranet.organizations.models import ROLES
from extranet.web.forms import BaseForm, IdField


class MemberInviteForm(InviteForm):
    role = RadioField(_l("Role"), choices=list(ROLES.items()), default="member")


class SwitchOrganizationForm(BaseForm):
    """The header's organization switcher (its template lists the choices)."""

    organization_id = IdField(_l("Organization"), validators=[InputRequired()])
    next = HiddenField()
