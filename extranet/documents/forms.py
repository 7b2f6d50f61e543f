from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from extranet.web.forms import BaseForm, DecimalField


class FolderForm(BaseForm):
    name = StringField(_l("Folder name"), validators=[DataRequired(), Length(max=200)])


class RenameForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])


class MoveForm(BaseForm):
    """``folder`` 0 is the root of the space; the choices come from the space's folders."""

    folder = SelectField(_l("Move to"), coerce=int)


class VisibilityForm(BaseForm):
    visibility = SelectField(_l("Who can see it"))


class UploadForm(BaseForm):
    """The files themselves come from ``request.files`` ("files"), several at once."""

    visibility = SelectField(_l("Who can see them"))
    category = SelectField(_l("Category"), validators=[Optional()])


class QuotaForm(BaseForm):
    quota = DecimalField(
        _l("Quota (GB)"), places=1, min=0, max=100_000, validators=[Optional()],
        description=_l("Leave empty for the default."),
    )
