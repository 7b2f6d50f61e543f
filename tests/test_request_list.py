"""The request list: filters, search, sorting, pagination, the HTMX fragment, empty states."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from extranet.db_types import utcnow
from tests.sample_plugin import SamplePlugin
from tests.test_requests import add_person

REF_RE = re.compile(r'<td><a href="/requests/([A-Z]+-\d{4}-\d{4})">')
TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def app(register_plugin):
    """Two fields, "sample" and "extra", both subscribed by A and B and served by the expert."""
    return register_plugin(SamplePlugin(), SamplePlugin("extra", order=60))


def seed(app, people, *rows):
    """Insert requests directly: each row is a dict of ServiceRequest columns, plus
    ``assignee`` (a Person) and ``ago`` (days before now, for created_at)."""
    from extranet.extensions import db
    from extranet.requests.models import RequestParticipant, ServiceRequest

    now = utcnow()
    with app.app_context():
        for row in rows:
            row = dict(row)
            assignee = row.pop("assignee", None)
            created = row.pop("created", None) or now - timedelta(days=row.pop("ago", 0))
            values = {
                "organization_id": people.org_a, "requester_id": people.member_a.id, "field": "sample",
                "type": "question", "state": "submitted", "title": row["reference"], "description": "",
                "data": {}, "created_at": created, "updated_at": created, "state_changed_at": created,
                **row,
            }
            req = ServiceRequest(**values)
            if assignee is not None:
                req.participants.append(RequestParticipant(user_id=assignee.id, role="assignee"))
            db.session.add(req)
        db.session.commit()


def refs(client, query="", htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"/requests/{query}", headers=headers)
    assert response.status_code == 200
    return REF_RE.findall(response.get_data(as_text=True))


@pytest.fixture
def five(app, people):
    """Five requests of organization A in two fields, seen by the expert of both."""
    expert2 = add_person(app, "expert2", fields=("sample", "extra"))
    now = utcnow()
    seed(
        app, people,
        {"reference": "SAMPLE-2026-0001", "title": "Alpha printer", "ago": 10, "due_at": now + timedelta(days=5),
         "updated_at": now - timedelta(hours=2)},
        {"reference": "SAMPLE-2026-0002", "type": "review", "state": "in_progress", "title": "Beta payroll",
         "ago": 8, "due_at": now + timedelta(days=1), "assignee": people.expert},
        {"reference": "EXTRA-2026-0001", "field": "extra", "state": "delivered", "title": "Gamma contract",
         "ago": 6, "assignee": expert2, "description": "A 100% urgent matter"},
        {"reference": "EXTRA-2026-0002", "field": "extra", "title": "Delta printer", "ago": 4,
         "due_at": now + timedelta(days=3), "updated_at": now - timedelta(hours=1)},
        {"reference": "SAMPLE-2026-0003", "state": "closed", "title": "Epsilon", "ago": 2},
    )
    return expert2


NEWEST_FIRST = ["SAMPLE-2026-0003", "EXTRA-2026-0002", "EXTRA-2026-0001", "SAMPLE-2026-0002", "SAMPLE-2026-0001"]


def test_filters(app, client_for, people, five):
    expert = client_for(app, people.expert)
    assert refs(expert) == NEWEST_FIRST

    def shown(query):
        return set(refs(expert, query))

    assert shown("?field=sample") == {"SAMPLE-2026-0001", "SAMPLE-2026-0002", "SAMPLE-2026-0003"}
    assert shown("?field=extra") == {"EXTRA-2026-0001", "EXTRA-2026-0002"}
    assert shown("?state=submitted") == {"SAMPLE-2026-0001", "EXTRA-2026-0002"}
    assert shown("?type=review") == {"SAMPLE-2026-0002"}
    assert shown("?assignee=me") == {"SAMPLE-2026-0002"}
    assert shown("?assignee=none") == {"SAMPLE-2026-0001", "EXTRA-2026-0002", "SAMPLE-2026-0003"}
    assert shown(f"?assignee={five.id}") == {"EXTRA-2026-0001"}
    assert shown("?open=1") == set(NEWEST_FIRST) - {"SAMPLE-2026-0003"}
    assert shown("?field=sample&state=submitted") == {"SAMPLE-2026-0001"}
    # Unknown or malformed values filter nothing out, or everything, but never fail.
    assert shown("?since=yesterday&until=&assignee=x") == set(NEWEST_FIRST)
    assert shown("?state=nowhere") == set()

    today = datetime.now(TORONTO).date()
    assert shown(f"?since={today - timedelta(days=7)}") == {"EXTRA-2026-0001", "EXTRA-2026-0002", "SAMPLE-2026-0003"}
    assert shown(f"?until={today - timedelta(days=5)}") == {"SAMPLE-2026-0001", "SAMPLE-2026-0002", "EXTRA-2026-0001"}
    assert shown(f"?since={today - timedelta(days=9)}&until={today - timedelta(days=5)}") == {
        "SAMPLE-2026-0002", "EXTRA-2026-0001"}


def test_search(app, client_for, people, five):
    expert = client_for(app, people.expert)
    assert refs(expert, "?q=printer") == ["EXTRA-2026-0002", "SAMPLE-2026-0001"]
    assert refs(expert, "?q=PRINTER") == ["EXTRA-2026-0002", "SAMPLE-2026-0001"]
    assert refs(expert, "?q=extra-2026-0002") == ["EXTRA-2026-0002"]
    assert refs(expert, "?q=urgent") == ["EXTRA-2026-0001"]  # the description
    # "%" and "_" are plain characters, not wildcards.
    assert refs(expert, "?q=100%25") == ["EXTRA-2026-0001"]
    assert refs(expert, "?q=%25") == ["EXTRA-2026-0001"]
    assert refs(expert, "?q=_") == []
    assert refs(expert, "?q=%20%20") == NEWEST_FIRST  # blank: no search


def test_days_are_the_cooperative_s_days(app, client_for, people):
    """since/until are calendar days in the cooperative's time zone, not the server's."""
    late = datetime(2026, 1, 15, 23, 30, tzinfo=TORONTO)  # 04:30 UTC on the 16th
    early = datetime(2026, 1, 16, 0, 30, tzinfo=TORONTO)
    seed(app, people, {"reference": "SAMPLE-2026-0101", "created": late.astimezone(UTC)},
         {"reference": "SAMPLE-2026-0102", "created": early.astimezone(UTC)})
    expert = client_for(app, people.expert)
    assert refs(expert, "?until=2026-01-15") == ["SAMPLE-2026-0101"]
    assert refs(expert, "?since=2026-01-16") == ["SAMPLE-2026-0102"]
    assert refs(expert, "?since=2026-01-15&until=2026-01-16") == ["SAMPLE-2026-0102", "SAMPLE-2026-0101"]
    # The date shown in the list is the local one too.
    html = expert.get("/requests/?until=2026-01-15").get_data(as_text=True)
    assert "Jan 15, 2026" in html


@pytest.mark.parametrize(("sort", "expected"), [
    ("-created", NEWEST_FIRST),
    ("created", NEWEST_FIRST[::-1]),
    ("-updated", ["EXTRA-2026-0002", "SAMPLE-2026-0001", "SAMPLE-2026-0003", "EXTRA-2026-0001", "SAMPLE-2026-0002"]),
    # Soonest due first; those without a due date last (on every database), newest first.
    ("due", ["SAMPLE-2026-0002", "EXTRA-2026-0002", "SAMPLE-2026-0001", "SAMPLE-2026-0003", "EXTRA-2026-0001"]),
    ("reference", ["EXTRA-2026-0001", "EXTRA-2026-0002", "SAMPLE-2026-0001", "SAMPLE-2026-0002", "SAMPLE-2026-0003"]),
    ("nonsense", NEWEST_FIRST),
])
def test_sorting(app, client_for, people, five, sort, expected):
    expert = client_for(app, people.expert)
    assert refs(expert, f"?sort={sort}") == expected
    page = expert.get(f"/requests/?sort={sort}").get_data(as_text=True)
    if sort != "nonsense":
        assert re.search(rf'<option value="{re.escape(sort)}" selected>', page)


def test_pagination_keeps_the_filters(app, client_for, people):
    now = utcnow()
    seed(app, people, *[
        {"reference": f"SAMPLE-2026-{n:04d}", "title": f"Bulk {n}", "created": now - timedelta(minutes=n)}
        for n in range(1, 31)
    ], {"reference": "SAMPLE-2026-0099", "title": "Other", "created": now})
    member = client_for(app, people.member_a)
    first = member.get("/requests/?q=Bulk")
    html = first.get_data(as_text=True)
    assert REF_RE.findall(html) == [f"SAMPLE-2026-{n:04d}" for n in range(1, 26)]
    assert "30 requests" in html and "Page 1 of 2" in html
    link = re.search(r'<a href="([^"]+)" rel="next" hx-get="([^"]+)" hx-target="#request-table"', html)
    assert link and link.group(1) == link.group(2)
    next_url = link.group(1).replace("&amp;", "&")
    assert "q=Bulk" in next_url and "page=2" in next_url
    second = member.get(next_url).get_data(as_text=True)
    assert REF_RE.findall(second) == [f"SAMPLE-2026-{n:04d}" for n in range(26, 31)]
    assert "Page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    fragment = member.get(next_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert REF_RE.findall(fragment) == REF_RE.findall(second)


def test_htmx_fragment_and_shareable_url(app, client_for, people, five):
    expert = client_for(app, people.expert)
    query = "?field=sample&sort=reference&q=sample&open=1"
    fragment = expert.get(f"/requests/{query}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True).strip()
    assert body.startswith('<div id="request-table"') and body.endswith("</div>")
    assert "<html" not in body and 'class="filters"' not in body
    # The same URL without HTMX (a shared link, a reload): the whole page, the same rows.
    full = expert.get(f"/requests/{query}")
    assert "HX-Request" in full.headers["Vary"]
    html = full.get_data(as_text=True)
    assert "<html" in html and 'class="filters"' in html
    assert REF_RE.findall(html) == REF_RE.findall(body) == ["SAMPLE-2026-0001", "SAMPLE-2026-0002"]
    # The filter form shows the state of the URL.
    assert re.search(r'name="field" value="sample" checked', html) and 'name="q" value="sample"' in html
    # Swapping replaces the table instead of nesting a second one inside it.
    assert re.search(r'<form class="filters"[^>]*hx-target="#request-table" hx-swap="outerHTML"', html)
    assert '<div id="request-table" class="table-wrap" hx-swap="outerHTML">' in body
    # A boosted request (a link followed by htmx) gets the whole page.
    boosted = expert.get(f"/requests/{query}", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)


def test_empty_states(app, client_for, people, five):
    member_b = client_for(app, people.member_b)
    for query in ("", "?sort=due", "?q=&field=&type=&state=&since=&until=&sort=-created", "?page=1"):
        html = member_b.get(f"/requests/{query}").get_data(as_text=True)
        assert "No request yet." in html and "No request matches" not in html, query
    for query in ("?q=zzz", "?state=closed", "?field=sample&sort=due"):
        html = member_b.get(f"/requests/{query}").get_data(as_text=True)
        assert "No request matches these filters." in html and "No request yet." not in html, query
    expert = client_for(app, people.expert)
    html = expert.get("/requests/?q=zzz", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "No request matches these filters." in html and "<table" not in html


def test_members_see_their_organization_only(app, client_for, people, five):
    seed(app, people, {"reference": "SAMPLE-2026-0200", "organization_id": people.org_b,
                       "requester_id": people.member_b.id, "title": "From B"})
    assert refs(client_for(app, people.member_a)) == NEWEST_FIRST
    assert refs(client_for(app, people.manager_b)) == ["SAMPLE-2026-0200"]
    # Staff lists span the organizations, with a column naming each.
    html = client_for(app, people.admin).get("/requests/?sort=reference").get_data(as_text=True)
    assert REF_RE.findall(html)[-1] == "SAMPLE-2026-0200" and "Coopérative B" in html
    # Members have no assignee filter; staff do.
    assert 'name="assignee"' not in client_for(app, people.member_a).get("/requests/").get_data(as_text=True)
    assert 'name="assignee"' in html


LIST_QUERIES = ("", "?page=2", "?field=sample&state=submitted", "?assignee=me&open=1",
                "?state=submitted&page=3",
                # The saved views every expert is offered, and a view by tag.
                "?assignee=me&overdue=1&sort=due", "?assignee=none&fields=mine&open=1&sort=due",
                "?tag=paie&open=1")


def test_list_queries_do_not_grow_with_the_requests(app, client_for, people):
    """The same statements for each list page with 5 requests as with 50, deep pages too (two
    requests a page, so that page 3 has rows with 5)."""
    from extranet.testing import count_queries

    app.config["PAGE_SIZE"] = 2

    def batch(start, count):
        return [{"reference": f"SAMPLE-2026-{n:04d}", "title": f"Bulk {n}", "ago": n,
                 "assignee": people.expert} for n in range(start, start + count)]

    readers = [client_for(app, person) for person in (people.member_a, people.expert, people.admin)]

    def counts():
        found = []
        for client in readers:
            for query in LIST_QUERIES:
                found.append(count_queries(app, lambda client=client, query=query: refs(client, query)))
        return found

    seed(app, people, *batch(1, 5))
    small = counts()
    seed(app, people, *batch(6, 45))
    assert counts() == small


def test_the_count_stops_at_a_bound(app, client_for, people, monkeypatch):
    """Past COUNT_CAP rows beyond the page, the list says "more than"; a page near the end
    counts exactly."""
    from extranet.web import pager

    monkeypatch.setattr(pager, "COUNT_CAP", 10)
    seed(app, people, *[{"reference": f"SAMPLE-2026-{n:04d}", "title": f"Bulk {n}", "ago": n}
                        for n in range(1, 51)])
    member = client_for(app, people.member_a)
    first = member.get("/requests/").get_data(as_text=True)
    assert "More than 35 requests" in first and "Page 1 of at least 2" in first
    assert 'rel="next"' in first
    second = member.get("/requests/?page=2").get_data(as_text=True)
    assert "50 requests" in second and "Page 2 of 2" in second
    assert REF_RE.findall(second) == [f"SAMPLE-2026-{n:04d}" for n in range(26, 51)]


NEXT_RE = re.compile(r'<a href="([^"]+)" rel="next"')
PREV_RE = re.compile(r'<a href="([^"]+)" rel="prev"')


def _follow(client, url, link_re):
    """The pages reached from ``url`` by one kind of link, each as (its URL, its references)."""
    pages = []
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages.append((url, REF_RE.findall(html)))
        found = link_re.search(html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return pages


@pytest.mark.parametrize("sort", ["", "created", "-updated", "reference", "due"])
def test_keyset_pages_are_the_offset_pages(app, client_for, people, sort):
    """The links go by the position of a page's last (or first) row: every page they reach, in
    either direction, has the rows its number has by offset, ties of the order included."""
    app.config["PAGE_SIZE"] = 3
    same = utcnow() - timedelta(days=3)
    seed(app, people, *[{"reference": f"SAMPLE-2026-{n:04d}", "title": f"Bulk {n}",
                         "assignee": people.expert if n % 3 else None,
                         **({"created": same, "updated_at": same} if n % 4 == 0 else {"ago": n})}
                        for n in range(1, 15)])
    query = f"?sort={sort}" if sort else ""
    for person in (people.member_a, people.expert):
        client = client_for(app, person)
        forward = _follow(client, f"/requests/{query}", NEXT_RE)
        assert len(forward) == 5 and sum(len(refs) for _url, refs in forward) == 14
        for number, (url, shown) in enumerate(forward, start=1):
            assert shown == refs(client, f"{query}{'&' if query else '?'}page={number}"), (number, url)
            if sort != "due" and number > 1:
                assert "after=" in url
        if sort != "due":  # the rows come from the position, whatever number the link shows
            assert refs(client, forward[1][0].replace("/requests/", "").replace("page=2", "page=3")) == forward[1][1]
        backward = _follow(client, forward[-1][0], PREV_RE)
        assert [shown for _url, shown in backward] == [shown for _url, shown in reversed(forward)]


def test_a_position_of_another_order_is_not_misread(app, client_for, people):
    app.config["PAGE_SIZE"] = 2
    seed(app, people, *[{"reference": f"SAMPLE-2026-{n:04d}", "title": f"Bulk {n}", "ago": n}
                        for n in range(1, 8)])
    client = client_for(app, people.member_a)
    by_offset = refs(client, "?sort=-updated&page=2")
    for after in ("c~2026-01-01T00:00:00+00:00~5", "u~nonsense~3", "u~2026-01-01T00:00:00+00:00~99999999999999999999",
                  "u~1~2~3"):
        assert refs(client, f"?sort=-updated&page=2&after={after}") == by_offset
