"""One confidentiality rule on every surface that names a request.

Restricted HR and legal requests carry a unique marker in their titles, descriptions, type
data, messages, internal notes, time notes and file names; time is logged on them (this week
and in last month, whose statement is closed), notifications and e-mails go out. Then every
other person who cannot open them walks every GET route of the application (each with the
ids that exist, as a page and as an HTMX fragment, CSV and XLSX read cell by cell) and the
marker must appear nowhere, nor in the e-mails they were sent. Their references and fields
do appear where the requests are counted (the statement), so the walk cannot pass by
showing nothing; a standard request's title shows to its organization as before; and those
who can open the restricted requests still read their titles.
"""

from __future__ import annotations

import html
import io
import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from werkzeug.exceptions import HTTPException

from extranet.testing import csrf_token
from tests.test_authorization_matrix import ADMIN

MARKER = "ZQXMARKER"
STANDARD = "STDVISIBLE"  # in the standard request's title: its organization reads it


@dataclass
class World:
    refs: dict
    people: dict
    clients: dict
    last_month: date
    org_a: int


def _token(client):
    if not hasattr(client, "_csrf"):
        client._csrf = csrf_token(client, "/requests/")
    return client._csrf


def _ok(response, status=303):
    assert response.status_code == status, response.get_data(as_text=True)[:1500]
    return response


def _file(client, type_slug, field, title, restricted, **data):
    # Only restricted requests carry the marker, in every field the member types.
    description = f"Description {MARKER} secrète" if restricted else "Description publique"
    form = {"title": title, "description": description, "csrf_token": _token(client), **data}
    if restricted:
        form["restricted"] = "y"
    response = _ok(client.post(f"/requests/new/{field}/{type_slug}", data=form))
    return response.location.rstrip("/").split("/")[-1]


def _attach(client, reference, body, filename, internal=False):
    data = {"body": body, "csrf_token": _token(client),
            "files": (io.BytesIO(b"Un fichier texte.\n"), filename)}
    if internal:
        data["internal"] = "y"
    _ok(client.post(f"/requests/{reference}/messages", data=data, content_type="multipart/form-data"))


def _upload(client, field, reference, filename):
    _ok(client.post(f"/documents/{field}/requests/{reference}/upload", data={
        "csrf_token": _token(client), "visibility": "org", "files": (io.BytesIO(b"Un document.\n"), filename),
    }, content_type="multipart/form-data"))


def _trash(app, client, filename):
    from extranet.documents.models import Document
    from extranet.extensions import db

    with app.app_context():
        doc = db.session.scalar(db.select(Document).where(Document.title == filename))
        url = f"/documents/{doc.field}/files/{doc.id}/delete"
    assert client.post(url, data={"csrf_token": _token(client)}).status_code in (200, 303)


def _log(client, reference, day, minutes, note=f"Note {MARKER}"):
    _ok(client.post(f"/hours/requests/{reference}/time", data={
        "csrf_token": _token(client), "date": day.isoformat(), "duration": str(minutes),
        "activity": "analysis", "billable": "y", "note": note,
    }))


def _person(app, key, *, org=None, role="member", fields=()):
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db
    from extranet.organizations.models import Membership
    from extranet.testing import create_person

    with app.app_context():
        person = create_person(f"{key}@test.org", key.replace("_", " ").title(), is_expert=bool(fields))
        if org is not None:
            db.session.add(Membership(user_id=person.id, organization_id=org, role=role))
        db.session.add_all(ExpertField(user_id=person.id, field=slug) for slug in fields)
        db.session.commit()
    return person


def _cast(app, people) -> dict:
    """Who looks at the requests besides the member who files them: the people of the fixture,
    a colleague, a federation's manager, an HR expert and an IT expert, by role."""
    return {
        "manager_a": people.manager_a, "expert": people.expert,
        "admin": people.admin, "manager_b": people.manager_b, "member_b": people.member_b,
        "colleague_a": _person(app, "colleague_a", org=people.org_a),
        "federation_manager": _person(app, "federation_manager", org=people.federation_a, role="manager"),
        "hr_expert": _person(app, "hr_expert", fields=("hr",)),
        "it_expert": _person(app, "it_expert", fields=("it",)),
    }


