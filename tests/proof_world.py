"""One seeded scenario for the proofs that walk every route (the authorization matrix, no GET
writes, the stored-XSS corpus): built once per test module, not per test, since each walk sends
a thousand requests and the scenario takes a few seconds to build through the pages.

Organization A (a cooperative of federation A, which it shares its requests with) holds a
restricted request of the sample field filed by its member ``owner``, taken by the field's
expert, with a message and its attachment, a document of the request, a folder of A's space
and a document in it, an hour logged on the request last month and this month, last month's
closed statement, an agreement, a draft resource, a notification and the people below. Every
text a person could type is a stored-XSS payload (``PAYLOADS``), so that the same world serves
the XSS corpus.

The roles the matrix declares its answers for, each a client signed in once for the module:

- ``anonymous``: nobody signed in;
- ``owner``: the member of A who filed the restricted request;
- ``colleague``: a member of A who is not a contact of it;
- ``member_b`` and ``manager_b``: a member and the manager of organization B;
- ``other_expert``: an expert of another field (HR);
- ``federation_manager``: the manager of federation A, with which A shares its requests;
- ``admin``.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import MetaData, select

from extranet import create_app
from extranet.extensions import db
from extranet.testing import (
    EnglishClient,
    _empty_tables,
    _test_config,
    _upgrade,
    create_person,
    csrf_token,
)
from tests.sample_plugin import SamplePlugin

ROLES = ("anonymous", "owner", "colleague", "member_b", "manager_b", "other_expert", "federation_manager", "admin")

# Each payload is tagged with a word the walk looks for, so that a page that shows the text is
# known to have been checked (the tags are plain letters: no markup, never escaped).
PAYLOADS = {
    "script": "<script>alert('XSSscript')</script>",
    "img": '<img src=x onerror="alert(\'XSSimg\')">',
    "javascript": '<a href="javascript:alert(\'XSSjs\')">XSSjs</a>',
    "htmx": '<div hx-get="/admin/users?XSShtmx" hx-trigger="load" hx-on:click="alert(1)">XSShtmx</div>',
    "svg": "<svg onload=\"alert('XSSsvg')\"><script>alert('XSSsvg')</script></svg>",
    "quote": "\"' autofocus onfocus=\"alert('XSSquote')\" x=\"",
}
PAYLOAD = " ".join(PAYLOADS.values())
TAGS = ("XSSscript", "XSSimg", "XSSjs", "XSShtmx", "XSSsvg", "XSSquote")
# A file name is kept as metadata: markup in it must come back as text wherever it is named.
FILE_NAME = "<img src=x onerror=alert('XSSfile')>.txt"
# Folder names may not hold a slash: markup without a closing tag.
FOLDER_NAME = "<img src=x onerror=alert('XSSfolder') hx-get=x> <svg onload=alert('XSSfolder')>"


def payload(label: str) -> str:
    """The whole corpus, after a label saying which text carries it, for long texts."""
    return f"{label} {PAYLOAD}"


def short(label: str) -> str:
    """A shorter corpus for fields limited to 200 characters: one payload of each kind, in turn,
    is too long together, so titles carry the three that matter most (script, handler, hx-*)."""
    return f"{label} {PAYLOADS['script']} {PAYLOADS['img']} {PAYLOADS['htmx'][:68]}"[:200]


@dataclass
class World:
    app: object
    ids: dict
    people: dict
    clients: dict = field(default_factory=dict)

    def values(self) -> dict:
        """URL arguments by name, from the scenario's rows."""
        return dict(self.ids)


def _person(key: str, *, org=None, role="member", fields=(), **flags):
    from extranet.accounts.models import ExpertField
    from extranet.organizations.models import Membership

    person = create_person(f"{key}@test.org", f"{key.replace('_', ' ').title()} {short('Name')}"[:200],
                           is_expert=bool(fields), **flags)
    if org is not None:
        db.session.add(Membership(user_id=person.id, organization_id=org.id, role=role))
    db.session.add_all(ExpertField(user_id=person.id, field=slug) for slug in fields)
    return person


def _ok(response, status=303):
    assert response.status_code == status, (response.request.path, response.get_data(as_text=True)[:1500])
    return response


def _login(app, person):
    client = app.test_client()
    token = csrf_token(client)
    _ok(client.post("/login", data={"email": person.email, "password": person.password, "csrf_token": token}))
    client.csrf = csrf_token(client, "/requests/")
    return client


