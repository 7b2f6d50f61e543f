"""Creating and changing stored fields, their types and forms; exporting and importing a field.

Every change bumps the field's revision, so that each process serves it anew at its next
request (``PluginHost.refresh_stored``). The caller commits once."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extranet.audit.service import record
from extranet.extensions import db
from extranet.requests.models import PRIORITIES
from extranet.stored_fields.models import StoredField, StoredRequestType
from extranet.stored_fields.questions import (
    CHOICE_KINDS,
    KINDS,
    NAME_RE,
    RANGE_KINDS,
    RESERVED_NAMES,
    TEXT_KINDS,
)

EXPORT_FORMAT = "coop-extranet-field/1"
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PREFIX_RE = re.compile(r"^[A-Z]{2,6}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
FIELD_ATTRS = ("name_fr", "name_en", "description_fr", "description_en", "prefix", "colour", "icon", "order",
               "confidentiality")
TYPE_FORM_ATTRS = ("name_fr", "name_en", "description_fr", "description_en", "workflow", "priority", "order")
TYPE_ATTRS = (*TYPE_FORM_ATTRS, "response_hours")
MAX_RESPONSE_HOURS = 24 * 365


class ImportRefused(ValueError):
    """A field's JSON that does not validate; ``reasons`` says why, each in a sentence."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def field_by_slug(slug: str) -> StoredField | None:
    return db.session.scalar(select(StoredField).where(StoredField.slug == slug))


def type_of(field: StoredField, slug: str) -> StoredRequestType | None:
    return next((t for t in field.types if t.slug == slug), None)


def prefix_taken(prefix: str, slug: str, host_fields) -> bool:
    """Whether another field numbers its requests with ``prefix`` (references would mix)."""
    return any(f.reference_prefix == prefix for s, f in host_fields.items() if s != slug)


def touch(field: StoredField) -> None:
    field.revision = (field.revision or 0) + 1


def create_field(slug: str, **values) -> StoredField:
    field = StoredField(slug=slug, revision=1, **values)
    db.session.add(field)
    record("admin.field_created", target=f"module:{slug}")
    return field


def update_field(field: StoredField, **values) -> None:
    for name, value in values.items():
        setattr(field, name, value)
    touch(field)
    record("admin.field_changed", target=f"module:{field.slug}")


def save_type(field: StoredField, rtype: StoredRequestType | None, slug: str, **values) -> StoredRequestType:
    if rtype is None:
        rtype = StoredRequestType(slug=slug, form_versions=[[]])
        field.types.append(rtype)
    for name, value in values.items():
        setattr(rtype, name, value)
    touch(field)
    record("admin.field_changed", target=f"module:{field.slug}")
    return rtype


def save_questions(rtype: StoredRequestType, questions: list[dict]) -> None:
    """A new version of the type's form; the earlier ones stay for the requests filed with them."""
    rtype.form_versions = [*rtype.form_versions, [dict(q) for q in questions]]  # a new list: the change is seen
    touch(rtype.field)
    record("admin.field_changed", target=f"module:{rtype.field.slug}")


def put_question(rtype: StoredRequestType, question: dict, replacing: str | None = None) -> None:
    questions = rtype.questions
    index = next((i for i, q in enumerate(questions) if q["name"] == replacing), None)
    if index is None:
        questions.append(question)
    else:
        questions[index] = question
    save_questions(rtype, questions)


def move_question(rtype: StoredRequestType, name: str, step: int) -> bool:
    questions = rtype.questions
    index = next((i for i, q in enumerate(questions) if q["name"] == name), None)
    if index is None or not 0 <= index + step < len(questions):
        return False
    questions[index], questions[index + step] = questions[index + step], questions[index]
    save_questions(rtype, questions)
    return True


def remove_question(rtype: StoredRequestType, name: str) -> bool:
    questions = rtype.questions
    kept = [q for q in questions if q["name"] != name]
    if len(kept) == len(questions):
        return False
    save_questions(rtype, kept)
    return True


# -- export and import ------------------------------------------------------------------------


def export_field(field: StoredField) -> dict:
    """The field, its types and their current forms, as JSON that ``import_field`` reads."""
    return {
        "format": EXPORT_FORMAT,
        "field": {"slug": field.slug, **{name: getattr(field, name) for name in FIELD_ATTRS}},
        "types": [
            {"slug": t.slug, **{name: getattr(t, name) for name in TYPE_ATTRS}, "questions": t.questions}
            for t in field.types
        ],
    }


def question_problems(question, where: str) -> list[str]:
    """Why a question (a dict) cannot be saved, each reason naming ``where`` it is."""
    if not isinstance(question, dict):
        return [str(_l("%(where)s: a question must be an object.", where=where))]
    problems = []
    kind, name = question.get("kind"), question.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name) or name in RESERVED_NAMES:
        problems.append(_l("%(where)s: the name %(name)r is not a valid identifier.", where=where, name=name))
    if kind not in KINDS:
        problems.append(_l("%(where)s: unknown kind %(kind)r.", where=where, kind=kind))
    if not (question.get("label_fr") or question.get("label_en")):
        problems.append(_l("%(where)s: a label is required.", where=where))
    low, high = question.get("min"), question.get("max")
    for bound in (low, high):
        if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
            problems.append(_l("%(where)s: limits must be whole numbers.", where=where))
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(_l("%(where)s: the minimum is above the maximum.", where=where))
    if kind in TEXT_KINDS and isinstance(low, int) and low < 0:
        problems.append(_l("%(where)s: a length cannot be negative.", where=where))
    if kind not in TEXT_KINDS | RANGE_KINDS and (low is not None or high is not None):
        problems.append(_l("%(where)s: only texts and numbers have limits.", where=where))
    if kind in CHOICE_KINDS:
        choices = question.get("choices")
        if not isinstance(choices, list) or not choices:
            problems.append(_l("%(where)s: a choice question needs choices.", where=where))
        else:
            values = [c.get("value") if isinstance(c, dict) else None for c in choices]
            if any(not isinstance(v, str) or not v for v in values) or len(set(values)) != len(values):
                problems.append(_l("%(where)s: each choice needs a value of its own.", where=where))
    return [str(p) for p in problems]


