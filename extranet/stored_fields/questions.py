"""A stored type's questions turned into a WTForms form at run time, and what each kind is.

A question is a dict (what the form builder saves and a field's JSON export carries):
``name`` (an identifier, the key of its answer in the request's data), ``kind`` (one of
``KINDS``), ``required``, ``label_fr``/``label_en``, ``help_fr``/``help_en``, ``choices``
(``[{"value", "label_fr", "label_en"}]`` for the two choice kinds), ``min``/``max`` (a text's
length, a number's range, an amount's range in dollars) and ``file_types`` (the extensions a
file question accepts, ``"pdf, docx"``; empty: any file the extranet accepts)."""

from __future__ import annotations

import decimal
import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import TextInput

from extranet.admin.forms import MultiCheckboxField
from extranet.contributions import Bilingual
from extranet.requests.forms import RequestForm
from extranet.web.forms import DateField, DecimalField, IntegerField

KINDS = {
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "number": _l("Number"),
    "amount": _l("Amount ($)"),
    "date": _l("Date"),
    "choice": _l("Choice"),
    "choices": _l("Several choices"),
    "yes_no": _l("Yes or no"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "file": _l("File"),
}
CHOICE_KINDS = {"choice", "choices"}
TEXT_KINDS = {"short_text", "long_text"}
RANGE_KINDS = {"number", "amount"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# The request form's own fields and the names whose answers set the request's own columns.
RESERVED_NAMES = {"title", "description", "restricted", "csrf_token", "submit", "organization_id",
                  "priority", "due_date", "files"}
TEXT_LIMITS = {"short_text": 200, "long_text": 20000}
NUMBER_LIMIT = 10**12
PHONE_RE = r"^[0-9+() .\-]{7,25}$"


def label(question: dict) -> Bilingual:
    return Bilingual(question.get("label_fr", ""), question.get("label_en", ""))


def choices_of(question: dict) -> list[tuple[str, Bilingual]]:
    return [(c["value"], Bilingual(c.get("label_fr", ""), c.get("label_en", ""))) for c in question.get("choices") or []]


class AmountField(DecimalField):
    """Dollars typed (``12,50``), cents stored: an amount is a whole number of cents."""

    widget = TextInput()  # a number input would refuse the comma of French amounts

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=2, render_kw={"inputmode": "decimal"}, **kwargs)

    @property
    def cents(self) -> int | None:
        return None if self.data is None else int((self.data * 100).to_integral_value(decimal.ROUND_HALF_UP))


class QuestionFileField(FileField):
    """A file question: the file goes with the request's files; its answer is the file's name."""

    def __init__(self, label=None, validators=None, *, extensions=(), required=False, **kwargs):
        self.extensions, self.required = tuple(extensions), required
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        chosen = self.data if getattr(self.data, "filename", None) else None
        if chosen is None:
            if self.required:
                raise ValidationError(_l("Choose a file."))
            return
        extension = chosen.filename.rsplit(".", 1)[-1].lower() if "." in chosen.filename else ""
        if self.extensions and extension not in self.extensions:
            raise ValidationError(_l("Accepted files: %(types)s.", types=", ".join(self.extensions)))

    @property
    def answer(self) -> str | None:
        return self.data.filename if getattr(self.data, "filename", None) else None


def _yes_no(value):
    return {"yes": True, "no": False, True: True, False: False, "True": True, "False": False}.get(value)


def file_types(question: dict) -> list[str]:
    return [t.strip().lstrip(".").lower() for t in (question.get("file_types") or "").split(",") if t.strip()]


def form_field(question: dict):
    """The WTForms field of one question."""
    kind, required = question["kind"], bool(question.get("required"))
    low, high = question.get("min"), question.get("max")
    text, description = label(question), Bilingual(question.get("help_fr", ""), question.get("help_en", ""))
    presence = [DataRequired()] if required else [Optional()]
    options = {"description": description}
    if kind in TEXT_KINDS:
        limit = Length(min=low or -1, max=high or TEXT_LIMITS[kind])
        cls = StringField if kind == "short_text" else TextAreaField
        return cls(text, validators=[*presence, limit], **options)
    if kind == "number":
        presence = [InputRequired()] if required else [Optional()]
        return IntegerField(text, min=-NUMBER_LIMIT if low is None else low, max=NUMBER_LIMIT if high is None else high,
                            validators=presence, **options)
    if kind == "amount":
        presence = [InputRequired()] if required else [Optional()]
        return AmountField(text, min=decimal.Decimal(low or 0), max=decimal.Decimal(NUMBER_LIMIT if high is None else high),
                           validators=presence, **options)
    if kind == "date":
        return DateField(text, validators=presence, **options)
    if kind == "choice":
        return SelectField(text, choices=[("", "—"), *choices_of(question)], validators=presence, **options)
    if kind == "choices":
        return MultiCheckboxField(text, choices=choices_of(question), validators=presence, **options)
    if kind == "yes_no":
        if not required:
            return BooleanField(text, **options)
        return RadioField(text, choices=[(True, _l("Yes")), (False, _l("No"))], coerce=_yes_no,
                          validators=[InputRequired()], **options)
    if kind == "email":
        return EmailField(text, validators=[*presence, Email(), Length(max=254)], **options)
    if kind == "phone":
        return TelField(text, validators=[*presence, Regexp(PHONE_RE, message=_l("Enter a phone number."))], **options)
    if kind == "file":
        extensions = file_types(question)
        if extensions and not (question.get("help_fr") or question.get("help_en")):
            options["description"] = _l("Accepted files: %(types)s.", types=", ".join(extensions))
        return QuestionFileField(text, extensions=extensions, required=required, **options)
    raise ValueError(f"unknown question kind {kind!r}")


def build_form(questions: list[dict], version: int) -> type[RequestForm]:
    """A ``RequestForm`` subclass asking ``questions`` in their order; its ``answers()`` are
    the data a request stores (amounts in cents, a file by its name, the form's version)."""

    def answers(self) -> dict:
        data = {}
        for question in questions:
            field = self[question["name"]]
            if isinstance(field, AmountField):
                data[question["name"]] = field.cents
            elif isinstance(field, QuestionFileField):
                data[question["name"]] = field.answer
            else:
                data[question["name"]] = field.data
        return {**data, "_form": version}

    attributes = {q["name"]: form_field(q) for q in questions}
    attributes["answers"] = answers
    return type("StoredRequestForm", (RequestForm,), attributes)


def answer_labels(versions: list[list[dict]]):
    """``answer_labels(data)`` of a stored type: the labels of the version a request was filed
    with (its ``_form``), so that a later edit of the form relabels no old answer."""

    def labels(data: dict) -> dict:
        index = data.get("_form")
        version = versions[index] if isinstance(index, int) and 0 <= index < len(versions) else versions[-1]
        return {q["name"]: (label(q), dict(choices_of(q)) if q["kind"] in CHOICE_KINDS else {}, q["kind"])
                for q in version}

    return labels
