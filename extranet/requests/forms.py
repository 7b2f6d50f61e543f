from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from extranet.requests.models import PRIORITIES
from extranet.web.forms import BaseForm, DateField, to_id


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


class ScheduleForm(BaseForm):
    """An expert corrects the priority and the due date, saying why (shown in the history)."""

    version = HiddenField()
    priority = SelectField(_l("Priority"), choices=[(k, v) for k, v in PRIORITIES.items()])
    due_date = DateField(_l("Due date"), validators=[Optional()],
                         description=_l("Optional. Leave empty for no due date."))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])


class TagForm(BaseForm):
    tags = StringField(_l("Add tags"), validators=[DataRequired(), Length(max=400)],
                       description=_l("Separate several tags with commas."),
                       render_kw={"list": "tag-suggestions", "autocomplete": "off"})


class BulkForm(BaseForm):
    """What to do with the requests ticked in the list (``request`` values are "id:version")."""

    action = SelectField(_l("Action"), choices=[("assign", _l("Assign to")), ("transition", _l("Move to the step")),
                                                ("tag", _l("Add the tag"))])
    expert = SelectField(_l("Expert"), coerce=to_id, validate_choice=False, validators=[Optional()])
    transition = SelectField(_l("Step"), validate_choice=False, validators=[Optional()])
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=40)])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=5000)])


class ReplyTemplateForm(BaseForm):
    """A field's reply, in French and/or English (at least one). The view sets the fields offered."""

    field = SelectField(_l("Field"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("What the experts choose it by, for example “Documents received”."))
    body_fr = TextAreaField(_l("Text in French"), validators=[Optional(), Length(max=20000)])
    body_en = TextAreaField(_l("Text in English"), validators=[Optional(), Length(max=20000)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.body_fr.data or "").strip() and not (self.body_en.data or "").strip():
            self.body_fr.errors = [*self.body_fr.errors, _l("Write the text in French, in English, or both.")]
            return False
        return valid


class MergeForm(BaseForm):
    """Merge this request (a duplicate) into another one, named by its reference."""

    version = HiddenField()
    into = StringField(_l("Reference of the request that stays"), validators=[DataRequired(), Length(max=30)],
                       description=_l("For example RH-2026-0042. Both must be of the same organization and field."))
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=5000)])


class SaveViewForm(BaseForm):
    name = StringField(_l("Save these filters as"), validators=[DataRequired(), Length(max=80)])


class MoveForm(BaseForm):
    """Move a misfiled request: ``destination`` is "field/type" (the view sets the choices)."""

    version = HiddenField()
    destination = SelectField(_l("Field and type it belongs to"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])
