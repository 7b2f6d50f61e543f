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