@pytest.fixture
def world(app, people, client_for) -> World:
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    with app.app_context():
        db.session.execute(db.update(User).values(locale="en"))
        db.session.get(Organization, people.org_a).share_with_federation = True
        db.session.commit()
    persons = {"requester": people.member_a, **_cast(app, people)}
    clients = {key: client_for(app, person) for key, person in persons.items()}
    member, expert, admin = clients["requester"], clients["expert"], clients["admin"]
    refs = {
        "hr": _file(member, "policy_review", "hr", f"Plainte {MARKER} harcèlement", True,
                    policy_name=f"Politique {MARKER}", goals=f"Objectifs {MARKER}"),
        "legal": _file(member, "contract_review", "legal", f"Litige {MARKER} fournisseur", True,
                       counterparty=f"Partie {MARKER}", contract_type="services"),
        "standard": _file(member, "policy_review", "hr", f"Politique {STANDARD} télétravail", False,
                          policy_name="Télétravail", goals="Mettre à jour"),
    }
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for key, reference in refs.items():
        _ok(expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}))
        if key == "standard":
            _log(expert, reference, today, 30, note="")
            _log(expert, reference, last_month + timedelta(days=14), 30, note="")
            continue
        _attach(member, reference, f"Message {MARKER} du membre", f"{MARKER}-membre.txt")
        _attach(expert, reference, f"Réponse {MARKER} de l'experte", f"{MARKER}-experte.txt")
        _attach(expert, reference, f"Note interne {MARKER}", f"{MARKER}-interne.txt", internal=True)
        _upload(member, key, reference, f"{MARKER}-document.txt")
        _log(expert, reference, today, 90)
        _log(expert, reference, last_month + timedelta(days=14), 60)
    _upload(member, "hr", refs["hr"], f"{MARKER}-corbeille.txt")
    _trash(app, member, f"{MARKER}-corbeille.txt")
    _ok(admin.post(f"/reports/statements/{people.org_a}/{last_month:%Y-%m}/close",
                   data={"csrf_token": _token(admin)}))
    return World(refs, persons, clients, last_month, people.org_a)


# -- the walk -------------------------------------------------------------------------------------

SKIP = {"static", "auth.reset_password", "auth.accept_invitation", "auth.login", "auth.forgot_password",
        "auth.logout", "accounts.set_language"} | ADMIN  # administration: 404 for all but admins
HREF_RE = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')


def _simple_values(app, world: World) -> dict:
    """The values of the URL arguments that need no particular object."""
    from extranet.extensions import db
    from extranet.organizations.models import Organization
    from extranet.plugins import host

    with app.app_context():
        org_ids = list(db.session.scalars(db.select(Organization.id)))
        fields = list(host().fields)
    return {
        "reference": list(world.refs.values()), "field": fields, "field_slug": fields, "org_id": org_ids,
        "type_slug": ["policy_review", "contract_review"], "fmt": ["csv", "xlsx"],
        "month": [f"{world.last_month:%Y-%m}", f"{date.today():%Y-%m}"],
    }


def _links(world: World) -> set[str]:
    """The objects' own URLs (attachments, documents and their versions, the trash, time
    entries), as the people who may open the requests find them on their pages."""
    pages = [f"/requests/{r}" for r in world.refs.values()] + [f"/hours/requests/{r}" for r in world.refs.values()]
    pages += [f"/documents/{f}/requests/{world.refs[f]}" for f in ("hr", "legal")]
    found = set()
    for who, urls in (("requester", pages), ("expert", pages), ("admin", [f"/documents/hr/trash?org={world.org_a}"])):
        for url in urls:
            text = world.clients[who].get(url).get_data(as_text=True)
            found |= {html.unescape(link) for link in HREF_RE.findall(text)}
    documents = {link.partition("?") for link in found if re.fullmatch(r"/documents/\w+/files/\d+", link.split("?")[0])}
    return found | {f"{path}{suffix}?{query}" for path, _q, query in documents for suffix in ("/versions/1", "/delete")}


