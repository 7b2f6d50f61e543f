from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from extranet.resources.service import CATEGORIES, LANGUAGES
from extranet.web.forms import BaseForm


class ResourceForm(BaseForm):
    """Editing a resource: the file is optional (a new one becomes the next version)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        _l("Summary"), validators=[Optional(), Length(max=2000)],
        description=_l("A few lines that tell members what the resource is for (searched too)."),
    )
    language = SelectField(_l("Language"), choices=list(LANGUAGES.items()), default="fr")
    category = SelectField(_l("Category"), choices=list(CATEGORIES.items()), default="guide")
    file = FileField(
        _l("New file (optional)"),
        description=_l("Upload a new file to replace the current one; the previous one is kept as a version."),
    )


class NewResourceForm(ResourceForm):
    file = FileField(
        _l("File"), validators=[FileRequired(_l("Choose the file to publish."))],
        description=_l("PDF, Office or OpenDocument files, images, or plain text."),
    )
    publish = BooleanField(
        _l("Publish now"), default=True,
        description=_l("Unchecked, the resource stays a draft that only the field's experts see."),
    )