def validate_export(payload, host_fields, workflows) -> list[str]:
    """Every reason an export cannot be imported here (empty: it can)."""
    if not isinstance(payload, dict) or payload.get("format") != EXPORT_FORMAT:
        return [str(_l("This is not a field exported by Coop Extranet (format %(format)s).", format=EXPORT_FORMAT))]
    problems = []
    field, types = payload.get("field"), payload.get("types")
    if not isinstance(field, dict) or not isinstance(types, list):
        return [str(_l("The file needs a field and a list of types."))]
    slug = field.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        problems.append(_l("The field's slug %(slug)r is not a valid identifier.", slug=slug))
    elif slug in host_fields and not host_fields[slug].stored:
        problems.append(_l("A plugin already provides the field %(slug)s.", slug=slug))
    if not (field.get("name_fr") and field.get("name_en")):
        problems.append(_l("The field needs a name in French and in English."))
    if not isinstance(field.get("prefix"), str) or not PREFIX_RE.match(field["prefix"]):
        problems.append(_l("The reference prefix must be 2 to 6 capital letters."))
    elif prefix_taken(field["prefix"], slug, host_fields):
        problems.append(_l("Another field already uses the reference prefix %(prefix)s.", prefix=field["prefix"]))
    if field.get("confidentiality") not in ("standard", "restricted"):
        problems.append(_l("Unknown confidentiality %(value)r.", value=field.get("confidentiality")))
    if not isinstance(field.get("colour"), str) or not COLOUR_RE.match(field["colour"]):
        problems.append(_l("The colour must be written #rrggbb."))
    if not isinstance(field.get("order", 100), int):
        problems.append(_l("The order must be a whole number."))
    seen = set()
    for number, rtype in enumerate(types, start=1):
        where = str(_l("Type %(number)s", number=number))
        if not isinstance(rtype, dict):
            problems.append(_l("%(where)s: a type must be an object.", where=where))
            continue
        if not isinstance(rtype.get("slug"), str) or not SLUG_RE.match(rtype["slug"]) or rtype["slug"] in seen:
            problems.append(_l("%(where)s: its slug is missing, invalid or repeated.", where=where))
        seen.add(rtype.get("slug"))
        if not (rtype.get("name_fr") and rtype.get("name_en")):
            problems.append(_l("%(where)s: a name in French and in English is required.", where=where))
        if rtype.get("workflow") not in workflows:
            problems.append(_l("%(where)s: unknown workflow %(workflow)r.", where=where, workflow=rtype.get("workflow")))
        if rtype.get("priority", "normal") not in PRIORITIES:
            problems.append(_l("%(where)s: unknown priority %(priority)r.", where=where, priority=rtype.get("priority")))
        targets = rtype.get("response_hours") or {}
        if not isinstance(targets, dict) or not set(targets) <= set(PRIORITIES) or not all(
                isinstance(h, int) and not isinstance(h, bool) and 0 < h <= MAX_RESPONSE_HOURS for h in targets.values()):
            problems.append(_l("%(where)s: response targets are hours (1 to %(max)s) per known priority.",
                               where=where, max=MAX_RESPONSE_HOURS))
        questions = rtype.get("questions")
        if not isinstance(questions, list):
            problems.append(_l("%(where)s: its questions must be a list.", where=where))
            continue
        names = [q.get("name") for q in questions if isinstance(q, dict)]
        if len(set(names)) != len(names):
            problems.append(_l("%(where)s: two questions have the same name.", where=where))
        for index, question in enumerate(questions, start=1):
            place = _l("%(type)s, question %(number)s", type=where, number=index)
            problems.extend(question_problems(question, str(place)))
    return [str(p) for p in problems]


def import_field(payload, host_fields, workflows) -> StoredField:
    """Create the exported field, or update the stored field of its slug (its types' forms get
    a new version: requests already filed keep theirs). Raises ``ImportRefused`` with every
    reason before anything is changed."""
    problems = validate_export(payload, host_fields, workflows)
    if problems:
        raise ImportRefused(problems)
    values = {name: payload["field"].get(name) for name in FIELD_ATTRS}
    values["description_fr"] = values["description_fr"] or ""
    values["description_en"] = values["description_en"] or ""
    values["icon"] = values["icon"] or "folder"
    values["order"] = values["order"] if values["order"] is not None else 100
    field = field_by_slug(payload["field"]["slug"])
    if field is None:
        field = StoredField(slug=payload["field"]["slug"], revision=1, **values)
        db.session.add(field)
    else:
        for name, value in values.items():
            setattr(field, name, value)
        touch(field)
    for item in payload["types"]:
        rtype = type_of(field, item["slug"])
        if rtype is None:
            rtype = StoredRequestType(slug=item["slug"], form_versions=[])
            field.types.append(rtype)
        for name in TYPE_ATTRS:
            setattr(rtype, name, item.get(name) if item.get(name) is not None else _type_default(name))
        if not rtype.form_versions or rtype.questions != item["questions"]:
            rtype.form_versions = [*(rtype.form_versions or []), [dict(q) for q in item["questions"]]]
    record("admin.field_imported", target=f"module:{field.slug}")
    return field


def _type_default(name: str):
    return {"description_fr": "", "description_en": "", "priority": "normal", "order": 100, "response_hours": {}}.get(name)
