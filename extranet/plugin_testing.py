"""Helpers for field plugins' test suites: filing requests, people, the transition × role
matrix of a workflow, what the registry holds, and the completeness of a plugin's French catalog.

A plugin's tests import only this module, ``extranet.api`` and their own package; the fixtures
(``app``, ``people``, ``client_for``…) come from the ``extranet.testing`` pytest plugin, which
pytest loads by itself wherever the core is installed. What a test needs from the core's
internals is offered here, so that the core can move them without breaking any plugin's suite.

Bind the field once in the plugin's own helper module, e.g.
``file_request = functools.partial(plugin_testing.file_request, field="hr")``.
"""

from __future__ import annotations

import re

# ``host()`` inside an application context: the registry of what the plugins contributed
# (``fields``, ``types_of(field)``, ``request_types``, ``workflows``, ``versions``).
from extranet.plugins import host
from extranet.testing import create_person, csrf_token

__all__ = [
    "MATRIX_ROLES",
    "assert_reference",
    "cast",
    "check_catalog",
    "check_transition",
    "count_requests",
    "due_after_working_time",
    "events",
    "file_request",
    "host",
    "load",
    "make_expert",
    "make_member",
    "reference_of",
    "set_state",
    "speak_french",
    "take",
    "token",
    "unsubscribe",
]

MATRIX_ROLES = ("requester", "colleague", "manager_a", "expert", "assignee", "admin", "member_b")


def token(client) -> str:
    """The CSRF token of the client's session (cached on the client: it lasts the session)."""
    if not hasattr(client, "_csrf"):
        client._csrf = csrf_token(client, "/")
    return client._csrf


def file_request(client, type_slug: str, data: dict, *, field: str):
    return client.post(f"/requests/new/{field}/{type_slug}", data={"csrf_token": token(client), **data})


def reference_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.location.rstrip("/").split("/")[-1]


def load(app, reference: str):
    """The request's columns as a detached snapshot."""
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        assert req is not None, reference
        db.session.expunge(req)
        return req


def events(app, reference: str, transition: str | None = None) -> list:
    """The request's history (``kind``, ``transition``, ``from_state``, ``to_state``,
    ``comment``, ``details``), oldest first, as detached snapshots; only one transition's
    events when ``transition`` is given."""
    from extranet.extensions import db
    from extranet.requests.models import RequestEvent, ServiceRequest

    with app.app_context():
        query = (db.select(RequestEvent).join(ServiceRequest)
                 .where(ServiceRequest.reference == reference).order_by(RequestEvent.id))
        if transition is not None:
            query = query.where(RequestEvent.transition == transition)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def count_requests(app) -> int:
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        return db.session.scalar(db.select(db.func.count(ServiceRequest.id)))


def set_state(app, reference: str, state: str) -> None:
    from extranet.db_types import utcnow
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        req.state = state
        req.state_changed_at = utcnow()
        db.session.commit()


def make_member(app, org_id: int, email: str, name: str, role: str = "member"):
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    with app.app_context():
        person = create_person(email, name, locale="fr_CA")
        db.session.add(Membership(user_id=person.id, organization_id=org_id, role=role))
        db.session.commit()
        return person


def unsubscribe(app, organization_id: int, field: str) -> None:
    """End the organization's subscription to the field (the ``people`` fixture subscribes both
    organizations to every field)."""
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    with app.app_context():
        db.session.execute(db.delete(Subscription).where(
            Subscription.organization_id == organization_id, Subscription.field == field))
        db.session.commit()


def make_expert(app, field: str, email: str, name: str):
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db

    with app.app_context():
        person = create_person(email, name, locale="fr_CA", is_expert=True)
        db.session.add(ExpertField(user_id=person.id, field=field))
        db.session.commit()
        return person


