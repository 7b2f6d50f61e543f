"""The dashboards: which widgets each person gets, what each widget counts and lists, and 404
for the widgets one may not see."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from extranet.db_types import utcnow
from extranet.extensions import db
from extranet.requests.models import RequestParticipant, ServiceRequest
from extranet.testing import count_queries, create_person
from tests.sample_plugin import SamplePlugin
from tests.test_plugins import _subscribe_org_a

WIDGETS = {
    "open-by-field": "/widgets/open-by-field",
    "waiting-on-me": "/widgets/waiting-on-me",
    "my-queue": "/widgets/my-queue",
    "unassigned": "/widgets/unassigned",
    "overdue": "/widgets/overdue",
    "volume": "/widgets/volume",
}


@pytest.fixture
def dash_app(register_plugin):
    return register_plugin(SamplePlugin(), SamplePlugin("other", order=60))


@pytest.fixture
def world(dash_app, people):
    """Organization A subscribes to "sample" and "other"; ``expert`` serves both, ``expert2``
    only "sample"; ``colleague`` is another member of A. Everyone reads English."""
    from extranet.accounts.models import ExpertField, User
    from extranet.organizations.models import Membership

    _subscribe_org_a(dash_app, people)
    _subscribe_org_a(dash_app, people, "other")
    with dash_app.app_context():
        expert2 = create_person("expert2@test.org", "Eva Expert", is_expert=True)
        colleague = create_person("colleague.a@test.org", "Colleague A")
        db.session.add(ExpertField(user_id=expert2.id, field="sample"))
        db.session.add(Membership(user_id=colleague.id, organization_id=people.org_a, role="member"))
        db.session.execute(db.update(User).values(locale="en"))
        db.session.commit()
    people.extra.update(expert2=expert2, colleague=colleague)
    return people


def make_request(app, people, title, state="submitted", field="sample", org=None, requester=None,
                 assignees=(), contacts=(), due=None, created=None, restricted=False):
    """A request row as the request views would leave it (states set directly)."""
    with app.app_context():
        now = utcnow()
        req = ServiceRequest(
            reference=f"T-{title}", organization_id=org or people.org_a, field=field, type="question",
            title=title, state=state, requester_id=(requester or people.member_a).id, due_at=due,
            confidentiality="restricted" if restricted else "standard",
            created_at=created or now, state_changed_at=created or now, data={},
        )
        req.participants = [RequestParticipant(user_id=p.id, role="assignee") for p in assignees] + [
            RequestParticipant(user_id=p.id, role="contact") for p in contacts
        ]
        db.session.add(req)
        db.session.commit()
        return req.reference


def widget(client, name, status=200) -> str:
    response = client.get(WIDGETS[name], headers={"HX-Request": "true"})
    assert response.status_code == status, (name, response.status_code)
    body = response.get_data(as_text=True)
    if status == 200:
        assert "<html" not in body
    return body


def widget_titles(client) -> set[str]:
    page = client.get("/").get_data(as_text=True)
    return set(re.findall(r'<h2 id="widget-([\w-]+)-title"', page))


# -- who gets which widgets -----------------------------------------------------------------


def test_each_person_gets_the_widgets_of_their_role(dash_app, world, client_for):
    member = widget_titles(client_for(dash_app, world.member_a))
    assert {"organization", "open-by-field", "waiting-on-me"} <= member
    assert not member & {"my-queue", "unassigned", "overdue", "volume"}
    expert = widget_titles(client_for(dash_app, world.expert))
    assert {"my-queue", "unassigned", "overdue"} <= expert
    assert not expert & {"organization", "open-by-field", "waiting-on-me", "volume"}
    admin = widget_titles(client_for(dash_app, world.admin))
    assert "volume" in admin and not admin & {"my-queue", "open-by-field"}
    page = client_for(dash_app, world.admin).get("/").get_data(as_text=True)
    assert 'hx-get="/widgets/volume"' in page and "Volume this month" in page


def test_widgets_one_may_not_see_are_404(dash_app, world, client_for):
    member = client_for(dash_app, world.member_a)
    for name in ("my-queue", "unassigned", "overdue", "volume"):
        widget(member, name, status=404)
    expert = client_for(dash_app, world.expert)  # staff without an organization
    for name in ("open-by-field", "waiting-on-me", "volume"):
        widget(expert, name, status=404)
    admin = client_for(dash_app, world.admin)
    for name in ("open-by-field", "waiting-on-me", "my-queue"):
        widget(admin, name, status=404)
    anonymous = dash_app.test_client()
    for url in WIDGETS.values():
        assert anonymous.get(url).status_code == 302


# -- member widgets -------------------------------------------------------------------------


def test_open_requests_by_field(dash_app, world, client_for):
    member = client_for(dash_app, world.member_a)
    assert "No open request at the moment." in widget(member, "open-by-field")
    make_request(dash_app, world, "one")
    make_request(dash_app, world, "two", state="waiting_on_member")
    make_request(dash_app, world, "three", state="closed")
    make_request(dash_app, world, "four", field="other", state="in_progress")
    make_request(dash_app, world, "hidden", restricted=True, requester=world.manager_a)
    make_request(dash_app, world, "elsewhere", org=world.org_b, requester=world.member_b)

    counts = open_counts(widget(member, "open-by-field"))
    assert counts["sample"] == "2" and counts["other"] == "1"
    # The numbers match the list the link leads to.
    listing = member.get("/requests/?field=sample&open=1").get_data(as_text=True)
    assert "T-one" in listing and "T-two" in listing and "T-three" not in listing and "T-hidden" not in listing
    # The restricted one counts for its requester.
    manager = client_for(dash_app, world.manager_a)
    assert re.search(r'field=sample&amp;open=1">[^<]+</a></th>\s*<td class="numeric">3<', widget(manager, "open-by-field"))
    # Organization B subscribes to neither field: only its own open request shows.
    other_org = open_counts(widget(client_for(dash_app, world.member_b), "open-by-field"))
    assert other_org["sample"] == "1" and "other" not in other_org


def open_counts(body) -> dict[str, str]:
    return dict(re.findall(r'href="/requests/\?field=(\w+)&amp;open=1">[^<]+</a></th>\s*<td class="numeric">(\d+)</td>', body))


def test_waiting_on_me(dash_app, world, client_for):
    member = client_for(dash_app, world.member_a)
    assert "Nothing is waiting on you." in widget(member, "waiting-on-me")
    make_request(dash_app, world, "asked", state="waiting_on_member")
    make_request(dash_app, world, "delivered", state="delivered")
    make_request(dash_app, world, "working", state="in_progress")
    make_request(dash_app, world, "done", state="closed")
    make_request(dash_app, world, "named", state="waiting_on_member", requester=world.manager_a,
                 contacts=[world.extra["colleague"]])
    make_request(dash_app, world, "secret", state="waiting_on_member", requester=world.extra["colleague"],
                 restricted=True)

    body = widget(member, "waiting-on-me")
    assert "T-asked" in body and "T-delivered" in body
    assert not {"T-working", "T-done", "T-named", "T-secret"} & set(re.findall(r"T-\w+", body))
    assert 'href="/requests/T-asked"' in body and "Waiting on the member" in body

    colleague = widget(client_for(dash_app, world.extra["colleague"]), "waiting-on-me")
    assert set(re.findall(r">(T-\w+)<", colleague)) == {"T-named", "T-secret"}
    # The manager answers for the organization's standard requests, not the restricted ones.
    manager = widget(client_for(dash_app, world.manager_a), "waiting-on-me")
    assert set(re.findall(r">(T-\w+)<", manager)) == {"T-asked", "T-delivered", "T-named"}
    assert "Nothing is waiting on you." in widget(client_for(dash_app, world.member_b), "waiting-on-me")


# -- expert widgets -------------------------------------------------------------------------


def test_my_queue(dash_app, world, client_for):
    expert = client_for(dash_app, world.expert)
    assert "No open request is assigned to you." in widget(expert, "my-queue")
    now = utcnow()
    make_request(dash_app, world, "newer", state="in_progress", assignees=[world.expert],
                 due=now + timedelta(days=2), created=now - timedelta(days=1))
    make_request(dash_app, world, "older", state="accepted", assignees=[world.expert],
                 created=now - timedelta(days=5))
    make_request(dash_app, world, "finished", state="closed", assignees=[world.expert])
    make_request(dash_app, world, "theirs", state="in_progress", assignees=[world.extra["expert2"]])
    make_request(dash_app, world, "nobody")

    body = widget(expert, "my-queue")
    assert re.findall(r">(T-\w+)<", body) == ["T-older", "T-newer"]  # oldest first
    assert "due " in body and "Coopérative A" in body
    assert 'href="/requests/?assignee=me&amp;open=1&amp;sort=created"' in body


def test_unassigned_in_my_fields(dash_app, world, client_for):
    expert2 = client_for(dash_app, world.extra["expert2"])
    assert "Every open request of your fields has an expert." in widget(expert2, "unassigned")
    now = utcnow()
    make_request(dash_app, world, "waiting", created=now - timedelta(hours=2))
    make_request(dash_app, world, "first", created=now - timedelta(days=3), restricted=True)
    make_request(dash_app, world, "taken", assignees=[world.expert])
    make_request(dash_app, world, "cancelled", state="cancelled")
    make_request(dash_app, world, "elsewhere", field="other")

    assert re.findall(r">(T-\w+)<", widget(expert2, "unassigned")) == ["T-first", "T-waiting"]
    # The expert of both fields also sees the other field's.
    both = widget(client_for(dash_app, world.expert), "unassigned")
    assert set(re.findall(r">(T-\w+)<", both)) == {"T-first", "T-waiting", "T-elsewhere"}


def test_overdue(dash_app, world, client_for):
    expert = client_for(dash_app, world.expert)
    assert "No open request is past its due time." in widget(expert, "overdue")
    now = utcnow()
    make_request(dash_app, world, "late", state="in_progress", due=now - timedelta(days=1),
                 assignees=[world.extra["expert2"]])
    make_request(dash_app, world, "later", due=now - timedelta(hours=1))
    make_request(dash_app, world, "early", due=now + timedelta(days=1))
    make_request(dash_app, world, "closedlate", state="closed", due=now - timedelta(days=3))

    body = widget(expert, "overdue")
    assert re.findall(r">(T-\w+)<", body) == ["T-late", "T-later"]  # most overdue first
    assert "Eva Expert" in body and "Nobody assigned" in body and 'class="overdue"' in body
    # expert2 sees only what is visible to them: the same here (both in "sample").
    assert re.findall(r">(T-\w+)<", widget(client_for(dash_app, world.extra["expert2"]), "overdue")) == ["T-late", "T-later"]


def test_expert_lists_are_limited_and_counted(dash_app, world, client_for):
    for i in range(12):
        make_request(dash_app, world, f"r{i:02d}")
    body = widget(client_for(dash_app, world.expert), "unassigned")
    assert len(re.findall(r">(T-\w+)<", body)) == 10
    assert "10 of 12 requests shown." in body


def test_widget_queries_are_bounded(dash_app, world, client_for):
    """The number of SQL queries does not grow with the number of requests: the same with each
    widget full (its total counted) over 10 requests of each kind as over 30."""
    expert = client_for(dash_app, world.expert)
    names = ("my-queue", "unassigned", "overdue")

    def queries(name):
        return count_queries(dash_app, lambda: widget(expert, name))

    now = utcnow()

    def add(start, count):
        for i in range(start, start + count):
            elsewhere = {"org": world.org_b, "requester": world.member_b} if i % 2 else {}
            make_request(dash_app, world, f"b{i}", due=now - timedelta(days=1),
                         assignees=[world.expert, world.extra["expert2"]], **elsewhere)
            make_request(dash_app, world, f"u{i}", due=now - timedelta(days=1), **elsewhere)
            make_request(dash_app, world, f"c{i}", state="closed", assignees=[world.expert])

    add(0, 10)
    few = {name: queries(name) for name in names}
    add(10, 20)
    many = {name: queries(name) for name in names}
    assert many == few


# -- admin widget ---------------------------------------------------------------------------


def test_volume_this_month(dash_app, world, client_for):
    admin = client_for(dash_app, world.admin)
    assert "No request filed this month yet." in widget(admin, "volume")
    make_request(dash_app, world, "s1")
    make_request(dash_app, world, "s2", org=world.org_b, requester=world.member_b)
    make_request(dash_app, world, "s3", state="cancelled")
    make_request(dash_app, world, "o1", field="other", state="in_progress")
    make_request(dash_app, world, "old", created=utcnow() - timedelta(days=40))

    body = widget(admin, "volume")
    rows = [[c.strip() for c in re.findall(r"<t[hd][^>]*>(?:<strong>)?([^<]*)", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    # Both test fields are labelled "Sample field": "sample" comes first (field order).
    assert rows == [
        ["Field", "Submitted", "In progress", "Cancelled", "Total"],
        ["Sample field", "2", "0", "1", "3"],
        ["Sample field", "0", "1", "0", "1"],
        ["Total", "2", "1", "1", "4"],
    ]
