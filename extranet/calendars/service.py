"""Private calendar feeds: their secret addresses, and the deadlines they list as RFC 5545.

A feed lists what its reader may open, decided when it is read (a person who lost access to a
request, or an organization, stops seeing it at the next refresh). A calendar application
copies what it reads onto its own servers, beyond the extranet: so an event names a restricted
request by its reference and field only, never by its title, even for a reader who may open it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import delete, exists, or_, select

from extranet.audit.service import record
from extranet.calendars.models import CalendarFeed
from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.plugins import host
from extranet.policy import can
from extranet.requests import presenters
from extranet.requests.models import RequestParticipant, ServiceRequest
from extranet.requests.rules import visible_requests
from extranet.servicetargets.models import RequestClock
from extranet.web.urls import external_url

# How far back a feed goes (a deadline passed long ago is no use in a calendar) and at most how
# many events it holds.
PAST = timedelta(days=90)
MAX_EVENTS = 500


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feeds_of(user) -> dict[int | None, CalendarFeed]:
    """The user's feeds by organization id (None: their own)."""
    rows = db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return {row.organization_id: row for row in rows}


def make_feed(user, organization=None) -> str:
    """A new secret address for the feed (the previous one stops working); returns the token,
    shown once: only its hash is kept."""
    _remove(user, organization)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, organization_id=organization.id if organization else None,
                                token_hash=_hash(token)))
    record("calendars.feed_made", target=user, organization=organization)
    return token


def revoke(user, organization=None) -> bool:
    if not _remove(user, organization):
        return False
    record("calendars.feed_revoked", target=user, organization=organization)
    return True


def _remove(user, organization) -> int:
    org_id = organization.id if organization else None
    condition = CalendarFeed.organization_id.is_(None) if org_id is None else CalendarFeed.organization_id == org_id
    return db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id, condition)).rowcount


def feed_for(token: str) -> CalendarFeed | None:
    """The feed of this token, while its owner may still have it."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        return None
    allowed = (can(feed.user, "calendar.organization_feed", feed.organization) if feed.organization_id
               else can(feed.user, "calendar.own_feed"))
    return feed if allowed else None


# -- what a feed lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    uid: str
    when: date | datetime  # a date: the whole day; a datetime: that instant
    summary: str
    description: str
    url: str


def _open(req: ServiceRequest) -> bool:
    rtype = host().request_types.get((req.field, req.type))
    state = host().workflows[rtype.workflow].state(req.state) if rtype else None
    return not (state and state.terminal)


def _scope(feed: CalendarFeed):
    """The requests a feed is about, among those its reader may open: the organization's for
    its feed, else those the reader filed, is a contact of or is assigned to."""
    R, P = ServiceRequest, RequestParticipant
    user = feed.user
    if feed.organization_id:
        return visible_requests(user, feed.organization)
    mine = exists().where(P.request_id == R.id, P.user_id == user.id, P.role.in_(("assignee", "contact")))
    return visible_requests(user).where(or_(R.requester_id == user.id, mine))


def _deadline(req: ServiceRequest, kind: str, when, labels: tuple) -> Deadline:
    """An event named under the one rule: a restricted request by its reference and field."""
    field = host().field_label(req.field)
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "extranet"
    restricted, standard = labels
    if req.is_restricted:  # the labels are lazy: read in the feed's language, then filled
        summary = str(restricted) % {"ref": req.reference, "field": field}
    else:
        summary = str(standard) % {"ref": req.reference, "title": req.title}
    url = external_url("requests.detail", reference=req.reference)
    description = _("%(field)s · %(state)s", field=field, state=presenters.state_label(req)) + "\n" + url
    return Deadline(f"request-{req.id}-{kind}@{domain}", when, summary, description, url)


def request_due_dates(feed: CalendarFeed) -> list[Deadline]:
    """Each open request's due date, as a whole day in the cooperative's time zone."""
    R = ServiceRequest
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    query = (_scope(feed).where(R.due_at.is_not(None), R.due_at >= utcnow() - PAST)
             .order_by(R.due_at, R.id).limit(MAX_EVENTS))
    return [
        _deadline(req, "due", req.due_at.astimezone(zone).date(),
                  (_l("Due: %(ref)s (%(field)s)"), _l("Due: %(ref)s %(title)s")))
        for req in db.session.scalars(query) if _open(req)
    ]


def service_target_deadlines(feed: CalendarFeed) -> list[Deadline]:
    """The first-response and resolution deadlines of the service targets, at their time, for
    the readers who see the targets (experts and admins); none while a clock is paused or met."""
    if not can(feed.user, "servicetargets.see"):
        return []
    R, C = ServiceRequest, RequestClock
    since = utcnow() - PAST
    query = (_scope(feed).join(C, C.request_id == R.id).add_columns(C)
             .where(or_(C.first_response_due_at >= since, C.resolution_due_at >= since))
             .order_by(R.id).limit(MAX_EVENTS))
    deadlines = []
    for req, clock in db.session.execute(query):
        if not _open(req):
            continue
        if clock.first_response_due_at is not None:
            deadlines.append(_deadline(req, "response", clock.first_response_due_at, (
                _l("First response due: %(ref)s (%(field)s)"), _l("First response due: %(ref)s %(title)s"))))
        if clock.resolution_due_at is not None:
            deadlines.append(_deadline(req, "resolution", clock.resolution_due_at, (
                _l("Resolution due: %(ref)s (%(field)s)"), _l("Resolution due: %(ref)s %(title)s"))))
    return deadlines


# Where a feed's deadlines come from: each takes the feed and returns Deadlines of what its
# reader may open, named under the one rule.
DEADLINE_SOURCES = (request_due_dates, service_target_deadlines)


def ics(feed: CalendarFeed) -> bytes:
    user = feed.user
    with force_locale(user.locale):
        calendar = Calendar()
        calendar.add("prodid", "-//Coop Extranet//Calendar//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        name = feed.organization.name if feed.organization_id else _("My deadlines")
        calendar.add("x-wr-calname", _("%(name)s — Coop Extranet", name=name))
        stamp = utcnow()
        for source in DEADLINE_SOURCES:
            for deadline in source(feed):
                event = Event()
                event.add("uid", deadline.uid)
                event.add("dtstamp", stamp)
                event.add("dtstart", deadline.when)
                if not isinstance(deadline.when, datetime):  # a whole day: the date a thing is due
                    event.add("dtend", deadline.when + timedelta(days=1))
                # A deadline at a time has no end (RFC 5545 3.6.1: it ends when it starts).
                event.add("summary", deadline.summary)
                event.add("description", deadline.description)
                event.add("url", deadline.url)
                event.add("transp", "TRANSPARENT")
                calendar.add_component(event)
    return calendar.to_ical()


