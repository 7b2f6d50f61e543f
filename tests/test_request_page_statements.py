"""The request page sends at most ``MAX_STATEMENTS`` SQL statements whatever its history's
length (issue 15 §2): it shows the newest entries, and older ones come a page at a time through
a "show older" link (``/requests/<ref>/history``), with HTMX or without."""

from __future__ import annotations

import re

import pytest

from extranet.testing import count_queries
from tests.test_requests import file_request, in_english, send

MAX_STATEMENTS = 10
ENTRY_RE = re.compile(r'id="(message|event)-(\d+)"')
OLDER_RE = re.compile(r'<li class="timeline__older"><a href="([^"]+)"')


@pytest.fixture
def app(register_plugin):
    from tests.sample_plugin import SamplePlugin

    return register_plugin(SamplePlugin())


def grow(client, reference, count, prefix="m"):
    for n in range(count):
        assert send(client, reference, f"{prefix}{n}").status_code in (200, 303)


def statements(app, client, reference):
    def call():
        assert client.get(f"/requests/{reference}").status_code == 200
    return count_queries(app, call)


def test_the_request_page_sends_as_many_statements_with_a_long_history(app, client_for, people, monkeypatch):
    from extranet.requests import history

    monkeypatch.setattr(history, "PAGE", 5)
    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    short = file_request(member)
    long = file_request(member, title="Une longue histoire")
    grow(member, short, 1)
    grow(member, long, 8)
    grow(expert, long, 8, prefix="e")
    assert send(expert, long, "note", internal="y").status_code in (200, 303)
    for client in (member, expert):
        counts = statements(app, client, short), statements(app, client, long)
        assert counts[0] == counts[1] <= MAX_STATEMENTS, counts


def entries(html):
    return ENTRY_RE.findall(html)


def whole_history(client, reference, htmx):
    """Every entry, following the "show older" links from the page (newest first by page)."""
    html = client.get(f"/requests/{reference}").get_data(as_text=True)
    found = entries(html.split('id="timeline"', 1)[1].split("</ol>", 1)[0])
    pages = 1
    while (older := OLDER_RE.search(html)) is not None:
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(older.group(1).replace("&amp;", "&"), headers=headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert ("<html" not in html) == htmx
        found = entries(html) + found
        pages += 1
    return found, pages


@pytest.mark.parametrize("htmx", [True, False])
def test_older_entries_page_in_with_or_without_javascript(app, client_for, people, monkeypatch, htmx):
    from extranet.accounts.models import User
    from extranet.extensions import db
    from extranet.requests import history
    from extranet.requests.models import ServiceRequest

    in_english(app, people)
    monkeypatch.setattr(history, "PAGE", 4)
    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    reference = file_request(member)
    grow(member, reference, 5)
    assert send(expert, reference, "secret", internal="y").status_code in (200, 303)
    grow(expert, reference, 4, prefix="e")
    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        everything = [(kind, str(item.id)) for kind, _at, item in history.history(req, db.session.get(User, people.admin.id))]
        internal = {str(m.id) for m in req.messages if m.internal}

    as_expert, pages = whole_history(expert, reference, htmx)
    assert as_expert == everything and pages == 3  # 11 entries, 4 a page
    as_member, _pages = whole_history(member, reference, htmx)
    assert as_member == [e for e in everything if e[1] not in internal or e[0] != "message"]
    if not htmx:
        html = member.get(OLDER_RE.search(member.get(f"/requests/{reference}").get_data(as_text=True))
                          .group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert "Older history of" in html and "Back to the request" in html


def test_a_position_from_elsewhere_leads_back_to_the_request(app, client_for, people):
    member = client_for(app, people.member_a)
    mine, other = file_request(member), file_request(member, title="Autre")
    grow(member, other, 1)
    for before in ("message-1", "event-99999", "nonsense", "message-99999999999999999999"):
        response = member.get(f"/requests/{mine}/history?before={before}")
        assert response.status_code == 302 and response.location.endswith(f"/requests/{mine}#conversation")
    assert member.get(f"/requests/{mine}/history?before=event-1").status_code in (200, 302)


def test_the_history_page_is_the_request_s_readers_only(app, client_for, people):
    reference = file_request(client_for(app, people.member_a))
    outsider = client_for(app, people.member_b)
    assert outsider.get(f"/requests/{reference}/history?before=event-1").status_code == 404