def _urls(app, world: World) -> list[str]:
    """Every GET route, each with the values of its arguments that exist; fails on a route the
    walk does not reach, so that a new page is walked too."""
    values = _simple_values(app, world)
    adapter = app.url_map.bind("localhost")
    linked: dict[str, set] = {}
    for link in _links(world):
        try:
            endpoint, _args = adapter.match(link.split("?")[0], method="GET")
        except HTTPException:
            continue
        linked.setdefault(endpoint, set()).add(link)
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIP or rule.endpoint.startswith("api."):
            continue  # the API answers a cookie 401: _api_urls walks it with tokens
        names = sorted(rule.arguments)
        if set(names) <= set(values):
            for chosen in itertools.product(*(values[n] for n in names)):
                urls.append(rule.build(dict(zip(names, chosen, strict=True)), append_unknown=False)[1])
        else:
            urls += sorted(linked.get(rule.endpoint, ()))
    covered = {adapter.match(url.split("?")[0], method="GET")[0] for url in urls}
    unreached = sorted({r.endpoint for r in app.url_map.iter_rules()
                        if "GET" in r.methods and r.endpoint not in SKIP and not r.endpoint.startswith("api.")}
                       - covered)
    # No resource, folder, saved list view, export of one's data or API token exists in this
    # world; the first three and the token name no request (a view is its owner's own filters),
    # and an export (a ZIP for its owner only) is read under the rule in test_privacy.py. A
    # calendar feed is read by its secret address, not a session: test_calendars.py reads each
    # person's and a manager's under the rule.
    assert set(unreached) <= {"documents.folder", "resources.download", "resources.edit",
                              "request_list.delete_view", "privacy.download_export", "api_tokens.revoke",
                              "calendars.feed"}, unreached
    week = f"{world.last_month + timedelta(days=14):%G-W%V}"
    expert_id = world.people["expert"].id
    urls += [
        f"/hours/timesheet?week={week}", f"/hours/timesheet?expert={expert_id}",
        f"/hours/timesheet?expert={expert_id}&week={week}", f"/hours/?organization={world.org_a}",
        "/requests/?q=ZQX", "/requests/?open=1", f"/documents/hr/?org={world.org_a}",
        f"/documents/legal/trash?org={world.org_a}",
    ]
    return urls


def _text(response) -> str:
    """What a person reads in a response: the page, the CSV, or each cell of the XLSX."""
    kind = response.headers.get("Content-Type", "")
    disposition = response.headers.get("Content-Disposition", "")
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(response.data), read_only=True)
        cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
        return disposition + "\n" + "\n".join(cells)
    return disposition + "\n" + response.get_data(as_text=True)


def _walk(client, urls) -> dict[str, str]:
    """Every page, fragment and download the client may reach: url → what it reads."""
    seen = {}
    for url in urls:
        response = client.get(url)
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            url, response = response.location, client.get(response.location)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200:
            continue
        seen[url] = _text(response)
        if "HX-Request" not in response.headers.get("Vary", ""):
            continue  # the same answer as a fragment
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code < 500, (url, fragment.status_code)
        seen[url + " (HTMX)"] = _text(fragment)
    return seen


# People who cannot open the restricted requests: the requester's manager and a colleague, the
# manager of the federation the organization shares with, another organization, an expert of
# another field, and an HR expert who is not assigned (the request is assigned to another).
OUTSIDERS = ("manager_a", "colleague_a", "federation_manager", "manager_b", "member_b", "it_expert", "hr_expert")


def test_whoever_cannot_open_a_request_never_reads_its_title_or_content(app, world):
    urls = _urls(app, world)
    for who in OUTSIDERS:
        client = world.clients[who]
        for reference in ("hr", "legal"):
            assert client.get(f"/requests/{world.refs[reference]}").status_code == 404, who
        pages = _walk(client, urls)
        assert len(pages) > 20, (who, sorted(pages))
        leaks = sorted(url for url, text in pages.items() if MARKER in text)
        assert not leaks, f"{who} reads a confidential request's title or content on {leaks}"


def _api_urls(app, world: World) -> list[str]:
    """Every GET operation of the API with the scenario's values, and the restricted requests'
    documents and attachments by their ids."""
    from extranet.documents.models import Document
    from extranet.extensions import db
    from extranet.requests.models import Attachment

    values = {**_simple_values(app, world), "user_id": [world.people["requester"].id]}
    with app.app_context():
        doc_ids = db.session.scalars(db.select(Document.id)).all()
        attachments = [(a.message.request.reference, a.id) for a in db.session.scalars(db.select(Attachment))]
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or "GET" not in rule.methods:
            continue
        names = sorted(set(rule.arguments) - {"doc_id", "attachment_id"})
        for chosen in itertools.product(*(values[n] for n in names)):
            args = dict(zip(names, chosen, strict=True))
            if "doc_id" in rule.arguments:
                urls += [rule.build({**args, "doc_id": i}, append_unknown=False)[1] for i in doc_ids]
            elif "attachment_id" in rule.arguments:
                urls += [rule.build({"reference": r, "attachment_id": i}, append_unknown=False)[1]
                         for r, i in attachments if args.get("reference") == r]
            else:
                urls.append(rule.build(args, append_unknown=False)[1])
    return urls + ["/api/v1/requests?q=ZQX", "/api/v1/requests?open=true&per_page=100"]


