"""Tags: words the experts file requests under, for themselves (members never see them).

Adding or removing a tag is an append, as contacts are (``service.touch``): it never makes a
page out of date, and two experts tagging at once both keep their tag.
"""

from __future__ import annotations

from sqlalchemy import func, select

from extranet.audit.service import record
from extranet.extensions import db
from extranet.requests.models import RequestEvent, RequestTag, ServiceRequest
from extranet.requests.service import touch

MAX_LENGTH = 40
SUGGESTIONS = 50


def clean(name: str) -> str:
    """One line of at most 40 characters, inner spaces folded."""
    return " ".join((name or "").split())[:MAX_LENGTH]


def key_of(name: str) -> str:
    return clean(name).casefold()


def split(text: str) -> list[str]:
    """Several tags typed at once, separated by commas."""
    seen, names = set(), []
    for part in (text or "").split(","):
        name = clean(part)
        if name and key_of(name) not in seen:
            seen.add(key_of(name))
            names.append(name)
    return names


def change_tags(req: ServiceRequest, actor, add=(), remove=()) -> bool:
    """Add the tags named in ``add`` and remove those in ``remove``; False when nothing changed."""
    touch(req)  # locks the row: what is there is read once it is ours
    db.session.expire(req, ["tags"])
    present = {t.key: t for t in req.tags}
    added = []
    for name in add:
        if key_of(name) not in present:
            tag = RequestTag(name=clean(name), key=key_of(name))
            req.tags.append(tag)
            present[tag.key] = tag
            added.append(tag.name)
    removed = []
    for name in remove:
        tag = present.pop(key_of(name), None)
        if tag is not None and tag.name not in added:
            req.tags.remove(tag)
            removed.append(tag.name)
    if not added and not removed:
        return False
    db.session.add(RequestEvent(request=req, actor=actor, kind="tagged", details={"added": added, "removed": removed}))
    record("requests.tagged", target=req, organization=req.organization,
           added=", ".join(added) or "—", removed=", ".join(removed) or "—")
    return True


def suggestions(field: str) -> list[str]:
    """The tags already used in a field, most used first: offered as one types (tags are the
    staff's own words, shared by a field's experts across the organizations they serve)."""
    count = func.count(RequestTag.id)
    rows = db.session.execute(
        select(func.min(RequestTag.name), count)
        .join(ServiceRequest, ServiceRequest.id == RequestTag.request_id)
        .where(ServiceRequest.field == field)
        .group_by(RequestTag.key)
        .order_by(count.desc(), RequestTag.key)
        .limit(SUGGESTIONS)
    )
    return [name for name, _n in rows]


def tagged(name: str):
    """A condition on ``ServiceRequest``: it carries the tag ``name``."""
    return ServiceRequest.id.in_(select(RequestTag.request_id).where(RequestTag.key == key_of(name)))
