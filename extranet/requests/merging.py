"""Merging a duplicate into the request that stays: its messages (with their files), documents
and time move to the survivor, its people become the survivor's contacts, and the duplicate is
closed with a pointer to the survivor in both histories.

Both requests change under their version (``service.claim``), claimed in id order so that two
merges of the same pair at once wait for each other instead of deadlocking.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extranet.audit.service import record
from extranet.db_types import utcnow
from extranet.documents.models import Document
from extranet.extensions import db
from extranet.hours.models import TimeEntry
from extranet.requests.models import Message, RequestEvent, RequestParticipant, ServiceRequest
from extranet.requests.service import claim, workflow_of


class CannotMerge(Exception):
    """The two requests cannot be merged; the message says why, in words a person reads."""


def closing_state(req: ServiceRequest) -> str:
    """Where a duplicate ends: its workflow's "closed", or else its first final state."""
    workflow = workflow_of(req)
    finals = [s.slug for s in workflow.states if s.terminal]
    return "closed" if "closed" in finals else finals[0]


def check(duplicate: ServiceRequest, survivor: ServiceRequest) -> None:
    if duplicate.id == survivor.id:
        raise CannotMerge(_l("A request cannot be merged into itself."))
    if duplicate.organization_id != survivor.organization_id or duplicate.field != survivor.field:
        raise CannotMerge(_l("Only a request of the same organization and field can be merged into it."))
    if duplicate.is_restricted and not survivor.is_restricted:
        # Its messages would show to the whole organization.
        raise CannotMerge(_l("A restricted request can only be merged into a restricted request."))


def merge(duplicate: ServiceRequest, survivor: ServiceRequest, actor, comment: str = "") -> None:
    check(duplicate, survivor)
    for req in sorted((duplicate, survivor), key=lambda r: r.id):
        claim(req)
    moved = {"messages": 0, "documents": 0, "time": 0}
    for message in db.session.scalars(select(Message).where(Message.request_id == duplicate.id)):
        message.request_id = survivor.id
        moved["messages"] += 1
    for document in db.session.scalars(select(Document).where(Document.request_id == duplicate.id)):
        document.request_id = survivor.id
        moved["documents"] += 1
    # Through the ORM, so that the hours' monthly roll-up sees the entries move.
    for entry in db.session.scalars(select(TimeEntry).where(TimeEntry.request_id == duplicate.id)):
        entry.request_id = survivor.id
        moved["time"] += 1
    named = {p.user_id for p in survivor.participants if p.role == "contact"} | {survivor.requester_id}
    for person in [duplicate.requester, *duplicate.contacts]:
        if person.id not in named:
            survivor.participants.append(RequestParticipant(user=person, role="contact"))
            named.add(person.id)
    source, target = duplicate.state, closing_state(duplicate)
    duplicate.state, duplicate.state_changed_at = target, utcnow()
    db.session.add(RequestEvent(request=duplicate, actor=actor, kind="merged_into", from_state=source,
                                to_state=target, comment=comment.strip(),
                                details={"into": survivor.reference, **moved}))
    db.session.add(RequestEvent(request=survivor, actor=actor, kind="merged_from", comment=comment.strip(),
                                details={"from": duplicate.reference, **moved}))
    db.session.flush()
    db.session.expire(duplicate, ["messages"])
    db.session.expire(survivor, ["messages"])
    record("requests.merged", target=duplicate, organization=duplicate.organization, into=survivor.reference)