def build_world(migrated_database, migration_branches, tmp_path) -> World:
    # Nine people sign in from one address, and the matrix posts the sign-in forms as every role:
    # the sign-in limit per address (whose own tests are in test_security.py) would answer 429.
    config = {**_test_config(migrated_database, tmp_path), "LOGIN_LIMIT_PER_IP": "10000 per minute",
              "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute"}
    app = create_app(config, plugins=(SamplePlugin(),))
    if not set(app.extensions["extranet.migration_dirs"]) <= migration_branches:
        _upgrade(app, migration_branches)
    app.test_client_class = EnglishClient
    from extranet.organizations.models import Organization, Subscription
    from extranet.plugins import host

    with app.app_context():
        _stored_field()
        fields = list(host().fields)
        fed_a = Organization(name=short("Federation A"), kind="federation")
        fed_b = Organization(name="Fédération B", kind="federation")
        org_a = Organization(name=short("Cooperative A"), kind="cooperative", parent=fed_a,
                             share_with_federation=True)
        org_b = Organization(name="Coopérative B", kind="cooperative", parent=fed_b)
        for org in (org_a, org_b):
            org.subscriptions = [Subscription(field=slug) for slug in fields]
        db.session.add_all([fed_a, fed_b, org_a, org_b])
        db.session.flush()
        people = {
            "admin": _person("admin", is_admin=True, locale="en"),
            "expert": _person("expert", fields=("sample",), locale="en"),
            "owner": _person("owner", org=org_a, locale="en"),
            "manager_a": _person("manager_a", org=org_a, role="manager", locale="en"),
            "colleague": _person("colleague", org=org_a, locale="en"),
            "member_b": _person("member_b", org=org_b, locale="en"),
            "manager_b": _person("manager_b", org=org_b, role="manager", locale="en"),
            "other_expert": _person("other_expert", fields=("hr",), locale="en"),
            "federation_manager": _person("federation_manager", org=fed_a, role="manager", locale="en"),
        }
        db.session.commit()
        org_a_id, fed_a_id = org_a.id, fed_a.id
    world = World(app, {}, people)
    clients = {key: _login(app, person) for key, person in people.items()}
    clients["anonymous"] = app.test_client()
    clients["anonymous"].csrf = csrf_token(clients["anonymous"])
    world.clients = clients
    _seed(world, org_a_id, fed_a_id)
    return world


def _stored_field() -> None:
    """A field created in the browser, served beside the plugins' (its builder's routes and
    home page name it)."""
    from extranet.plugins import host
    from extranet.stored_fields import service

    field = service.create_field("communications", name_fr="Communications", name_en="Communications",
                                 description_fr="", description_en="", prefix="COM", colour="#aa5500",
                                 icon="megaphone", order=50, confidentiality="standard")
    rtype = service.save_type(field, None, "campaign", name_fr="Campagne", name_en="Campaign",
                              workflow="standard", priority="normal", order=10)
    service.put_question(rtype, {"name": "audience", "kind": "short_text", "label_fr": "Public", "label_en": "Audience"})
    db.session.commit()
    host().refresh_stored()