def speak_french(app, people):
    """Set the ``people`` fixture's users' language to French (the test default is English)."""
    from extranet.accounts.models import User
    from extranet.extensions import db

    ids = [p.id for p in vars(people).values() if hasattr(p, "email")]
    with app.app_context():
        db.session.execute(db.update(User).where(User.id.in_(ids)).values(locale="fr_CA"))
        db.session.commit()
    return people


def cast(app, people, client_for, *, field: str) -> dict:
    """One logged-in client per role of the matrix. ``assignee`` is a second expert of the
    field, who takes the request; ``expert`` serves the field but is not assigned."""
    persons = {
        "requester": people.member_a,
        "colleague": make_member(app, people.org_a, "colleague.a@test.org", "Colleague A"),
        "manager_a": people.manager_a,
        "expert": people.expert,
        "assignee": make_expert(app, field, "assignee@test.org", "Assignee Expert"),
        "admin": people.admin,
        "member_b": people.member_b,
    }
    return {role: client_for(app, person) for role, person in persons.items()}


def take(client, reference: str) -> None:
    response = client.post(f"/requests/{reference}/take", data={"csrf_token": token(client)})
    assert response.status_code == 303, response.status_code


def check_transition(app, clients: dict, reference: str, slug: str, sources, target: str,
                     allowed: set, data: dict | None = None) -> None:
    """From each source state, each role POSTs the transition: 303 and the target state for the
    allowed roles, 404 and no change for the others."""
    assert allowed <= set(clients), allowed - set(clients)
    form = {f"{slug}-{name}": value for name, value in (data or {}).items()}
    for source in sources:
        for role, client in clients.items():
            set_state(app, reference, source)
            response = client.post(
                f"/requests/{reference}/transition/{slug}", data={"csrf_token": token(client), **form}
            )
            expected = (303, target) if role in allowed else (404, source)
            got = (response.status_code, load(app, reference).state)
            assert got == expected, f"{slug} from {source} by {role}: {got}, expected {expected}"


def assert_reference(reference: str, prefix: str) -> None:
    assert re.fullmatch(rf"{prefix}-\d{{4}}-\d{{4}}", reference), reference


def check_catalog(package) -> None:
    """The package's French catalog translates every message of its code and templates, keeps
    their placeholders, follows Québec typography, and its committed .mo is up to date."""
    from io import BytesIO
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.mofile import read_mo, write_mo
    from babel.messages.pofile import read_po

    folder = Path(package.__file__).parent
    po_path = folder / "translations" / "fr_CA" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    assert str(catalog.locale) == "fr_CA"
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2")]
    options_map = {pattern: {"extensions": "jinja2.ext.do"} for pattern, method in method_map if method == "jinja2"}
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    extracted = {m if isinstance(m, str) else m[0]
                 for _f, _l, m, _c, _ctx in extract_from_dir(str(folder), method_map, options_map, keywords=keywords)}
    assert len(extracted) > 10
    assert sorted(extracted - {m.id for m in catalog if m.id}) == [], "run the extraction and translate"
    placeholder = re.compile(r"%\((\w+)\)[sdif]")
    for message in catalog:
        if not message.id:
            continue
        assert message.string and not message.fuzzy, message.id
        assert set(placeholder.findall(message.string)) == set(placeholder.findall(message.id)), message.id
        assert not re.search(r"[^\S\u00a0]:|\s[?!;]", message.string), message.string
    fresh = BytesIO()
    write_mo(fresh, catalog)
    fresh.seek(0)
    with po_path.with_suffix(".mo").open("rb") as fh:
        committed = {m.id: m.string for m in read_mo(fh) if m.id}
    assert committed == {m.id: m.string for m in read_mo(fresh) if m.id}, "run pybabel compile"


def due_after_working_time(app, start, amount):
    """The instant ``amount`` of working time after ``start`` in the cooperative's calendar: a
    request type's response target as its due time."""
    from extranet.servicetargets.calendar import working_calendar
    from extranet.servicetargets.clock import add_working_time

    with app.app_context():
        return add_working_time(working_calendar(), start, amount)
