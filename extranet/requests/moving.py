"""Moving a misfiled request to another field and type: its reference stays, the answers the new
type also asks keep their place, the others are kept in the history as "previous answers", and
the experts of both fields hear of it."""

from __future__ import annotations

from sqlalchemy import select

from extranet.audit.service import record
from extranet.contributions import RequestType
from extranet.db_types import utcnow
from extranet.documents.models import Document
from extranet.extensions import db
from extranet.notifications.service import notify
from extranet.plugins import host
from extranet.requests.models import RequestEvent
from extranet.requests.service import GENERIC_FIELDS, claim


def questions_of(rtype: RequestType) -> set[str]:
    return {name for name in rtype.form(formdata=None, meta={"csrf": False})._fields if name not in GENERIC_FIELDS}


def move(req, rtype: RequestType, actor, reason: str) -> None:
    claim(req)
    source_field, source_type = req.field, req.type
    # The experts of the field it leaves hear of it while they still may see it.
    notify("request_moved", req, actor=actor, field=rtype.field)
    asked = questions_of(rtype)
    kept = {k: v for k, v in (req.data or {}).items() if k in asked}
    previous = {k: v for k, v in (req.data or {}).items() if k not in asked}
    workflow = host().workflows[rtype.workflow]
    source_state = req.state
    if workflow.state(req.state) is None:  # a state the new workflow does not have: it starts over
        req.state, req.state_changed_at = workflow.initial, utcnow()
    req.field, req.type, req.data = rtype.field, rtype.slug, kept
    # The request's documents follow it into the new field's space (the roll-up of hours
    # follows by itself: see hours/rollup.py).
    for document in db.session.scalars(select(Document).where(Document.request_id == req.id)):
        document.field = rtype.field
    # An assigned expert who does not serve the new field is taken off: the new field's experts
    # see a restricted request only while nobody is assigned.
    for participant in list(req.participants):
        if participant.role == "assignee" and rtype.field not in participant.user.field_slugs:
            req.participants.remove(participant)
    db.session.add(RequestEvent(
        request=req, actor=actor, kind="moved", comment=reason.strip(), from_state=source_state, to_state=req.state,
        details={"from_field": source_field, "from_type": source_type, "to_field": rtype.field,
                 "to_type": rtype.slug, "previous": previous},
    ))
    db.session.flush()
    record("requests.moved", target=req, organization=req.organization, source=source_field, field=rtype.field)
    notify("request_moved", req, actor=actor, field=rtype.field)