def _seed(world: World, org_a: int, fed_a: int) -> None:
    from extranet.auth.models import UserSession
    from extranet.documents.models import Document, Folder
    from extranet.files.models import FileVersion
    from extranet.hours.models import Agreement, TimeEntry
    from extranet.notifications.models import Notification
    from extranet.organizations.models import Membership
    from extranet.requests.models import ReplyTemplate, SavedView, ServiceRequest
    from extranet.resources.models import Resource

    app, c = world.app, world.clients
    owner, expert, admin, manager = c["owner"], c["expert"], c["admin"], c["manager_a"]
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    # A webhook subscribed to every event, so that the scenario's changes leave deliveries.
    _ok(admin.post("/admin/webhooks/hosts", data={"host-host": "hooks.example.org", "csrf_token": admin.csrf}))
    _ok(admin.post("/admin/webhooks/", data={
        "url": "https://hooks.example.org/in", "description": short("Webhook"), "csrf_token": admin.csrf,
        "events": ["request.created", "request.transitioned", "message.posted", "document.uploaded", "time.logged",
                   "statement.closed"],
    }), status=200)
    # The restricted request, its conversation and its files.
    response = _ok(owner.post("/requests/new/sample/question", data={
        "title": short("Title"), "description": payload("Description"), "topic": "general",
        "priority": "normal", "restricted": "y", "csrf_token": owner.csrf,
    }))
    reference = response.location.rstrip("/").split("/")[-1]
    _ok(expert.post(f"/requests/{reference}/take", data={"csrf_token": expert.csrf}))
    _ok(owner.post(f"/requests/{reference}/messages", content_type="multipart/form-data", data={
        "body": payload("Message"), "csrf_token": owner.csrf, "files": (io.BytesIO(b"Un fichier.\n"), FILE_NAME),
    }))
    _ok(expert.post(f"/requests/{reference}/messages", data={  # the owner is notified of it
        "body": payload("Answer"), "csrf_token": expert.csrf,
    }))
    _ok(expert.post(f"/requests/{reference}/messages", data={
        "body": payload("Internal note"), "internal": "y", "csrf_token": expert.csrf,
    }))
    _ok(owner.post(f"/documents/sample/requests/{reference}/upload", content_type="multipart/form-data", data={
        "csrf_token": owner.csrf, "visibility": "org", "files": (io.BytesIO(b"Une piece.\n"), FILE_NAME),
    }))
    for day in (today, last_month + timedelta(days=14)):
        _ok(expert.post(f"/hours/requests/{reference}/time", data={
            "csrf_token": expert.csrf, "date": day.isoformat(), "duration": "45", "activity": "analysis",
            "billable": "y", "note": payload("Time note"),
        }))
    # A standard HR request (the whole organization reads it) with typed answers, accepted by an
    # admin with a comment.
    response = _ok(owner.post("/requests/new/hr/policy_review", data={
        "title": short("HR title"), "description": payload("HR description"), "policy_name": short("Policy"),
        "goals": payload("Goals"), "csrf_token": owner.csrf,
    }))
    hr_reference = response.location.rstrip("/").split("/")[-1]
    _ok(admin.post(f"/requests/{hr_reference}/transition/accept", data={
        "accept-comment": payload("Comment"), "csrf_token": admin.csrf,
    }))
    # Organization A's document space: a folder and a document in it.
    _ok(manager.post("/documents/sample/folders", data={"csrf_token": manager.csrf, "name": FOLDER_NAME}))
    with app.app_context():
        folder_id = db.session.scalar(db.select(Folder.id))
    _ok(owner.post("/documents/sample/upload", content_type="multipart/form-data", data={
        "csrf_token": owner.csrf, "visibility": "org", "category": "", "folder": str(folder_id),
        "files": (io.BytesIO(b"Un contrat.\n"), FILE_NAME),
    }))
    # The administration's rows: an agreement, last month's statement, a draft resource.
    _ok(admin.post("/hours/agreements/new", data={
        "organization_id": str(org_a), "field": "sample", "year": str(today.year), "hours": "12",
        "hourly_rate": "95", "overage_rate": "110", "carry_over": "unused", "csrf_token": admin.csrf,
    }))
    _ok(admin.post(f"/reports/statements/{org_a}/{last_month:%Y-%m}/close", data={"csrf_token": admin.csrf}))
    _ok(expert.post("/resources/sample/new", content_type="multipart/form-data", data={
        "title": short("Resource"), "summary": payload("Summary"), "language": "both", "category": "guide",
        "file": (io.BytesIO(b"Un guide.\n"), FILE_NAME), "csrf_token": expert.csrf,
    }))
    # A reply template of the sample field.
    _ok(admin.post("/replies/new", data={
        "field": "sample", "name": short("Reply")[:120], "body_fr": payload("Reply FR"), "body_en": payload("Reply EN"),
        "csrf_token": admin.csrf,
    }))
    # A list view the owner saved.
    _ok(owner.post("/requests/views", data={"name": short("View")[:80], "q": payload("Query")[:150],
                                           "csrf_token": owner.csrf}))
    # Organization A invites member B (a pending membership only she may answer), and the owner
    # signs in from a second browser (a session of hers that only she may end).
    _ok(manager.post("/organization/members", data={
        "email": world.people["member_b"].email, "name": short("Invited"), "role": "member", "locale": "en",
        "csrf_token": manager.csrf,
    }))
    _login(app, world.people["owner"])
    # The owner asks for a copy of her data (built as the worker does) and for its erasure.
    _ok(owner.post("/profile/data-export", data={"csrf_token": owner.csrf}))
    _ok(owner.post("/profile/erasure", data={"csrf_token": owner.csrf}))
    from extranet.privacy.models import DataExport, ErasureRequest
    from extranet.privacy.service import build_waiting_exports
    from extranet.webhooks.models import WebhookDelivery, WebhookHost, WebhookSubscription

    with app.app_context():
        assert build_waiting_exports() == (1, 0)
    # The owner's personal access token (the API's matrix makes one per role for itself).
    from extranet.accounts.models import User
    from extranet.rest.service import create_token

    with app.app_context():
        token, _secret = create_token(db.session.get(User, world.people["owner"].id), short("Token")[:100],
                                      ["requests:read"], None)
        db.session.commit()
        token_id = token.id
    # An e-mail whose processing failed (only admins see it and may have it processed again).
    from extranet.inbound.service import store_raw

    with app.app_context():
        received = store_raw(f"From: {world.people['owner'].email}\r\nSubject: {short('Mail')}\r\n\r\n"
                             f"{payload('mail')}\r\n".encode(), world.people["owner"].email, ["x@example.org"])
        received.status, received.outcome = "failed", "error"
        db.session.commit()
        inbound_id = received.id
    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        documents = db.session.scalars(db.select(Document).order_by(Document.id)).all()
        space_doc = next(d for d in documents if d.folder_id == folder_id)
        attachment = db.session.scalar(db.select(FileVersion).where(FileVersion.kind == "attachment"))
        owner_id = world.people["owner"].id
        world.ids.update({
            "reference": reference, "hr_reference": hr_reference, "field": "sample", "module": "sample", "type_slug": "question", "slug": "deliver",
            "stored_field": "communications", "stored_type": "campaign", "stored_question": "audience",
            "fmt": "csv", "month": f"{last_month:%Y-%m}", "token": "no-such-token", "filename": "app.css",
            "doc_id": space_doc.id, "number": 1, "folder_id": folder_id, "attachment_id": attachment.id,
            "file_id": attachment.id, "request_id": req.id,
            "resource_id": db.session.scalar(db.select(Resource.id)),
            "template_id": db.session.scalar(db.select(ReplyTemplate.id)),
            "view_id": db.session.scalar(db.select(SavedView.id)),
            "agreement_id": db.session.scalar(db.select(Agreement.id)),
            "entry_id": db.session.scalar(db.select(TimeEntry.id)),
            "notification_id": db.session.scalar(db.select(Notification.id).where(Notification.user_id == owner_id)),
            "session_id": db.session.scalar(db.select(db.func.max(UserSession.id)).where(
                UserSession.user_id == owner_id)),
            "membership_id": db.session.scalar(db.select(Membership.id).where(
                Membership.user_id == world.people["colleague"].id)),
            "invitation_id": db.session.scalar(db.select(Membership.id).where(
                Membership.user_id == world.people["member_b"].id, Membership.organization_id == org_a)),
            "org_id": org_a, "user_id": owner_id, "federation_id": fed_a,
            "export_id": db.session.scalar(db.select(DataExport.id)),
            "erasure_id": db.session.scalar(db.select(ErasureRequest.id)),
            "host_id": db.session.scalar(db.select(WebhookHost.id)),
            "subscription_id": db.session.scalar(db.select(WebhookSubscription.id)),
            "delivery_id": db.session.scalar(db.select(db.func.min(WebhookDelivery.id))),
            "token_id": token_id, "mail_id": inbound_id,
        })
        assert all(value is not None for value in world.ids.values()), world.ids


