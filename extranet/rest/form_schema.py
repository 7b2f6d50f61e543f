"""A request type's (or a workflow step's) WTForms form as the API sees it: its questions as a
JSON Schema for the OpenAPI description and the fields endpoint, and a JSON body turned into the
form's input so that the form itself (the same as the page's) validates what a program sends."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectFieldBase
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

# The form's own bookkeeping, and what the API's envelope carries instead.
LEFT_OUT = {"csrf_token", "submit", "version", "title", "description", "restricted", "comment"}


def _field_schema(field) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": str(field.label.text)}
    if field.description:
        schema["description"] = str(field.description)
    if isinstance(field, BooleanField):
        schema["type"] = "boolean"
    elif isinstance(field, DateField):
        schema.update(type="string", format="date")
    elif isinstance(field, IntegerField):
        schema["type"] = "integer"
    elif isinstance(field, DecimalField):
        schema["type"] = "number"
    elif isinstance(field, SelectFieldBase):
        values = [str(value) for value, _label in _choices(field)]
        if field.type in ("SelectMultipleField", "MultiCheckboxField"):
            schema.update(type="array", items={"type": "string", "enum": values})
        else:
            schema.update(type="string", enum=values)
    else:
        schema["type"] = "string"
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max and validator.max > 0:
            schema["maxLength"] = validator.max
        if isinstance(validator, NumberRange):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
    low, high = getattr(field, "min", None), getattr(field, "max", None)  # web.forms' bounded numbers
    if isinstance(low, int | float) and "minimum" not in schema:
        schema["minimum"] = low
    if isinstance(high, int | float) and "maximum" not in schema:
        schema["maximum"] = high
    return schema


def _choices(field):
    for choice in field.choices or []:
        if isinstance(choice, tuple | list) and len(choice) >= 2 and isinstance(choice[1], tuple | list):
            yield from choice[1]  # a group of choices
        else:
            yield choice[0], choice[1]


def form_schema(form) -> dict[str, Any]:
    """JSON Schema of a built form's questions (built, so that choices set at run time show)."""
    properties, required = {}, []
    for name, field in form._fields.items():
        if name in LEFT_OUT or field.type in ("HiddenField", "CSRFTokenField", "SubmitField"):
            continue
        properties[name] = _field_schema(field)
        if any(isinstance(v, DataRequired | InputRequired) for v in field.validators):
            required.append(name)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def form_input(values: dict[str, Any]) -> MultiDict:
    """A JSON object as a posted form: true is a ticked box, false or null an empty one, a list
    several values."""
    data = MultiDict()
    for name, value in values.items():
        if value is None or value is False:
            continue
        if value is True:
            data.add(name, "y")
        elif isinstance(value, list | tuple):
            for item in value:
                data.add(name, str(item))
        else:
            data.add(name, str(value))
    return data


def unknown_answers(form, answers: dict[str, Any]) -> list[str]:
    allowed = set(form._fields) - LEFT_OUT
    return sorted(set(answers) - allowed)


def form_errors(form, answers: bool = True) -> list[dict[str, Any]]:
    """The form's errors in the problem's ``errors`` list, located in the body as sent: the
    type's (or step's) own questions under ``answers``, unless the form is the whole body."""
    found = []
    for name, messages in form.errors.items():
        where = ["body", name] if not answers or name in LEFT_OUT else ["body", "answers", name]
        for message in messages if isinstance(messages, list) else [messages]:
            found.append({"loc": where, "msg": str(message)})
    return found
