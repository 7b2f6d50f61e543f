"""Resources: the library's query, the "new since my last visit" threshold, and storing,
replacing and deleting a resource's file through the storage layer.

A resource's file is a ``Document`` without organization (``organization_id`` NULL) in the
resource's field, visibility "org", whose ``DocumentVersion`` rows point at storage objects.
Uploads go through ``extranet.files.uploads.store_uploads`` (streamed, size-limited,
type decided from the content, sha256); a failure before the commit deletes the objects again.

Deleting a resource removes its rows (resource, document, versions) and then, once that is
committed, its stored objects: nothing points at them any more, and a failed object deletion
leaves only an orphan file that ``storage check`` reports. Unpublishing is the reversible way
to take a resource away.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from flask import session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from extranet.audit.service import record
from extranet.db_types import utcnow
from extranet.documents.models import Document, DocumentVersion
from extranet.extensions import db
from extranet.files import uploads
from extranet.resources.models import Resource, ResourceVisit

CATEGORIES = {
    "guide": _l("Guide"),
    "template": _l("Template"),
    "model": _l("Model document"),
    "checklist": _l("Checklist"),
}
LANGUAGES = {
    "fr": _l("French"),
    "en": _l("English"),
    "both": _l("French and English"),
}
FIRST_VISIT_WINDOW = timedelta(days=30)  # on a first visit, what is this recent is new
VISIT_STREAK = timedelta(minutes=30)  # pages opened this close together are one visit
SESSION_KEY = "resource_visits"


def my_language() -> str:
    """The two-letter language of the interface ("fr" or "en")."""
    return str(get_locale() or "fr")[:2]


def staff_of(user, field: str) -> bool:
    from extranet.policy import can

    return can(user, "resource.publish", field)


def library_query(field: str, user, args) -> tuple:
    """(select of the resources to list, language filter applied) from the URL's arguments."""
    query = select(Resource).where(Resource.field == field)
    if not staff_of(user, field):
        query = query.where(Resource.published.is_(True))
    category = args.get("category") or ""
    if category in CATEGORIES:
        query = query.where(Resource.category == category)
    language = language_filter(args)
    if language != "all":
        query = query.where(Resource.language.in_([language, "both"]))
    text = fold(args.get("q") or "")
    if text:  # last: the other filters narrow what is read
        query = query.where(Resource.id.in_(_matching(query, text) or [-1]))
    return query, language


def fold(text: str) -> str:
    """Text as searched: case and accents ignored ("etat" finds "État")."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _matching(query, text: str) -> list[int]:
    """The ids among ``query``'s resources whose title or summary contains ``text`` (folded).

    Done in Python: a field's library holds at most a few hundred resources, and SQLite's
    lower() knows only ASCII, which would miss "État" when searching "état"."""
    rows = db.session.execute(query.with_only_columns(Resource.id, Resource.title, Resource.summary)).all()
    return [id_ for id_, title, summary in rows if text in fold(title) or text in fold(summary or "")]


def language_filter(args) -> str:
    """"all", "fr" or "en": by default the interface's language (with bilingual resources)."""
    wanted = args.get("lang") or ""
    if wanted == "all" or wanted in ("fr", "en"):
        return wanted
    return my_language()


def ordered(query):
    # Drafts first (staff), then the most recently published.
    return query.order_by(Resource.published_at.desc().nulls_first(), Resource.id.desc())


def counts_by_field(fields: list[str], staff_fields: set[str]) -> dict[str, dict[str, int]]:
    """{field: {"published": n, "drafts": n}}; drafts only counted where one is staff."""
    rows = db.session.execute(
        select(Resource.field, Resource.published, func.count(Resource.id))
        .where(Resource.field.in_(fields or [""]))
        .group_by(Resource.field, Resource.published)
    ).all()
    counts = {f: {"published": 0, "drafts": 0} for f in fields}
    for field, published, count in rows:
        if published:
            counts[field]["published"] = count
        elif field in staff_fields:
            counts[field]["drafts"] = count
    return counts


# -- the "new" badge ---------------------------------------------------------------------------


