"""Who sees which request: organizations, restricted requests, federations, disabled modules.

Whatever the route, a request one may not see answers 404 and never appears in a list."""

from __future__ import annotations

import io
import re

import pytest

from tests.sample_plugin import SamplePlugin
from tests.test_requests import _token, act, add_person, file_request, load, page, send

REF_RE = re.compile(r'href="/requests/(SAMPLE-\d{4}-\d{4})"')


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def listed(client, query="", htmx=False):
    """The references shown in the request list (one page is enough here)."""
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"/requests/{query}", headers=headers)
    assert response.status_code == 200
    return set(REF_RE.findall(response.get_data(as_text=True)))


def every_route(client, reference, attachment_id=1):
    """The status of every request route for ``client``."""
    token = _token(client)
    answers = {
        "detail": client.get(f"/requests/{reference}").status_code,
        "attachment": client.get(f"/requests/{reference}/attachments/{attachment_id}").status_code,
    }
    for slug in ("accept", "cancel", "decline", "close"):
        answers[f"transition/{slug}"] = client.post(
            f"/requests/{reference}/transition/{slug}", data={"csrf_token": token, f"{slug}-comment": "x"}
        ).status_code
    posts = {
        "take": {},
        "assign": {"expert": "2"},
        "contacts": {"contact": "3"},
        "messages": {"body": "Hello"},
    }
    for route, data in posts.items():
        answers[route] = client.post(f"/requests/{reference}/{route}", data={"csrf_token": token, **data}).status_code
    return answers


