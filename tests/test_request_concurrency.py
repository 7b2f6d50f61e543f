"""People acting on one request at the same moment, with real threads against a served app.

Each writer is a separate HTTP client with its own session and CSRF token, as a browser is. Run
on SQLite and, with EXTRANET_TEST_POSTGRES_URL, on PostgreSQL: nothing two people do at once
may answer a 5xx, no message is lost or stored twice, and a refused step is told as a conflict.
"""

from __future__ import annotations

import http.cookiejar
import random
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from extranet.testing import CSRF_RE
from tests.sample_plugin import SamplePlugin
from tests.test_requests import _token, act, add_person, file_request, load

CONFLICT = "Someone else changed this request"
# Steps that keep the request going round (in progress → waiting → in progress → delivered → …).
STEPS = ("ask_member", "member_replied", "deliver", "reopen")


@pytest.fixture
def app(register_plugin):
    # E-mail waits in the outbox for the worker, as in production: the writers measure the desk.
    return register_plugin(SamplePlugin(), MAIL_DELIVERY="worker")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 is an answer to look at, not to follow


class Person:
    """One person's browser: its own cookies (session) and CSRF token."""

    def __init__(self, base_url: str, who):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
        status, html = self.send("GET", "/login")
        assert status == 200
        status, _ = self.send("POST", "/login", {
            "email": who.email, "password": who.password, "csrf_token": CSRF_RE.search(html).group(1)})
        assert status == 303
        status, html = self.send("GET", "/requests/")
        self.token = CSRF_RE.search(html).group(1)

    def send(self, method: str, path: str, data: dict | None = None, htmx: bool = False) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        headers = {"Accept-Language": "en", **({"HX-Request": "true"} if htmx else {})}
        # Always the served app on 127.0.0.1 (http://), never a URL from elsewhere.
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx and 5xx
            return error.code, error.read().decode()

    def post(self, path: str, data: dict | None = None, htmx: bool = False) -> tuple[int, str]:
        return self.send("POST", path, {**(data or {}), "csrf_token": self.token}, htmx=htmx)


def offered_steps(html: str) -> dict[str, str]:
    """The steps the page offers among STEPS, with the version their form carries."""
    versions = dict(re.findall(r'name="([a-z_]+)-version"[^>]*value="(\d+)"', html))
    return {slug: versions[slug] for slug in STEPS if slug in versions}


def run_at_once(work, count: int) -> None:
    """``work(i)`` in ``count`` threads released together; re-raises the first failure."""
    start, failures = threading.Barrier(count), []

    def run(i):
        try:
            start.wait()
            work(i)
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "a writer is stuck"
    if failures:
        raise failures[0]


def in_progress(app, client_for, people, *assignees):
    """A request in progress, taken by the expert, with more ``assignees``."""
    member = client_for(app, people.member_a)
    reference = file_request(member)
    expert, admin = client_for(app, people.expert), client_for(app, people.admin)
    assert act(expert, reference, "accept").status_code == 303
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 303
    for person in assignees:
        data = {"expert": person.id, "csrf_token": _token(admin)}
        assert admin.post(f"/requests/{reference}/assign", data=data).status_code == 303
    assert act(expert, reference, "start").status_code == 303
    return reference


def indexed_messages(app, reference) -> int:
    """How many of the request's messages the search index finds by the word « message »."""
    from sqlalchemy import select

    from extranet.extensions import db
    from extranet.requests.models import Message, ServiceRequest
    from extranet.search.engines import MESSAGE, engine_for
    from extranet.search.query import parse

    with app.app_context():
        ids = select(Message.id).join(ServiceRequest).where(ServiceRequest.reference == reference)
        matches = engine_for(db.session.connection()).matches(parse("message "), MESSAGE)
        return len(db.session.scalars(select(matches.c.ref_id).where(matches.c.ref_id.in_(ids))).all())


