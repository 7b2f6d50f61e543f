"""The demo consortium: a cooperative's federations, member organizations and people.

Idempotent: running it again updates the same records (and sets the given password)."""

from __future__ import annotations

from extranet.accounts.models import ExpertField, User
from extranet.demo_documents import load_demo_documents
from extranet.demo_hours import load_demo_hours
from extranet.demo_requests import load_demo_requests
from extranet.demo_resources import load_demo_resources
from extranet.extensions import db
from extranet.organizations.models import Membership, Organization, Subscription
from extranet.plugins import host

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


def load_demo(password: str) -> list[tuple[str, str]]:
    federations = [_organization(name, kind, None, False) for name, kind in FEDERATIONS]
    members = [
        _organization(name, kind, federations[parent], shares) for name, kind, parent, shares in MEMBERS
    ]
    db.session.flush()
    fields = list(host().fields)
    for org in [*federations, *members]:
        have = {s.field for s in org.subscriptions}
        org.subscriptions.extend(Subscription(field=slug) for slug in fields if slug not in have)

    accounts = []
    for email, name, description, is_admin, is_expert, memberships in PEOPLE:
        user = User.by_email(email) or User(email=email)
        user.name = name
        user.is_admin = is_admin
        user.is_expert = is_expert
        user.active = True
        user.locale = "fr_CA"
        user.set_password(password)
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
    users = {u.email: u for u in db.session.scalars(db.select(User))}
    load_demo_requests(
        [
            (members[0], users["membre.a@example.org"], users["gestion.a@example.org"]),
            (members[3], users["membre.b@example.org"], users["gestion.b@example.org"]),
        ],
        {
            "admin": users["admin@example.org"],
            "experts": [users["expert@example.org"], users["experte2@example.org"]],
        },
    )
    load_demo_resources(users["expert@example.org"])
    load_demo_documents(
        [(members[0], users["membre.a@example.org"], users["gestion.a@example.org"]),
         (members[3], users["membre.b@example.org"], users["gestion.b@example.org"])],
        users["expert@example.org"],
    )
    load_demo_hours([members[0], members[3]], [users["expert@example.org"], users["experte2@example.org"]])
    db.session.commit()
    return accounts