def _attach(app, client, reference):
    """Post a message with a text file; return the attachment's id."""
    from extranet.extensions import db
    from extranet.requests.models import Attachment

    data = {"body": "Voici le fichier", "csrf_token": _token(client),
            "files": (io.BytesIO(b"Bonjour, ceci est un fichier texte.\n"), "note.txt")}
    response = client.post(f"/requests/{reference}/messages", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    with app.app_context():
        return db.session.scalar(db.select(Attachment.id).order_by(Attachment.id.desc()))


# -- organizations ----------------------------------------------------------------------------


def test_another_organization_gets_404_on_every_route(app, client_for, people):
    member_a = client_for(app, people.member_a)
    reference = file_request(member_a, title="Confidentiel A")
    attachment_id = _attach(app, member_a, reference)
    assert member_a.get(f"/requests/{reference}/attachments/{attachment_id}").status_code == 200
    before = load(app, reference)

    other_field = add_person(app, "other_expert", fields=("other",))
    for person in (people.member_b, people.manager_b, other_field):
        client = client_for(app, person)
        answers = every_route(client, reference, attachment_id)
        assert set(answers.values()) == {404}, (person.email, answers)
        assert reference not in listed(client)
        assert reference not in listed(client, htmx=True)
        assert reference not in listed(client, f"?q={reference}")
        assert "Confidentiel A" not in client.get("/requests/?q=Confidentiel").get_data(as_text=True)

    after = load(app, reference)
    assert (after["state"], after["assignees"], after["contacts"], after["messages"], after["version"]) == (
        before["state"], before["assignees"], before["contacts"], before["messages"], before["version"])
    # Organization A sees it, in the list and in search.
    assert reference in listed(member_a, f"?q={reference}")
    assert reference in listed(client_for(app, people.manager_a))


def test_an_attachment_only_answers_under_its_own_request(app, client_for, people):
    member_a = client_for(app, people.member_a)
    first = file_request(member_a)
    attachment_id = _attach(app, member_a, first)
    member_b = client_for(app, people.member_b)
    mine = file_request(member_b)
    # Someone of B, under the URL of their own request, cannot fetch A's file.
    assert member_b.get(f"/requests/{mine}/attachments/{attachment_id}").status_code == 404
    assert member_a.get(f"/requests/{first}/attachments/{attachment_id + 1000}").status_code == 404


def test_a_nonexistent_reference_is_404(app, client_for, people):
    for person in (people.admin, people.member_a, people.expert):
        client = client_for(app, person)
        answers = every_route(client, "SAMPLE-2000-9999")
        assert set(answers.values()) == {404}, answers


# -- restricted requests ----------------------------------------------------------------------


@pytest.fixture
def cast(app, people):
    """More people: colleagues in A, a second expert of the field, an expert of another field,
    and a manager of federation A (organization A shares with its federation)."""
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    with app.app_context():
        db.session.get(Organization, people.org_a).share_with_federation = True
        db.session.commit()
    return {
        "colleague": add_person(app, "colleague", org=people.org_a),
        "bystander": add_person(app, "bystander", org=people.org_a),
        "expert2": add_person(app, "expert2", fields=("sample",)),
        "other_field": add_person(app, "other_field", fields=("other",)),
        "federation": add_person(app, "federation_manager", org=people.federation_a, role="manager"),
    }


def test_restricted_requests(app, client_for, people, cast):
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    restricted = file_request(member, title="Restricted question", restricted=True)
    review = file_request(member, "review", title="Restricted review", restricted=True)
    standard = file_request(member, title="Standard question")
    assigned = file_request(member, "review", title="Assigned review", restricted=True)
    assert load(app, review)["confidentiality"] == "restricted"
    member.post(f"/requests/{review}/contacts", data={"contact": str(cast["colleague"].id), "csrf_token": _token(member)})
    assert expert.post(f"/requests/{assigned}/take", data={"csrf_token": _token(expert)}).status_code == 303

    everyone = {
        "member_a": people.member_a, "manager_a": people.manager_a, "expert": people.expert,
        "admin": people.admin, "member_b": people.member_b, "manager_b": people.manager_b, **cast,
    }
    expected = {
        restricted: {"member_a", "expert", "expert2", "admin"},
        review: {"member_a", "colleague", "expert", "expert2", "admin"},
        standard: {"member_a", "manager_a", "colleague", "bystander", "expert", "expert2", "admin", "federation"},
        assigned: {"member_a", "expert", "admin"},
    }
    clients = {name: client_for(app, person) for name, person in everyone.items()}
    for name, client in clients.items():
        can_open = {ref for ref in expected if client.get(f"/requests/{ref}").status_code == 200}
        assert can_open == {ref for ref, names in expected.items() if name in names}, name
        # The list shows exactly what the detail page answers, and so does search.
        assert listed(client) == can_open, name
        assert listed(client, htmx=True) == can_open, name
        assert listed(client, "?q=Restricted") == {restricted, review} & can_open, name
        with app.app_context():
            from extranet.accounts.models import User
            from extranet.extensions import db
            from extranet.requests.rules import visible_requests

            user = db.session.get(User, everyone[name].id)
            refs = {r.reference for r in db.session.scalars(visible_requests(user))}
        assert refs == can_open, name
    # A hidden request stays hidden on its other routes too.
    manager = clients["manager_a"]
    assert send(manager, restricted, "Hello").status_code == 404
    assert act(manager, restricted, "cancel").status_code == 404
    assert manager.post(f"/requests/{restricted}/contacts", data={"csrf_token": _token(manager)}).status_code == 404


def test_an_assigned_restricted_request_leaves_the_other_experts(app, client_for, people, cast):
    member = client_for(app, people.member_a)
    reference = file_request(member, restricted=True)
    expert2 = client_for(app, cast["expert2"])
    assert expert2.get(f"/requests/{reference}").status_code == 200
    admin = client_for(app, people.admin)
    response = admin.post(f"/requests/{reference}/assign", data={"expert": people.expert.id, "csrf_token": _token(admin)})
    assert response.status_code == 303
    assert expert2.get(f"/requests/{reference}").status_code == 404
    assert reference not in listed(expert2) and reference not in listed(expert2, "?assignee=none")
    assert expert2.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert2)}).status_code == 404
    # The assignee is removed: the field's experts see it again.
    admin.post(f"/requests/{reference}/assign",
               data={"expert": people.expert.id, "remove": "1", "csrf_token": _token(admin)})
    assert expert2.get(f"/requests/{reference}").status_code == 200