def test_eight_writers_post_messages_and_move_the_request_at_once(app, client_for, people, live_server):
    experts = [add_person(app, f"expert_{n}", fields=("sample",)) for n in (2, 3)]
    admin2 = add_person(app, "second_admin", is_admin=True)
    colleague = add_person(app, "colleague_a", org=people.org_a)
    reference = in_progress(app, client_for, people, *experts)
    before = load(app, reference)
    base_url = live_server(app)
    writers = [Person(base_url, who) for who in (
        people.member_a, people.manager_a, colleague, people.expert, *experts, people.admin, admin2)]
    assert len(writers) == 8
    detail = f"/requests/{reference}"
    answers = {i: [] for i in range(len(writers))}  # (kind, status, detail)
    sent = []

    def write(i):
        person, chance = writers[i], random.Random(i)
        for j in range(20):
            if j % 2 == 0:
                body = f"message {i}-{j}"
                sent.append(body)
                status, _ = person.post(f"{detail}/messages", {"body": body}, htmx=j % 4 == 0)
                answers[i].append(("message", status, body))
                continue
            status, html = person.send("GET", detail)
            answers[i].append(("page", status, ""))
            steps = offered_steps(html)
            if not steps:  # nothing this person may do now: what they do instead is write
                body = f"message {i}-{j}"
                sent.append(body)
                status, _ = person.post(f"{detail}/messages", {"body": body})
                answers[i].append(("message", status, body))
                continue
            slug = chance.choice(sorted(steps))
            status, html = person.post(f"{detail}/transition/{slug}",
                                       {f"{slug}-version": steps[slug], f"{slug}-comment": f"step {i}-{j}"})
            answers[i].append(("step", status, CONFLICT in html))

    run_at_once(write, len(writers))

    everything = [a for person in answers.values() for a in person]
    assert [a for a in everything if a[1] >= 500] == []
    assert {(kind, status) for kind, status, _ in everything} <= {
        ("page", 200), ("message", 200), ("message", 303), ("step", 303), ("step", 409)}
    # A refused step is told as a conflict.
    assert all(told for kind, status, told in everything if (kind, status) == ("step", 409))
    row = load(app, reference)
    # Every message is stored once.
    stored = Counter(body for body, _ in row["messages"])
    assert stored == Counter(sent) and max(stored.values()) == 1
    # And each is found by the search index, written at its own commit.
    assert indexed_messages(app, reference) == len(sent)
    # Every accepted step is in the history once, in an unbroken chain, and bumped the version once.
    done = sum(1 for kind, status, _ in everything if (kind, status) == ("step", 303))
    steps = [e for e in row["events"][len(before["events"]):] if e[0] == "transition"]
    assert len(steps) == done and done > 0
    assert row["version"] == before["version"] + done
    state = before["state"]
    for _, slug, to_state, _ in steps:
        assert slug in STEPS
        state = to_state
    assert row["state"] == state
    refused = sum(1 for kind, status, _ in everything if (kind, status) == ("step", 409))
    print(f"\n{len(sent)} messages, {done} steps done, {refused} told as conflicts")


def test_taking_assigning_and_naming_contacts_at_once(app, client_for, people, live_server):
    experts = [add_person(app, f"expert_{n}", fields=("sample",)) for n in range(2, 6)]
    colleague = add_person(app, "colleague_a", org=people.org_a)
    member = client_for(app, people.member_a)
    reference = file_request(member)
    detail = f"/requests/{reference}"
    base_url = live_server(app)
    # Four experts take it, two of them twice (a double click, two tabs); an admin assigns the
    # first one too; the requester and a manager name the same colleague.
    cast = [*experts, experts[0], experts[1], people.admin, people.member_a, people.manager_a]
    persons = [Person(base_url, who) for who in cast]
    answers = [None] * len(persons)

    def act_now(i):
        who = cast[i]
        if who in experts:
            answers[i] = persons[i].post(f"{detail}/take")
        elif who is people.admin:
            answers[i] = persons[i].post(f"{detail}/assign", {"expert": experts[0].id})
        else:
            answers[i] = persons[i].post(f"{detail}/contacts", {"contact": colleague.id})

    run_at_once(act_now, len(persons))

    statuses = [status for status, _ in answers]
    assert [s for s in statuses if s >= 500] == []
    assert all(CONFLICT in html for status, html in answers if status == 409)
    # A take is done or told as a conflict; of one expert's two clicks, whichever comes second
    # may also find them assigned already (taking twice is not possible: 404, as in sequence).
    # The admin assigns the first expert, so both of that expert's clicks may come after it.
    assert all(s in (303, 409) for s in statuses[2:4] + statuses[6:]), statuses
    for first, second in ((0, 4), (1, 5)):
        pair = (statuses[first], statuses[second])
        assert set(pair) <= {303, 404, 409}, statuses
    assert (statuses[1], statuses[5]) != (404, 404), statuses
    if (statuses[0], statuses[4]) == (404, 404):
        assert statuses[6] == 303, statuses
    row = load(app, reference)
    # Whoever was told "done" is assigned, each expert once, each assignment in the history once.
    assert {cast[i].id for i in range(6) if statuses[i] == 303} <= set(row["assignees"])
    assert len(set(row["assignees"])) == len(row["assignees"]) >= 1
    assert len([e for e in row["events"] if e[0] == "assigned"]) == len(row["assignees"])
    assert row["contacts"] == [colleague.id] and statuses[7:] == [303, 303]
