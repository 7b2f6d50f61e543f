"""Labels of a request's field, type and state, for templates and messages."""

from __future__ import annotations

from flask_babel import gettext as _

from extranet.plugins import host

# Who speaks for the organization on a request (see ``extranet.api.ROLES``).
MEMBER_SIDE = {"requester", "contact", "manager", "member"}


def field_label(req) -> str:
    return host().field_label(req.field)


def type_label(req) -> str:
    rtype = host().request_types.get((req.field, req.type))
    return str(rtype.label) if rtype else req.type


def state_label(req, state: str | None = None) -> str:
    state = state or req.state
    rtype = host().request_types.get((req.field, req.type))
    if rtype is None:
        return state
    found = host().workflows[rtype.workflow].state(state)
    return str(found.label) if found else state


def answer_kind(field) -> str | None:
    """What a plugin form's question holds, as the stored forms' kinds say it: how its answer
    (stored as JSON: an ISO date, a number) is shown. A number that can have at most four
    digits (a year) reads without a thousands separator."""
    if field.type == "DateField":
        return "date"
    if field.type == "DateTimeField":
        return "datetime"
    if field.type in ("IntegerField", "DecimalField"):
        maximum = getattr(field, "maximum", None)
        return "digits" if maximum is not None and abs(maximum) < 10_000 else "number"
    return None


def answers(req, rtype) -> list[tuple]:
    """``(label, value, kind)`` for each answer of the request's own form, in
    its order, labelled as when it was filed for a stored type (``answer_labels``), by the
    type's form otherwise; an answer that no question names any more keeps its key as label."""
    if rtype is None or not req.data:
        return []
    if rtype.answer_labels is not None:
        labels = rtype.answer_labels(req.data)
    else:
        form = rtype.form(formdata=None)
        labels = {f.short_name: (f.label.text, dict(f.choices) if getattr(f, "choices", None) else {}, answer_kind(f))
                  for f in form}
    shown = []
    for name, value in req.data.items():
        if name.startswith("_") or value in (None, "", []):
            continue
        text, choices, kind = labels.get(name, (name, {}, None))
        if choices:  # the chosen options' labels (one that no longer exists: its value)
            several = isinstance(value, list)
            value = [str(choices.get(v, v)) for v in (value if several else [value])]
            kind = "choices" if several else "choice"
            value = value if several else value[0]
        shown.append((text, value, kind))
    return shown


def transition_done(req, transition, workflow) -> str:
    """The sentence that confirms a move: the transition's own, else its target state's, else
    one that names the state (a workflow that says nothing still gets a sentence)."""
    if transition.done is not None:
        return str(transition.done) % {"ref": req.reference}
    target = workflow.state(transition.target)
    if target is not None and target.reached is not None:
        return str(target.reached) % {"ref": req.reference}
    return _("Request %(ref)s is now: %(state)s.", ref=req.reference,
             state=target.label if target is not None else transition.target)


def transition_label(transition, roles: set[str]) -> str:
    """The member's own moves (« J'ai répondu ») named for the staff who make them on the
    member's behalf, when the reader holds none of the member's roles on the request."""
    if transition.staff_label is not None and not roles & MEMBER_SIDE:
        return str(transition.staff_label)
    return str(transition.label)
