"""The request core end to end: the workflow engine, assignment, contacts and messages.

The helpers at the top are shared with test_request_isolation.py and test_request_list.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from extranet.db_types import utcnow
from extranet.testing import create_person, csrf_token
from tests.sample_plugin import SamplePlugin

VERSION_RE = r'name="{slug}-version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="{slug}-version"'


# -- helpers ----------------------------------------------------------------------------------


def _token(client):
    """The session's CSRF token, read from the request list (the dashboard is not needed)."""
    return csrf_token(client, "/requests/")


@pytest.fixture
def app(register_plugin):
    """An application with the sample field. The ``people`` fixture, built on it, subscribes
    organizations A and B to it and makes ``people.expert`` its expert."""
    return register_plugin(SamplePlugin())


def in_english(app, people):
    """Everyone reads the pages in English, the language of the msgids the tests look for."""
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.execute(db.update(User).values(locale="en"))
        db.session.commit()
    return people


def add_person(app, key, *, org=None, role="member", fields=(), **flags):
    """A new user (member of ``org`` with ``role`` when given, expert of ``fields``)."""
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    with app.app_context():
        flags.setdefault("locale", "en")
        person = create_person(f"{key}@test.org", key.replace("_", " ").title(),
                               is_expert=bool(fields) or flags.pop("is_expert", False), **flags)
        if org is not None:
            db.session.add(Membership(user_id=person.id, organization_id=org, role=role))
        db.session.add_all(ExpertField(user_id=person.id, field=slug) for slug in fields)
        db.session.commit()
    return person