def test_nor_through_the_api(app, world):
    """The same walk through the REST API, with a token of every scope: nothing of the
    restricted requests, while their people read them there."""
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.rest.models import SCOPES
    from extranet.rest.service import create_token

    urls = _api_urls(app, world)
    with app.app_context():
        tokens = {who: create_token(db.session.get(User, world.people[who].id), "walk", SCOPES, None)[1]
                  for who in (*OUTSIDERS, "requester")}
        db.session.commit()
    client = app.test_client(use_cookies=False)
    for who, token in tokens.items():
        read = {}
        for url in urls:
            response = client.get(url, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (who, url, response.status_code)
            if response.status_code == 200:
                read[url] = _text(response)
        assert len(read) > 6, (who, sorted(read))
        leaks = sorted(url for url, text in read.items() if MARKER in text)
        if who == "requester":
            assert len(leaks) > 5  # the walk reaches the restricted requests' content
        else:
            assert not leaks, f"{who} reads a confidential request's title or content through {leaks}"


def test_nor_in_the_emails_sent_to_them(app, world):
    from sqlalchemy import select

    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    with app.app_context():
        emails = db.session.execute(select(OutboxEmail.to, OutboxEmail.subject, OutboxEmail.body_text)).all()
    assert any(MARKER in subject for _to, subject, _body in emails)  # the requester's and expert's
    # The unassigned HR expert was told of the new HR request while it was still theirs to
    # take (a restricted request shows to the field's experts until one is assigned).
    never = {world.people[who].email for who in OUTSIDERS if who != "hr_expert"}
    leaked = [(to, subject) for to, subject, body in emails if to in never and MARKER in subject + body]
    assert not leaked


def test_statements_name_the_request_by_reference_and_field(app, world):
    """The closed statement, its print view and downloads, for the organization's manager:
    every line is there, the restricted ones by reference and field only."""
    client = world.clients["manager_a"]
    base = f"/reports/statements/{world.org_a}/{world.last_month:%Y-%m}"
    for url in (base, base + "/print", base + "/export.csv", base + "/export.xlsx",
                f"/reports/statements/{world.org_a}/{date.today():%Y-%m}"):
        text = _text(_ok(client.get(url), 200))
        assert MARKER not in text, url
        assert world.refs["hr"] in text and world.refs["legal"] in text, url
        assert "Human resources" in text and "Legal" in text, url
        assert STANDARD in text, url  # the standard request keeps its title for its organization
    # An admin's statement keeps every title.
    admin = _text(_ok(world.clients["admin"].get(base + "/export.xlsx"), 200))
    assert f"Plainte {MARKER} harcèlement" in admin and f"Litige {MARKER} fournisseur" in admin


def test_those_who_open_the_request_still_read_its_title(app, world):
    week = f"{world.last_month + timedelta(days=14):%G-W%V}"
    expert = world.clients["expert"]
    sheet = _ok(expert.get(f"/hours/timesheet?week={week}"), 200).get_data(as_text=True)
    assert f"Plainte {MARKER} harcèlement" in sheet and f"Litige {MARKER} fournisseur" in sheet
    notifications = _ok(expert.get("/notifications/"), 200).get_data(as_text=True)
    assert f"Plainte {MARKER} harcèlement" in notifications
    requester = world.clients["requester"]
    assert f"Plainte {MARKER} harcèlement" in _ok(requester.get("/notifications/"), 200).get_data(as_text=True)
    assert f"Litige {MARKER} fournisseur" in _ok(requester.get("/requests/"), 200).get_data(as_text=True)
    admin = world.clients["admin"]
    base = f"/reports/statements/{world.org_a}/{world.last_month:%Y-%m}"
    assert f"Plainte {MARKER} harcèlement" in _ok(admin.get(base), 200).get_data(as_text=True)


def test_the_batched_rule_is_the_rule(app, world):
    """``openable_requests`` (one query, for lists of lines) answers as ``request.view`` does,
    for everyone and every request."""
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.policy import can
    from extranet.requests.models import ServiceRequest
    from extranet.requests.rules import openable_requests

    with app.app_context():
        requests = db.session.scalars(db.select(ServiceRequest)).all()
        ids = [r.id for r in requests]
        for who, person in world.people.items():
            user = db.session.get(User, person.id)
            openable = openable_requests(user, ids)
            assert openable == {r.id for r in requests if can(user, "request.view", r)}, who
        assert openable_requests(db.session.get(User, world.people["manager_a"].id), ids) == {
            r.id for r in requests if r.reference == world.refs["standard"]}