def _parse(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def new_since(user, field: str, record_visit: bool) -> datetime:
    """What is published after the returned moment gets a "new" badge.

    It is the previous visit of the library (first visit: the last 30 days). Opening the page
    (``record_visit``) records this visit; the pages one opens within a short while (searching,
    filtering, paging, also without JavaScript) keep the threshold of the visit's first page, so
    the badges do not vanish as soon as one types in the search box."""
    now = utcnow()
    visit = db.session.get(ResourceVisit, (user.id, field))
    remembered = session.get(SESSION_KEY, {}).get(field)
    since = None
    if visit is not None and remembered:
        threshold, recorded = (_parse(v) for v in remembered)
        same_visit = recorded is not None and abs(recorded - visit.visited_at) < timedelta(seconds=1)
        if same_visit and threshold is not None and now - visit.visited_at < VISIT_STREAK:
            since = threshold
    if since is None:
        since = visit.visited_at if visit is not None else now - FIRST_VISIT_WINDOW
    if record_visit:
        if visit is None:
            visit = ResourceVisit(user_id=user.id, field=field)
            db.session.add(visit)
        visit.visited_at = now
        db.session.commit()
        visits = dict(session.get(SESSION_KEY, {}))
        visits[field] = [since.isoformat(), now.isoformat()]
        session[SESSION_KEY] = visits
    return since


def is_new(resource: Resource, since: datetime) -> bool:
    return bool(resource.published and resource.published_at and resource.published_at > since)


# -- writing -------------------------------------------------------------------------------


def _add_version(document: Document, saved: uploads.SavedFile, user) -> DocumentVersion:
    version = DocumentVersion(number=len(document.versions) + 1, uploader_id=user.id, **saved.columns())
    document.versions.append(version)
    return version


def store_file(upload) -> uploads.SavedFile:
    """Store one upload (``UploadRefused`` with a message when it cannot be kept). A field's
    resources belong to no organization: no quota counts them."""
    return uploads.store_uploads([upload], organization=None)[0]


def _apply(resource: Resource, form) -> None:
    resource.title = form.title.data.strip()
    resource.summary = (form.summary.data or "").strip()
    resource.language = form.language.data
    resource.category = form.category.data


def _set_published(resource: Resource, published: bool) -> None:
    if published and not resource.published:
        resource.published_at = utcnow()
    resource.published = published


def create_resource(field: str, form, saved: uploads.SavedFile, user) -> Resource:
    """Add the resource, its document and version 1 to the session (the caller commits)."""
    document = Document(
        organization_id=None, field=field, title=form.title.data.strip(), visibility="org",
        created_by_id=user.id,
    )
    _add_version(document, saved, user)
    resource = Resource(field=field, document=document, created_by_id=user.id, audience="members")
    _apply(resource, form)
    _set_published(resource, bool(form.publish.data))
    db.session.add(resource)
    db.session.flush()
    record("resource.created", target=resource, field=field, title=resource.title,
           published=resource.published, filename=saved.filename)
    if resource.published:
        record("resource.published", target=resource, field=field, title=resource.title)
    return resource


def update_resource(resource: Resource, form, saved: uploads.SavedFile | None, user) -> None:
    before = {"title": resource.title, "summary": resource.summary, "language": resource.language,
              "category": resource.category}
    _apply(resource, form)
    resource.document.title = resource.title
    changed = sorted(k for k, v in before.items() if getattr(resource, k) != v)
    details = {"field": resource.field, "title": resource.title, "changed": changed}
    if saved is not None:
        version = _add_version(resource.document, saved, user)
        details.update(version=version.number, filename=saved.filename)
    record("resource.edited", target=resource, **details)


def set_published(resource: Resource, published: bool) -> bool:
    """Publish or unpublish; False when nothing changed."""
    if resource.published == published:
        return False
    _set_published(resource, published)
    record("resource.published" if published else "resource.unpublished", target=resource,
           field=resource.field, title=resource.title)
    return True


def delete_resource(resource: Resource) -> list[str]:
    """Delete the resource's rows (the caller commits, then deletes the returned storage keys)."""
    document = resource.document
    keys = [v.storage_key for v in document.versions]
    record("resource.deleted", target=resource, field=resource.field, title=resource.title,
           versions=len(keys))
    db.session.delete(resource)
    db.session.delete(document)  # and its versions (delete-orphan cascade)
    return keys
