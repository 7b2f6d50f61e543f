"""Saved list views: a person's filters of the request list under a name, and the two every
expert is offered without saving anything ("my overdue", "unassigned in my fields")."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extranet.extensions import db
from extranet.requests.models import SavedView

# The list's arguments a view keeps (never the page: a view opens on its first page).
KEYS = ("q", "field", "state", "type", "assignee", "since", "until", "sort", "open", "tag", "overdue", "fields")
MAX_VIEWS = 50


def clean_query(pairs) -> str:
    """The list's filters among ``pairs``, as a query string."""
    return urlencode([(k, v.strip()[:200]) for k, v in pairs if k in KEYS and v and v.strip()])[:1000]


def query_of(form) -> str:
    """The filters sent along with the form (htmx includes the filter form's fields), or else
    those of the page it was shown on (``query``, for a browser without JavaScript)."""
    sent = [(k, v) for k in KEYS for v in form.getlist(k)]
    if any(v.strip() for _k, v in sent):
        return clean_query(sent)
    return clean_query(parse_qsl(form.get("query", "")))


def defaults(user) -> list[tuple[str, str]]:
    """(name, query) of the views offered without saving: to experts of at least one field."""
    if not user.field_slugs:
        return []
    return [
        (str(_l("My overdue")), "assignee=me&overdue=1&sort=due"),
        (str(_l("Unassigned in my fields")), "assignee=none&fields=mine&open=1&sort=due"),
    ]


def of_user(user) -> list[SavedView]:
    return db.session.scalars(select(SavedView).where(SavedView.user_id == user.id)
                              .order_by(SavedView.name, SavedView.id).limit(MAX_VIEWS)).all()


def save(user, name: str, query: str) -> SavedView:
    """Save (or, under a name already used, replace) a view."""
    name = " ".join(name.split())[:80]
    view = db.session.scalar(select(SavedView).where(SavedView.user_id == user.id, SavedView.name == name))
    if view is None:
        view = SavedView(user_id=user.id, name=name)
        db.session.add(view)
    view.query = query
    return view
