"""The forms of the field builder: a field, a request type, a question."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from extranet.requests.models import CONFIDENTIALITY, PRIORITIES
from extranet.stored_fields.questions import CHOICE_KINDS, KINDS
from extranet.stored_fields.service import (
    COLOUR_RE,
    MAX_RESPONSE_HOURS,
    PREFIX_RE,
    SLUG_RE,
    question_problems,
)
from extranet.web.forms import BaseForm, IntegerField

SLUG_HELP = _l("Lowercase letters, digits and _, starting with a letter; it cannot change later.")


class NamedForm(BaseForm):
    """What a field and a request type both have: an identifier, names and descriptions."""

    slug = StringField(_l("Identifier"), description=SLUG_HELP,
                       validators=[DataRequired(), Regexp(SLUG_RE, message=_l("Lowercase letters, digits and _ only."))])
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=100)])
    description_fr = TextAreaField(_l("Description in French"), validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=2000)])


class FieldForm(NamedForm):
    prefix = StringField(_l("Reference prefix"), description=_l("2 to 6 capital letters: COM gives COM-2026-0001."),
                         validators=[DataRequired(), Regexp(PREFIX_RE, message=_l("2 to 6 capital letters."))])
    colour = StringField(_l("Colour"), default="#35607a",
                         validators=[DataRequired(), Regexp(COLOUR_RE, message=_l("A colour written #rrggbb."))])
    icon = StringField(_l("Icon"), default="folder", validators=[DataRequired(), Length(max=40)])
    order = IntegerField(_l("Order in menus"), min=0, max=10000, default=100, validators=[InputRequired()])
    confidentiality = SelectField(_l("Default confidentiality"), choices=list(CONFIDENTIALITY.items()))


class TypeForm(NamedForm):
    workflow = SelectField(  # the core's workflows, set by the view
        _l("Workflow"),
        description=_l("Standard: submitted, accepted, in progress, delivered, closed. With a second expert's "
                       "review: another expert than those assigned approves the work before it is delivered. With "
                       "a check before acceptance: an expert records what was checked before the request is "
                       "accepted."))
    priority = SelectField(_l("Default priority"), choices=list(PRIORITIES.items()), default="normal")
    order = IntegerField(_l("Order"), min=0, max=10000, default=100, validators=[InputRequired()])
    target_low = IntegerField(_l("Response target, low priority (hours)"), min=1, max=MAX_RESPONSE_HOURS,
                              validators=[Optional()])
    target_normal = IntegerField(_l("Response target, normal priority (hours)"), min=1, max=MAX_RESPONSE_HOURS,
                                 validators=[Optional()])
    target_high = IntegerField(_l("Response target, high priority (hours)"), min=1, max=MAX_RESPONSE_HOURS,
                               validators=[Optional()])
    target_urgent = IntegerField(_l("Response target, urgent (hours)"), min=1, max=MAX_RESPONSE_HOURS,
                                 validators=[Optional()],
                                 description=_l("Working hours to a first answer, per priority; empty: none. "
                                                "Administration → Service targets may set others."))

    def response_hours(self) -> dict:
        return {p: self[f"target_{p}"].data for p in PRIORITIES if self[f"target_{p}"].data is not None}

    def fill_targets(self, hours: dict) -> None:
        for priority, value in (hours or {}).items():
            self[f"target_{priority}"].data = value


class QuestionForm(BaseForm):
    name = StringField(_l("Identifier"), description=_l("Where the answer is kept; lowercase letters, digits and _."),
                       validators=[DataRequired(), Length(max=40)])
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()))
    required = BooleanField(_l("Required"))
    label_fr = StringField(_l("Question in French"), validators=[DataRequired(), Length(max=200)])
    label_en = StringField(_l("Question in English"), validators=[DataRequired(), Length(max=200)])
    help_fr = StringField(_l("Help in French"), validators=[Optional(), Length(max=500)])
    help_en = StringField(_l("Help in English"), validators=[Optional(), Length(max=500)])
    choices = TextAreaField(
        _l("Choices"), validators=[Optional(), Length(max=5000)],
        description=_l("One a line: identifier | French | English (for the two kinds of choice)."),
    )
    min = IntegerField(_l("Minimum"), min=-10**12, max=10**12, validators=[Optional()],
                       description=_l("A text's length, a number's or an amount's value."))
    max = IntegerField(_l("Maximum"), min=-10**12, max=10**12, validators=[Optional()])
    file_types = StringField(_l("Accepted file types"), validators=[Optional(), Length(max=200)],
                             description=_l("Extensions separated by commas (pdf, docx); empty: any accepted file."))

    def question(self) -> dict:
        question = {name: getattr(self, name).data for name in ("name", "kind", "label_fr", "label_en")}
        question["required"] = bool(self.required.data)
        question["help_fr"], question["help_en"] = self.help_fr.data or "", self.help_en.data or ""
        if self.kind.data in CHOICE_KINDS:
            question["choices"] = [
                dict(zip(("value", "label_fr", "label_en"), [p.strip() for p in (line.split("|") + ["", ""])[:3]],
                         strict=True))
                for line in (self.choices.data or "").splitlines() if line.strip()
            ]
        if self.min.data is not None:
            question["min"] = self.min.data
        if self.max.data is not None:
            question["max"] = self.max.data
        if self.kind.data == "file" and self.file_types.data:
            question["file_types"] = self.file_types.data
        return question

    def fill(self, question: dict) -> None:
        for name in ("name", "kind", "label_fr", "label_en", "help_fr", "help_en", "min", "max", "file_types"):
            getattr(self, name).data = question.get(name)
        self.required.data = bool(question.get("required"))
        self.choices.data = "\n".join(
            f"{c['value']} | {c.get('label_fr', '')} | {c.get('label_en', '')}" for c in question.get("choices") or []
        )

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        problems = question_problems(self.question(), str(_l("This question")))
        for problem in problems:
            self.form_errors.append(problem)
        return not problems


class ImportForm(BaseForm):
    file = FileField(_l("Exported field (JSON)"))
    text = TextAreaField(_l("Or paste its JSON"), validators=[Length(max=1_000_000)])

    def validate_text(self, field):
        if not field.data and not getattr(self.file.data, "filename", None):
            raise ValidationError(_l("Choose a file or paste the JSON."))