def file_request(client, type_slug="question", title="Une question", restricted=False, **data):
    """File a request through the form; return its reference."""
    form = {"title": title, "description": "Détails", "csrf_token": _token(client)}
    if type_slug == "question":
        form.update(topic="general", priority="normal")
    if restricted:
        form["restricted"] = "y"
    form.update(data)
    response = client.post(f"/requests/new/sample/{type_slug}", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response.location.rstrip("/").split("/")[-1]


def load(app, reference):
    """The request as stored: a dict of its columns, plus events and participants."""
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        row = {c.name: getattr(req, c.name) for c in ServiceRequest.__table__.columns}
        row["events"] = [(e.kind, e.transition, e.to_state, e.comment) for e in req.events]
        row["assignees"] = [u.id for u in req.assignees]
        row["contacts"] = [u.id for u in req.contacts]
        row["messages"] = [(m.body, m.internal) for m in req.messages]
        return row


def update(app, reference, **values):
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        for name, value in values.items():
            setattr(req, name, value)
        db.session.commit()


def act(client, reference, slug, version=None, **data):
    """POST a transition as the page's form would."""
    form = {"csrf_token": _token(client), **{f"{slug}-{k}": v for k, v in data.items()}}
    if version is not None:
        form[f"{slug}-version"] = version
    return client.post(f"/requests/{reference}/transition/{slug}", data=form)


def page(client, reference):
    response = client.get(f"/requests/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def offered(html):
    return re.findall(r'data-transition="([a-z_]+)"', html)


def version_on(html, slug):
    match = re.search(VERSION_RE.format(slug=slug), html)
    assert match, f"no version field for {slug}"
    return match.group(1) or match.group(2)


def send(client, reference, body, htmx=False, **extra):
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"body": body, "csrf_token": _token(client), **extra}
    return client.post(f"/requests/{reference}/messages", data=data, headers=headers)


# -- the workflow engine ----------------------------------------------------------------------


def test_standard_workflow_happy_path(app, client_for, people):
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member, title="Happy path")
    assert load(app, reference)["state"] == "submitted"
    assert offered(page(member, reference)) == ["cancel"]
    assert set(offered(page(expert, reference))) == {"accept", "decline"}

    assert act(expert, reference, "accept", comment="On it").status_code == 303
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 303
    assert act(expert, reference, "start").status_code == 303

    missing = act(expert, reference, "ask_member", comment="")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert re.search(r'<p class="error" id="ask_member-comment-error">[^<]+</p>', html)
    assert load(app, reference)["state"] == "in_progress"
    assert act(expert, reference, "ask_member", comment="Which year?").status_code == 303
    assert load(app, reference)["state"] == "waiting_on_member"
    assert "member_replied" in offered(page(member, reference))
    assert act(member, reference, "member_replied").status_code == 303
    assert act(expert, reference, "deliver", comment="Here it is").status_code == 303
    assert set(offered(page(member, reference))) == {"close", "reopen"}
    assert act(member, reference, "close").status_code == 303

    row = load(app, reference)
    assert row["state"] == "closed"
    assert [(kind, slug) for kind, slug, _, _ in row["events"]] == [
        ("created", None), ("transition", "accept"), ("assigned", None), ("transition", "start"),
        ("transition", "ask_member"), ("transition", "member_replied"), ("transition", "deliver"),
        ("transition", "close"),
    ]
    html = page(member, reference)
    steps = [
        "Member A filed the request.", "Émile Expert: Submitted → Accepted", "On it",
        "Émile Expert assigned Émile Expert.", "Émile Expert: Accepted → In progress",
        "Émile Expert: In progress → Waiting on the member", "Which year?",
        "Member A: Waiting on the member → In progress", "Émile Expert: In progress → Delivered",
        "Here it is", "Member A: Delivered → Closed",
    ]
    positions = [html.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    # Closed is terminal: no step offered, no message accepted.
    assert offered(html) == [] and 'id="actions-title"' not in html
    assert send(member, reference, "Encore une chose").status_code == 404
    assert load(app, reference)["messages"] == []


def test_transition_as_the_wrong_role_is_404(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    assert act(member, reference, "accept").status_code == 404
    assert act(member, reference, "nonexistent").status_code == 404
    # ``start`` is for the assignee: an expert who has not taken the request cannot start it.
    expert = client_for(app, people.expert)
    act(expert, reference, "accept")
    assert act(expert, reference, "start").status_code == 404
    assert load(app, reference)["state"] == "accepted"


def test_cancel_by_the_requester_only_before_work_starts(app, client_for, people):
    member = client_for(app, people.member_a)
    manager = client_for(app, people.manager_a)
    expert = client_for(app, people.expert)
    first = file_request(member)
    assert "cancel" not in offered(page(manager, first))  # a colleague, not the requester
    assert act(manager, first, "cancel").status_code == 404
    assert act(expert, first, "cancel").status_code == 404
    act(expert, first, "accept")
    assert "cancel" in offered(page(member, first))
    assert act(member, first, "cancel").status_code == 303
    assert load(app, first)["state"] == "cancelled"

    second = file_request(member)
    act(expert, second, "accept")
    expert.post(f"/requests/{second}/take", data={"csrf_token": _token(expert)})
    act(expert, second, "start")
    assert "cancel" not in offered(page(member, second))
    assert act(member, second, "cancel").status_code == 404
    assert load(app, second)["state"] == "in_progress"


def test_decline_requires_a_reason(app, client_for, people):
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member)
    refused = act(expert, reference, "decline", comment="  ")
    assert refused.status_code == 422
    assert 'id="decline-comment-error"' in refused.get_data(as_text=True)
    assert load(app, reference)["state"] == "submitted"
    assert act(member, reference, "decline", comment="No").status_code == 404
    assert act(expert, reference, "decline", comment="Out of scope").status_code == 303
    row = load(app, reference)
    assert row["state"] == "declined" and row["events"][-1] == ("transition", "decline", "declined", "Out of scope")
    assert "Out of scope" in page(member, reference)


def _delivered(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    update(app, reference, state="delivered", state_changed_at=utcnow())
    return member, reference


def test_reopen_within_30_days(app, client_for, people):
    member, reference = _delivered(app, client_for, people)
    assert "reopen" in offered(page(member, reference))
    assert act(member, reference, "reopen", comment="").status_code == 422  # a reason is required
    assert act(member, reference, "reopen", comment="Still broken").status_code == 303
    assert load(app, reference)["state"] == "in_progress"


def test_reopen_after_30_days_is_refused(app, client_for, people):
    member, reference = _delivered(app, client_for, people)
    update(app, reference, state_changed_at=utcnow() - timedelta(days=31))
    html = page(member, reference)
    assert "reopen" not in offered(html) and "close" in offered(html)
    assert act(member, reference, "reopen", comment="Too late").status_code == 404
    assert load(app, reference)["state"] == "delivered"


def test_two_people_change_the_same_request(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    first = client_for(app, people.expert)
    second = client_for(app, people.admin)
    first_version = version_on(page(first, reference), "accept")
    second_version = version_on(page(second, reference), "decline")
    assert first_version == second_version == str(load(app, reference)["version"])

    assert act(first, reference, "accept", version=first_version).status_code == 303
    # The admin's page is out of date: declining is still possible, but not on what they saw.
    stale = act(second, reference, "decline", version=second_version, comment="Duplicate")
    assert stale.status_code == 409
    assert "Someone else changed this request" in stale.get_data(as_text=True)
    assert load(app, reference)["state"] == "accepted"
    # The same transition twice: the second one is no longer possible, and says why.
    again = act(second, reference, "accept", version=second_version)
    assert again.status_code == 409 and "Someone else changed this request" in again.get_data(as_text=True)
    # An outdated page is said to be outdated before its form is judged (no reason given here).
    assert act(second, reference, "decline", version=second_version, comment="").status_code == 409
    assert act(second, reference, "decline", version="garbled", comment="x").status_code == 409
    # With the version of the page just shown, it works.
    fresh = version_on(stale.get_data(as_text=True), "decline")
    assert act(second, reference, "decline", version=fresh, comment="Duplicate").status_code == 303
    assert load(app, reference)["state"] == "declined"


def test_review_workflow_delivers_only_after_review(app, client_for, people):
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member, "review", title="Review me", restricted=True)
    assert load(app, reference)["confidentiality"] == "restricted"
    act(expert, reference, "accept")
    expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)})
    act(expert, reference, "start")
    html = page(expert, reference)
    assert "deliver" not in offered(html) and "review" in offered(html)
    assert act(expert, reference, "deliver").status_code == 404
    assert act(expert, reference, "review").status_code == 303
    assert offered(page(expert, reference)) == ["deliver"]
    assert act(expert, reference, "deliver").status_code == 303
    assert load(app, reference)["state"] == "delivered"


