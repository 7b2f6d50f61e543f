"""How long a field keeps its information: months per kind, empty for ever."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional

from extranet.web.forms import BaseForm, IntegerField

MAX_MONTHS = 1200  # a hundred years: longer is "for ever", say so by leaving it empty


def _months(label):
    return IntegerField(label, min=1, max=MAX_MONTHS, validators=[Optional()])


class RetentionForm(BaseForm):
    requests = _months(_l("Closed requests (months)"))
    messages = _months(_l("Messages (months)"))
    files = _months(_l("Files (months)"))
    access = _months(_l("Access records (months)"))