# -- what the database holds ----------------------------------------------------------------------

# Columns a request is meant to write whoever reads: a session's sliding expiry (auth/sessions.py
# touches it once a minute, so a walk longer than a minute sees it move).
TOUCHED = {"user_sessions": {"last_seen_at", "expires_at"}}


def snapshot(app, leave_out: frozenset = frozenset(), rows_left_out: dict | None = None) -> dict[str, str]:
    """A digest of every table's content (rows sorted), but for the tables of ``leave_out``,
    the rows of ``rows_left_out`` (table → (column, values)) and the columns of ``TOUCHED``:
    the tables are read from the database itself, so that a plugin's tables and the search
    index's are counted too."""
    digests = {}
    with app.app_context(), db.engine.connect() as connection:
        if "proof.tables" not in app.extensions:  # reflected once: it costs more than reading them
            metadata = MetaData()
            metadata.reflect(connection)
            app.extensions["proof.tables"] = metadata.tables
        for name, table in sorted(app.extensions["proof.tables"].items()):
            if name in leave_out or name == "alembic_version":
                continue
            columns = [c for c in table.columns if c.name not in TOUCHED.get(name, ())]
            # Sorted here, not by the database: PostgreSQL cannot order a json column.
            query = select(*columns)
            if name in (rows_left_out or {}):
                column, values = rows_left_out[name]
                query = query.where(table.c[column].not_in(values))
            rows = sorted(repr(tuple(row)) for row in connection.execute(query))
            digests[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest() + f":{len(rows)}"
    return digests


def changed(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def tear_down(world: World) -> None:
    with world.app.app_context():
        _empty_tables()
        db.session.remove()
        db.engine.dispose()