# -- assignment and contacts ------------------------------------------------------------------


def test_take_assign_and_remove(app, client_for, people):
    other = add_person(app, "second_expert", fields=("sample",))
    member = client_for(app, people.member_a)
    reference = file_request(member)
    expert = client_for(app, people.expert)
    assert 'id="take-request"' in page(expert, reference)
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 303
    assert load(app, reference)["assignees"] == [people.expert.id]
    html = page(expert, reference)
    assert 'id="take-request"' not in html
    assert re.search(r'id="request-assignees">Émile Expert<', html)
    assert re.search(r'id="assigned-experts"><li>Émile Expert', html)
    assert "Émile Expert" in member.get("/requests/").get_data(as_text=True)
    # Taking twice is not possible.
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 404
    assert load(app, reference)["assignees"] == [people.expert.id]

    admin = client_for(app, people.admin)
    token = _token(admin)
    assert admin.post(f"/requests/{reference}/assign", data={"expert": other.id, "csrf_token": token}).status_code == 303
    assert sorted(load(app, reference)["assignees"]) == sorted([people.expert.id, other.id])
    # Only an expert of the field can be assigned.
    assert admin.post(f"/requests/{reference}/assign", data={"expert": people.member_a.id, "csrf_token": token}).status_code == 400
    response = admin.post(f"/requests/{reference}/assign", data={"expert": people.expert.id, "remove": "1", "csrf_token": token})
    assert response.status_code == 303
    assert load(app, reference)["assignees"] == [other.id]
    assert "Ada Admin removed Émile Expert." in page(admin, reference)
    # A member assigns nobody.
    for person in (people.member_a, people.manager_a):
        client = client_for(app, person)
        data = {"expert": people.expert.id, "csrf_token": _token(client)}
        assert client.post(f"/requests/{reference}/assign", data=data).status_code == 404
        assert client.post(f"/requests/{reference}/take", data={"csrf_token": _token(client)}).status_code == 404
    assert load(app, reference)["assignees"] == [other.id]


def test_an_assignee_who_left_the_field_can_still_be_removed(app, client_for, people):
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db

    leaver = add_person(app, "leaver", fields=("sample",))
    reference = file_request(client_for(app, people.member_a))
    leaver_client = client_for(app, leaver)
    leaver_client.post(f"/requests/{reference}/take", data={"csrf_token": _token(leaver_client)})
    assert load(app, reference)["assignees"] == [leaver.id]
    with app.app_context():
        db.session.execute(db.delete(ExpertField).filter_by(user_id=leaver.id))
        db.session.commit()
    admin = client_for(app, people.admin)
    response = admin.post(f"/requests/{reference}/assign",
                          data={"expert": leaver.id, "remove": "1", "csrf_token": _token(admin)})
    assert response.status_code == 303
    assert load(app, reference)["assignees"] == []


