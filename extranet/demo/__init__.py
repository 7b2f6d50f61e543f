"""The demo consortium: a cooperative's federations, member organizations and people, and for
two member organizations their requests, documents and hours since January 1 of last year.

Idempotent: running it again updates the same people (and sets the given password); the
organizations keep the requests, documents and hours they have."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from extranet.accounts.models import ExpertField, User
from extranet.db_types import utcnow
from extranet.demo.clock import Clock
from extranet.demo.documents import load_demo_documents
from extranet.demo.fields import load_demo_fields
from extranet.demo.hours import load_demo_hours
from extranet.demo.requests import plan_stories, replay, story_start
from extranet.demo.resources import load_demo_resources
from extranet.extensions import db
from extranet.modules import Module
from extranet.notifications.models import Notification, OutboxEmail
from extranet.organizations.models import Membership, Organization, Subscription
from extranet.plugins import host
from extranet.requests.models import ServiceRequest

FEDERATIONS = [
    ("Fédération des coopératives de l'Est-du-Québec", "federation"),
    ("Fédération régionale des coopératives de travail de Montréal", "federation"),
    ("Réseau des entreprises d'économie sociale de l'Outaouais", "federation"),
]

# (name, kind, federation index, shares with federation)
MEMBERS = [
    ("Coopérative de solidarité Les Jardins du Fleuve", "cooperative", 0, True),
    ("Coopérative forestière des Basques", "cooperative", 0, False),
    ("Mutuelle d'entraide des pêcheurs de la Gaspésie", "mutual", 0, True),
    ("Coopérative de travail Boréal Informatique", "cooperative", 1, True),
    ("Association des cafés coopératifs de Montréal", "association", 1, False),
    ("Centre communautaire Le Phare", "nonprofit", 2, True),
]

# (email, name, description, is_admin, is_expert, memberships [(member index, role)])
PEOPLE = [
    ("admin@example.org", "Danielle Tremblay", "administratrice", True, False, []),
    ("expert@example.org", "Marc-André Gagnon", "expert, tous les domaines", False, True, []),
    ("experte2@example.org", "Isabelle Fortin", "experte, seconde révision", False, True, []),
    ("gestion.a@example.org", "Sophie Bouchard", "gestionnaire, Les Jardins du Fleuve", False, False, [(0, "manager")]),
    ("membre.a@example.org", "Louis Côté", "membre, Les Jardins du Fleuve", False, False, [(0, "member")]),
    ("gestion.b@example.org", "Amira Benali", "gestionnaire, Boréal Informatique", False, False, [(3, "manager")]),
    ("membre.b@example.org", "Jean-François Roy", "membre, Boréal Informatique", False, False, [(3, "member")]),
    ("gestion.federation@example.org", "Hélène Lavoie", "gestionnaire, Fédération de l'Est-du-Québec", False, False, [("f0", "manager")]),
    ("multi@example.org", "Nathalie Pelletier", "membre de deux organisations", False, False, [(1, "manager"), (2, "member")]),
]


def _organization(name: str, kind: str, parent: Organization | None, shares: bool) -> Organization:
    org = db.session.scalar(db.select(Organization).filter_by(name=name)) or Organization(name=name)
    org.kind = kind
    org.parent = parent
    org.share_with_federation = shares
    org.active = True
    db.session.add(org)
    return org


def load_demo(
    password: str, now: datetime | None = None, totp_secret: str | None = None
) -> list[tuple[str, str]]:
    """Load the demo as if it were ``now`` (the real time by default); returns the accounts.
    With ``totp_secret`` (base32), every staff account signs in with codes of that secret."""
    with Clock(now).running() as clock:
        # The consortium and its people were there before the story begins.
        with clock.at(story_start(clock.now()) - timedelta(days=45)):
            federations, members, accounts = _consortium(password, totp_secret)
        users = {u.email: u for u in db.session.scalars(db.select(User))}
        spaces = [
            (members[0], users["membre.a@example.org"], users["gestion.a@example.org"]),
            (members[3], users["membre.b@example.org"], users["gestion.b@example.org"]),
        ]
        experts = [users["expert@example.org"], users["experte2@example.org"]]
        stories = _replay_requests(spaces, experts, clock)
        load_demo_resources(users["expert@example.org"])
        load_demo_documents(spaces, users["expert@example.org"])
        load_demo_hours([members[0], members[3]], stories, users["admin@example.org"], clock)
        # Each plugin's own demo rows, in this transaction and at the story's present.
        host().hook("extranet_demo_data")(organizations=[members[0], members[3]], experts=experts)
    db.session.commit()
    return accounts


def _enable_installed_modules() -> None:
    """Every installed plugin no admin has switched yet is on in the demo (a plugin installed
    with pip is off elsewhere until an admin enables it); one an admin turned off stays off."""
    switched = set(db.session.scalars(db.select(Module.slug)))
    for slug, field in host().fields.items():
        if not field.stored and slug not in switched:
            db.session.add(Module(slug=slug, enabled=True, settings={}))


def _consortium(password: str, totp_secret: str | None) -> tuple[list, list, list[tuple[str, str]]]:
    """The federations, the member organizations and the people (new ones, or updated)."""
    load_demo_fields(set(host().fields))
    _enable_installed_modules()
    db.session.flush()
    host().refresh_stored()  # served from here on: subscriptions and experts below include them
    federations = [_organization(name, kind, None, False) for name, kind in FEDERATIONS]
    members = [
        _organization(name, kind, federations[parent], shares) for name, kind, parent, shares in MEMBERS
    ]
    db.session.flush()
    fields = list(host().fields)
    for org in [*federations, *members]:
        have = {s.field for s in org.subscriptions}
        org.subscriptions.extend(Subscription(field=slug) for slug in fields if slug not in have)

    # One hash for every demo account: they share the password, and hashing is slow on purpose.
    hashed = User()
    hashed.set_password(password)
    accounts = []
    for email, name, description, is_admin, is_expert, memberships in PEOPLE:
        user = User.by_email(email) or User(email=email)
        user.name = name
        user.is_admin = is_admin
        user.is_expert = is_expert
        user.active = True
        user.locale = "fr_CA"
        user.password_hash = hashed.password_hash
        if totp_secret and user.is_staff:
            # Enrolled as if the person had scanned the secret: no recovery codes, the demo's
            # operator holds the secret. A new secret starts a new count of used codes.
            if user.totp_secret != totp_secret:
                user.totp_last_step = None
            user.totp_secret = totp_secret
            user.totp_enabled_at = user.totp_enabled_at or utcnow()
        db.session.add(user)
        if is_expert:
            have = user.field_slugs
            user.expert_fields.extend(ExpertField(field=slug) for slug in fields if slug not in have)
        for where, role in memberships:
            org = federations[int(where[1:])] if isinstance(where, str) else members[where]
            db.session.flush()
            membership = db.session.scalar(
                db.select(Membership).filter_by(user_id=user.id, organization_id=org.id)
            ) or Membership(user=user, organization=org)
            membership.role = role
            membership.active = True
            db.session.add(membership)
        accounts.append((email, description))
    db.session.flush()
    return federations, members, accounts


def _replay_requests(spaces: list, experts: list, clock) -> list:
    """The requests of the organizations that have none yet (the others keep theirs), replayed
    on ``clock``; the notifications older than a week count as read. No e-mail goes out: the
    demo tells its story in the app."""
    fresh = [space for space in spaces if not db.session.scalar(
        select(func.count(ServiceRequest.id)).where(ServiceRequest.organization_id == space[0].id)
    )]
    if not fresh:
        return []
    outbox = db.session.scalar(select(func.max(OutboxEmail.id))) or 0
    notified = db.session.scalar(select(func.max(Notification.id))) or 0
    stories = plan_stories(fresh, experts, clock.now())
    replay(stories, clock)
    db.session.flush()
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.id > outbox))
    week_ago = clock.now() - timedelta(days=7)
    for notification in db.session.scalars(
        select(Notification).where(Notification.id > notified, Notification.created_at < week_ago)
    ):
        notification.read_at = notification.created_at + timedelta(minutes=17 + notification.id % 600)
    return stories