def test_the_restricted_box_is_ticked_for_a_restricted_type(app, client_for, people):
    member = client_for(app, people.member_a)
    def box(type_slug):
        html = member.get(f"/requests/new/sample/{type_slug}").get_data(as_text=True)
        return re.search(r'<input[^>]*name="restricted"[^>]*>', html).group(0)

    assert " checked" in box("review")
    assert " checked" not in box("question")


def test_someone_who_left_the_organization_loses_access(app, client_for, people, cast):
    """A requester or contact who left organization A (and now works for B) no longer sees
    A's requests, neither the detail nor the list, and is not told about them."""
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    colleague = client_for(app, cast["colleague"])
    mine = file_request(colleague, restricted=True, title="Filed before leaving")
    member = client_for(app, people.member_a)
    named = file_request(member, restricted=True, title="Named as contact")
    member.post(f"/requests/{named}/contacts", data={"contact": str(cast["colleague"].id), "csrf_token": _token(member)})
    assert colleague.get(f"/requests/{mine}").status_code == 200
    assert colleague.get(f"/requests/{named}").status_code == 200
    with app.app_context():
        membership = db.session.scalar(db.select(Membership).filter_by(user_id=cast["colleague"].id))
        membership.active = False
        db.session.add(Membership(user_id=cast["colleague"].id, organization_id=people.org_b, role="member"))
        db.session.commit()
    for reference in (mine, named):
        assert colleague.get(f"/requests/{reference}").status_code == 404
        assert send(colleague, reference, "Still here?").status_code == 404
    assert listed(colleague) == set()
    with app.app_context():
        from extranet.accounts.models import User
        from extranet.requests.rules import visible_requests

        user = db.session.get(User, cast["colleague"].id)
        assert list(db.session.scalars(visible_requests(user))) == []


# -- federations ------------------------------------------------------------------------------


def _share(app, people, shared=True):
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    with app.app_context():
        db.session.get(Organization, people.org_a).share_with_federation = shared
        db.session.commit()


def test_federation_manager_sees_shared_standard_requests(app, client_for, people):
    federation = add_person(app, "fed_manager", org=people.federation_a, role="manager")
    fed_member = add_person(app, "fed_member", org=people.federation_a, role="member")
    member = client_for(app, people.member_a)
    standard = file_request(member, title="Shared question")
    restricted = file_request(member, title="Private question", restricted=True)
    manager = client_for(app, federation)
    plain = client_for(app, fed_member)

    # Not shared: nothing.
    assert manager.get(f"/requests/{standard}").status_code == 404
    assert listed(manager) == set()
    _share(app, people)
    assert "Shared question" in page(manager, standard)
    assert listed(manager) == {standard} and listed(manager, htmx=True) == {standard}
    assert manager.get(f"/requests/{restricted}").status_code == 404
    assert listed(manager, "?q=Private") == set()
    # A plain member of the federation, or the manager of another federation, sees nothing.
    other_federation = add_person(app, "fed_b_manager", org=people.federation_b, role="manager")
    for client in (plain, client_for(app, other_federation)):
        assert client.get(f"/requests/{standard}").status_code == 404
        assert listed(client) == set()
    # The federation deactivated: its managers no longer see its members' requests.
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    for active in (False, True):
        with app.app_context():
            db.session.get(Organization, people.federation_a).active = active
            db.session.commit()
        assert (manager.get(f"/requests/{standard}").status_code == 200) is active
        assert listed(manager) == ({standard} if active else set())
    # Sharing turned off again: gone at once.
    _share(app, people, shared=False)
    assert manager.get(f"/requests/{standard}").status_code == 404
    assert listed(manager) == set()