def test_requester_names_a_colleague_as_contact(app, client_for, people):
    colleague = add_person(app, "colleague_a", org=people.org_a)
    member = client_for(app, people.member_a)
    reference = file_request(member, restricted=True, title="Private matter")
    colleague_client = client_for(app, colleague)
    assert colleague_client.get(f"/requests/{reference}").status_code == 404
    html = page(member, reference)
    assert f'name="contact" value="{colleague.id}"' in html
    assert f'value="{people.member_b.id}"' not in html

    # Someone of organization B cannot be named.
    refused = member.post(f"/requests/{reference}/contacts",
                          data={"contact": [str(colleague.id), str(people.member_b.id)], "csrf_token": _token(member)})
    assert refused.status_code == 400
    assert load(app, reference)["contacts"] == []

    saved = member.post(f"/requests/{reference}/contacts", data={"contact": str(colleague.id), "csrf_token": _token(member)})
    assert saved.status_code == 303
    assert load(app, reference)["contacts"] == [colleague.id]
    assert "Private matter" in page(colleague_client, reference)
    assert reference in colleague_client.get("/requests/").get_data(as_text=True)
    # A contact is on the member side of the workflow.
    update(app, reference, state="delivered", state_changed_at=utcnow())
    assert "close" in offered(page(colleague_client, reference))
    # Removing the contact takes the access away.
    update(app, reference, state="submitted")
    member.post(f"/requests/{reference}/contacts", data={"csrf_token": _token(member)})
    assert load(app, reference)["contacts"] == []
    assert colleague_client.get(f"/requests/{reference}").status_code == 404


def test_contacts_are_for_the_requester_managers_and_admins(app, client_for, people):
    colleague = add_person(app, "colleague_b", org=people.org_a)
    reference = file_request(client_for(app, people.member_a))
    other = client_for(app, colleague)
    data = {"contact": str(colleague.id), "csrf_token": _token(other)}
    assert other.post(f"/requests/{reference}/contacts", data=data).status_code == 404
    manager = client_for(app, people.manager_a)
    data["csrf_token"] = _token(manager)
    assert manager.post(f"/requests/{reference}/contacts", data=data).status_code == 303
    assert load(app, reference)["contacts"] == [colleague.id]


# -- messages ---------------------------------------------------------------------------------


def test_message_with_htmx_returns_the_conversation(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    response = send(member, reference, "Bonjour <b>équipe</b>", htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section class="card" id="conversation"')
    assert "Bonjour &lt;b&gt;équipe&lt;/b&gt;" in html
    assert "HX-Request" in response.headers.get("Vary", "")
    assert load(app, reference)["messages"] == [("Bonjour <b>équipe</b>", False)]


def test_message_without_javascript_redirects(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    response = send(member, reference, "Sans JavaScript")
    assert response.status_code == 303
    assert response.location.endswith(f"/requests/{reference}#conversation")
    assert "Sans JavaScript" in page(member, reference)


def test_empty_message_is_refused(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    fragment = send(member, reference, "   ", htmx=True)
    assert fragment.status_code == 422
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'id="body-error"' in html
    full = send(member, reference, "")
    assert full.status_code == 422 and "<html" in full.get_data(as_text=True)
    assert 'id="body-error"' in full.get_data(as_text=True)
    assert load(app, reference)["messages"] == []


def test_internal_notes_are_for_staff(app, client_for, people):
    member = client_for(app, people.member_a)
    manager = client_for(app, people.manager_a)
    expert = client_for(app, people.expert)
    reference = file_request(member)
    assert 'name="internal"' not in page(member, reference)
    assert 'name="internal"' in page(expert, reference)
    assert send(member, reference, "Psst", internal="y").status_code == 404
    assert load(app, reference)["messages"] == []

    assert send(expert, reference, "Client difficile", internal="y").status_code == 303
    assert send(expert, reference, "Nous regardons").status_code == 303
    assert load(app, reference)["messages"] == [("Client difficile", True), ("Nous regardons", False)]
    for client in (member, manager):
        html = page(client, reference)
        assert "Nous regardons" in html and "Client difficile" not in html and "Internal note</span>" not in html
    admin_html = page(client_for(app, people.admin), reference)
    for html in (page(expert, reference), admin_html):
        assert "Client difficile" in html and "Internal note</span>" in html
    # Nor do members hear of it.
    from extranet.extensions import db
    from extranet.notifications.models import Notification

    with app.app_context():
        told = {n.user_id for n in db.session.scalars(db.select(Notification).filter_by(kind="message_new"))}
    assert people.member_a.id in told  # the public message
    with app.app_context():
        internal = [n for n in db.session.scalars(db.select(Notification).filter_by(kind="message_new"))
                    if n.params.get("internal")]
    assert all(n.user_id not in {people.member_a.id, people.manager_a.id} for n in internal)
