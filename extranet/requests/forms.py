from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from extranet.web.forms import BaseForm, to_id


class RequestForm(BaseForm):
    """Base of every request type's form: plugins add their own fields to it."""

    title = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    restricted = BooleanField(
        _l("Restricted"),
        description=_l("Only you, the contacts you name, the assigned experts and the administrators will see it."),
    )


class CommentForm(BaseForm):
    """The default form of a transition: an optional comment."""

    version = HiddenField()
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=5000)])


class ReasonForm(CommentForm):
    """A transition that must say why (declining, asking the member for something)."""

    comment = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])


class MessageForm(BaseForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=20000)])
    internal = BooleanField(_l("Internal note (experts only)"))


class AssignForm(BaseForm):
    """The experts of the request's field are the choices shown; a post may also name a current
    assignee to remove ("remove": "1"), who may have left the field, so the view checks the
    person itself."""

    expert = SelectField(_l("Expert"), coerce=to_id, validate_choice=False)
