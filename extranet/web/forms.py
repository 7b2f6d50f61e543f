"""The base of every form, and the fields whose errors must say what is wrong.

WTForms' own date and number fields answer a typo with "Not a valid date value." or, behind
``DataRequired``, with "This field is required." (a date that does not parse, or ``0``, has no
data). These fields name the expected format or range instead, and keep every number within
bounds that the database and the code after them can hold, so that a number out of range is
a form error, never a 5xx. A typo or a number out of range stops the field's validators, so even a
``DataRequired`` behind it cannot replace the message; still, mark a required one with
``InputRequired``, which looks at what was typed (``DataRequired`` calls ``0`` empty).
"""

from __future__ import annotations

import decimal

import wtforms
from flask import get_template_attribute
from flask_babel import LazyString, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import StopValidation
from wtforms.widgets import ListWidget, TableWidget

from extranet.web.ids import ID_MAX, ID_MIN, read_id


class BaseForm(FlaskForm):
    """Base class of every form: CSRF-protected (HTMX posts send the token in a header)."""

    def hidden_tag(self, *fields):
        """The hidden fields, preceded, after a failed submit, by the summary of its errors.

        Every form's template starts with ``form.hidden_tag()``, so every form gets the summary
        (the ``error_summary`` macro of ``_macros.html``) without asking for it."""
        hidden = super().hidden_tag(*fields)
        if not self.errors:
            return hidden
        # The macro's output is Markup (the template autoescapes), as is hidden_tag's.
        return get_template_attribute("_macros.html", "error_summary")(self) + hidden

    def error_list(self) -> list[tuple[str | None, str, str]]:
        """``(id to link to, label, message)`` for each error, in the order of the fields.

        A group of radio buttons or checkboxes links to its first option; a hidden field and
        the form's own errors have nothing to link to."""
        problems = []
        for field in self:
            if not field.errors or field.type == "CSRFTokenField":
                continue
            if field.type == "HiddenField":
                target = None
            elif is_choice_group(field):
                target = next((option.id for option in field), field.id)
            else:
                target = field.id
            problems.extend((target, field.label.text, str(message)) for message in field.errors)
        problems.extend((None, "", str(message)) for message in self.form_errors)
        return problems


def is_choice_group(field) -> bool:
    """Whether the field is a group of radio buttons or checkboxes (one input per option)."""
    return isinstance(field.widget, ListWidget | TableWidget)


def _typo(field) -> bool:
    """Whether something was typed that the field could not read (left empty, the field's
    validators decide: ``Optional`` lets it go, ``InputRequired`` says it is required)."""
    return bool(field.process_errors and field.raw_data and field.raw_data[0].strip())


DATE_FORMAT_MESSAGE = _l("Enter a date as YYYY-MM-DD (e.g. 2026-12-01).")


class DateField(wtforms.DateField):
    """A date typed as YYYY-MM-DD (the browser's date picker sends that too)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message", DATE_FORMAT_MESSAGE)
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if _typo(self):  # the format message is already said: no "required" after it
            raise StopValidation()


def _number(value) -> str:
    """A bound as the reader writes it; four digits stay together (a year: 2000, not 2 000)."""
    return format_decimal(value) if abs(value) >= 10_000 else str(value)


def _range_message(message, low, high) -> LazyString:
    """The message, formatted in the reader's language when it is shown."""

    def text():
        numbers = {"min": _number(low), "max": _number(high)}
        if message is None:
            return gettext("Enter a number between %(min)s and %(max)s.", **numbers)
        return str(message) % numbers

    return LazyString(text)


class _BoundedNumber:
    """What the integer and decimal fields share: one message for a typo and for a number out
    of ``[min, max]``, which may use ``%(min)s`` and ``%(max)s``."""

    def __init__(self, label=None, validators=None, *, min, max, message=None, **kwargs):
        self.minimum, self.maximum = min, max
        self.range_message = _range_message(message, min, max)
        kwargs.setdefault("invalid_value_message", self.range_message)
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if _typo(self):  # its message is already said, and it is the last
            raise StopValidation()
        value = self.data
        if value is None:  # empty: the validators decide
            return
        finite = not isinstance(value, decimal.Decimal) or value.is_finite()
        if not finite or not self.minimum <= value <= self.maximum:
            raise StopValidation(self.range_message)


class IntegerField(_BoundedNumber, wtforms.IntegerField):
    """A whole number between ``min`` and ``max``."""


class DecimalField(_BoundedNumber, wtforms.DecimalField):
    """A number between ``min`` and ``max``, typed with a point or a comma (``1,5``)."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [valuelist[0].strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


class IdField(IntegerField):
    """A row chosen in a form by its id (a hidden input, or a list the view fills): a number
    from ``ID_MIN`` to ``ID_MAX``, the most the database holds, so that a number too large is
    the form's error and never reaches a query. ``min=0`` when 0 means "none" (a space's root)."""

    def __init__(self, label=None, validators=None, *, min=ID_MIN, max=ID_MAX, **kwargs):
        super().__init__(label, validators, min=min, max=max, **kwargs)


def to_id(value) -> int:
    """``coerce`` of a ``SelectField`` whose choices are rows: the id, or ``ValueError`` (the
    field's "could not coerce" error) when it cannot be one, so that even a field that does not
    check its choices never hands a query a number the database cannot hold."""
    found = read_id(value)
    if found is None:
        raise ValueError(value)
    return found
