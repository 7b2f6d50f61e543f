"""The desk's changes at the same moment, with real threads against a served app (SQLite, and
PostgreSQL with EXTRANET_TEST_POSTGRES_URL): no 5xx, a loser is told it lost, nothing half done."""

from __future__ import annotations

import pytest

from tests.sample_plugin import SamplePlugin
from tests.test_request_concurrency import Person, run_at_once
from tests.test_requests import add_person, file_request, load


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin(), MAIL_DELIVERY="worker")


def test_crossed_merges_tags_and_corrections_at_once(app, client_for, people, live_server):
    member = client_for(app, people.member_a)
    first, second = file_request(member, title="Un"), file_request(member, title="Deux")
    base = live_server(app)
    experts = [people.expert] + [add_person(app, f"expert_{i}", fields=("sample",)) for i in range(3)]
    browsers = [Person(base, who) for who in experts]
    versions = {ref: str(load(app, ref)["version"]) for ref in (first, second)}
    answers = [None] * 4

    def work(i):
        browser = browsers[i]
        if i == 0:  # first into second, while…
            answers[i] = browser.post(f"/requests/{first}/merge", {"into": second, "version": versions[first]})
        elif i == 1:  # …second into first
            answers[i] = browser.post(f"/requests/{second}/merge", {"into": first, "version": versions[second]})
        elif i == 2:
            answers[i] = browser.post(f"/requests/{second}/schedule", {
                "priority": "urgent", "due_date": "2027-02-01", "reason": "Appel", "version": versions[second]})
        else:
            answers[i] = browser.post(f"/requests/{second}/tags", {"tags": "paie, commun"})

    run_at_once(work, 4)
    statuses = [status for status, _html in answers]
    assert all(status < 500 for status in statuses), statuses
    merges = statuses[:2]
    assert merges.count(303) <= 1 and all(s in (303, 409, 422) for s in merges), merges
    states = [load(app, ref)["state"] for ref in (first, second)]
    assert len([s for s in states if s == "closed"]) == merges.count(303)  # never both closed
    # Tags are appends, never refused for a race; but when the merge of the second request into
    # the first came first, the second is closed, and a closed request takes no tags (404).
    assert statuses[3] == 303 or (statuses[3] == 404 and states[1] == "closed"), statuses
    for status, html in answers[:3]:
        if status == 409:
            assert "Someone else changed this request" in html