def test_federation_manager_files_on_behalf_of_a_member(app, client_for, people):
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    federation = add_person(app, "fed_manager", org=people.federation_a, role="manager")
    manager = client_for(app, federation)
    # Without sharing, nothing to file for.
    assert manager.get("/requests/new/sample/question").status_code == 404
    assert 'href="/requests/new"' not in manager.get("/requests/").get_data(as_text=True)
    data = {"title": "Pour A", "topic": "general", "priority": "normal", "organization_id": people.org_a,
            "csrf_token": _token(manager)}
    assert manager.post("/requests/new/sample/question", data=data).status_code == 404

    _share(app, people)
    # The federation itself does not subscribe: organization A is the only choice, named.
    single = manager.get("/requests/new/sample/question").get_data(as_text=True)
    assert "On behalf of Coopérative A" in single and f'name="organization_id" value="{people.org_a}"' in single
    with app.app_context():
        db.session.add(Subscription(organization_id=people.federation_a, field="sample"))
        db.session.commit()
    form = manager.get("/requests/new/sample/question").get_data(as_text=True)
    assert "On behalf of" in form
    options = dict((int(v), n) for v, n in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', form))
    assert options == {people.federation_a: "Fédération A", people.org_a: "Coopérative A"}
    response = manager.post("/requests/new/sample/question", data={**data, "csrf_token": _token(manager)})
    assert response.status_code == 303
    reference = response.location.rstrip("/").split("/")[-1]
    row = load(app, reference)
    assert row["organization_id"] == people.org_a and row["requester_id"] == federation.id
    # The organization's members see it as theirs; B does not.
    assert "Pour A" in page(client_for(app, people.member_a), reference)
    assert client_for(app, people.member_b).get(f"/requests/{reference}").status_code == 404
    # Organization B is not a child of federation A: refused.
    refused = manager.post("/requests/new/sample/question",
                           data={**data, "organization_id": people.org_b, "csrf_token": _token(manager)})
    assert refused.status_code == 404


# -- pages that must not leak, disabled modules -----------------------------------------------


def test_admin_sees_a_restricted_request_in_full(app, client_for, people, cast):
    member = client_for(app, people.member_a)
    reference = file_request(member, "review", title="Dossier RH", restricted=True)
    member.post(f"/requests/{reference}/contacts", data={"contact": str(cast["colleague"].id), "csrf_token": _token(member)})
    expert = client_for(app, people.expert)
    act(expert, reference, "accept", comment="Vu")
    expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)})
    send(expert, reference, "Note interne RH", internal="y")
    send(member, reference, "Merci")

    html = page(client_for(app, people.admin), reference)
    assert "Dossier RH" in html and "Restricted: the requester, named contacts" in html
    assert "Colleague" in html and "Émile Expert" in html and "Member A" in html
    for text in ("Member A filed the request.", "Émile Expert: Submitted → Accepted", "Vu",
                 "Émile Expert assigned Émile Expert.", "Member A changed the contacts.",
                 "Note interne RH", "Merci"):
        assert text in html, text
    # The manager of A learns nothing of it, not even its title in the list.
    manager = client_for(app, people.manager_a)
    assert manager.get(f"/requests/{reference}").status_code == 404
    assert "Dossier RH" not in manager.get("/requests/?q=Dossier").get_data(as_text=True)
    # The contact sees the conversation but not the internal note.
    contact_html = page(client_for(app, cast["colleague"]), reference)
    assert "Merci" in contact_html and "Note interne RH" not in contact_html


def test_a_disabled_module_hides_its_requests_except_from_admins(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Module question")
    admin = client_for(app, people.admin)
    expert = client_for(app, people.expert)
    assert admin.post("/admin/modules/sample", data={"enabled": "0", "csrf_token": _token(admin)}).status_code == 303

    for client in (member, expert, client_for(app, people.manager_a)):
        answers = every_route(client, reference)
        # Those who would see it are told its service is paused (test_services_navigation.py).
        assert answers.pop("detail") == 403
        assert set(answers.values()) == {404}, answers
        assert listed(client) == set()
    assert set(every_route(client_for(app, people.member_b), reference).values()) == {404}
    html = page(admin, reference)
    assert "Module question" in html and "This module is disabled" in html
    assert offered(html) == [] and 'id="take-request"' not in html
    assert f'action="/requests/{reference}/messages"' not in html
    assert act(admin, reference, "accept").status_code == 404
    assert send(admin, reference, "Hello").status_code == 404
    assert reference in listed(admin)
    assert load(app, reference)["state"] == "submitted"

    admin.post("/admin/modules/sample", data={"enabled": "1", "csrf_token": _token(admin)})
    assert member.get(f"/requests/{reference}").status_code == 200


def offered(html):
    return re.findall(r'data-transition="([a-z_]+)"', html)

