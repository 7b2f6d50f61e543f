from flask_babel import lazy_gettext as _l
from wtforms import RadioField

from extranet.accounts.forms import InviteForm
from extranet.organizations.models import ROLES


class MemberInviteForm(InviteForm):
    role = RadioField(_l("Role"), choices=list(ROLES.items()), default="member")
