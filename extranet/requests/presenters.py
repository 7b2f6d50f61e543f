"""Labels of a request's field, type and state, for templates and messages."""

from __future__ import annotations

from extranet.plugins import host


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
        labels = {f.short_name: (f.label.text, dict(f.choices) if getattr(f, "choices", None) else {}, None)
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
