"""The form builder's questions turned into WTForms forms: each kind, its limits and what a
request stores of its answers."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from extranet.stored_fields.questions import KINDS, build_form
from extranet.stored_fields.service import question_problems


def q(name, kind, required=False, **more):
    return {"name": name, "kind": kind, "label_fr": name.upper(), "label_en": name.title(), "required": required, **more}


CHOICES = [{"value": "a", "label_fr": "Un", "label_en": "One"}, {"value": "b", "label_fr": "Deux", "label_en": "Two"}]
EVERY_KIND = [
    q("short", "short_text", True, min=2, max=5), q("long", "long_text"), q("count", "number", min=1, max=10),
    q("money", "amount", max=100), q("day", "date"), q("pick", "choice", choices=CHOICES),
    q("picks", "choices", choices=CHOICES), q("agreed", "yes_no", True), q("flag", "yes_no"),
    q("email", "email"), q("phone", "phone"), q("brief", "file", file_types="pdf, docx"),
]


@pytest.fixture
def context(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield


def submit(questions, data, files=None):
    form_class = build_form(questions, version=3)
    formdata = MultiDict({"title": "Sujet"})
    for name, value in [*(data.items(multi=True) if isinstance(data, MultiDict) else data.items()),
                        *(files or {}).items()]:
        formdata.add(name, value)
    form = form_class(formdata=formdata, meta={"csrf": False})
    return form, form.validate()


def test_every_kind_has_a_field_and_the_answers_are_what_a_request_stores(context):
    assert {question["kind"] for question in EVERY_KIND} == set(KINDS)
    brief = FileStorage(io.BytesIO(b"%PDF-1.4"), filename="devis.pdf")
    data = MultiDict([("short", "abc"), ("long", "texte"), ("count", "7"), ("money", "12,34"), ("day", "2026-03-01"),
                      ("pick", "b"), ("picks", "a"), ("picks", "b"), ("agreed", "True"), ("email", "a@b.ca"),
                      ("phone", "+1 514 555-0101")])
    form, valid = submit(EVERY_KIND, data, {"brief": brief})
    assert valid, form.errors
    answers = form.answers()
    assert answers == {"short": "abc", "long": "texte", "count": 7, "money": 1234, "day": answers["day"],
                       "pick": "b", "picks": ["a", "b"], "agreed": True, "flag": False, "email": "a@b.ca",
                       "phone": "+1 514 555-0101", "brief": "devis.pdf", "_form": 3}
    assert str(answers["day"]) == "2026-03-01"
    assert [f.label.text for f in form if f.short_name in {"short", "pick"}] == ["Short", "Pick"]


@pytest.mark.parametrize(("data", "field"), [
    ({"short": "a"}, "short"),                 # shorter than its minimum
    ({"short": "abcdef"}, "short"),            # longer than its maximum
    ({"short": "abc", "count": "11"}, "count"),  # out of range
    ({"short": "abc", "money": "100,01"}, "money"),
    ({"short": "abc", "pick": "z"}, "pick"),   # not one of the choices
    ({"short": "abc", "email": "nope"}, "email"),
    ({"short": "abc", "phone": "call me"}, "phone"),
    ({"short": "abc", "day": "01/03/2026"}, "day"),
    ({}, "short"),                             # required
    ({"short": "abc"}, "agreed"),              # a required yes or no must be answered
])
def test_limits_and_required_answers_are_checked(context, data, field):
    form, valid = submit(EVERY_KIND, {"agreed": "False", **data} if field != "agreed" else data)
    assert not valid and field in form.errors, form.errors


def test_a_file_of_another_type_or_a_missing_required_file_is_refused(context):
    questions = [q("brief", "file", True, file_types="pdf")]
    form, valid = submit(questions, {}, {"brief": FileStorage(io.BytesIO(b"x"), filename="notes.txt")})
    assert not valid and "Accepted files: pdf." in form.errors["brief"][0]
    form, valid = submit(questions, {})
    assert not valid and form.errors["brief"] == ["Choose a file."]


def test_labels_follow_the_readers_language(app):
    form_class = build_form([q("audience", "short_text")], version=0)
    with app.test_request_context("/", headers={"Accept-Language": "fr-CA"}):
        assert form_class(formdata=None, meta={"csrf": False}).audience.label.text == "AUDIENCE"


@pytest.mark.parametrize(("question", "reason"), [
    (q("title", "short_text"), "is not a valid identifier"),
    (q("x", "colour"), "unknown kind"),
    (q("x", "choice"), "needs choices"),
    (q("x", "choice", choices=[{"value": "a"}, {"value": "a"}]), "a value of its own"),
    (q("x", "number", min=5, max=1), "minimum is above"),
    (q("x", "date", max=3), "only texts and numbers have limits"),
    ({"name": "x", "kind": "short_text"}, "a label is required"),
])
def test_a_question_that_cannot_work_is_refused(context, question, reason):
    assert any(reason in problem for problem in question_problems(question, "Q")), question_problems(question, "Q")
