"""What the optimistic lock of a request guards, and what a conflict gives back.

The version guards what two people can overwrite: the state, the assignment. Messages, internal
notes, time, contacts append: a form loaded before them is still current. A real conflict
answers 409 with the request as it is now and what the person typed; after a post the browser
never stays on the post's address.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_requests import (
    _token,
    act,
    add_person,
    file_request,
    load,
    page,
    send,
    version_on,
)


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def state_badge(html):
    return re.search(r'id="request-state">([^<]*)<', html).group(1)


def typed_in(html, name):
    """The text of the textarea ``name`` (what the form gives back)."""
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*(.*?)</textarea>', html, re.S)
    return match and unescape(match.group(1))


def filed_for_two_staff(app, client_for, people):
    """A request the member filed, and the browsers of the expert and the admin who act on it."""
    reference = file_request(client_for(app, people.member_a))
    return reference, client_for(app, people.expert), client_for(app, people.admin)


def waiting_on_member(app, client_for, people):
    """A request the expert took and asked the member about; the member's and expert's clients."""
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member)
    assert act(expert, reference, "accept").status_code == 303
    assert expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)}).status_code == 303
    assert act(expert, reference, "start").status_code == 303
    assert act(expert, reference, "ask_member", comment="Which year?").status_code == 303
    return member, expert, reference


@pytest.mark.parametrize("htmx", [True, False], ids=["in place", "without javascript"])
def test_member_replies_then_marks_answered(app, client_for, people, htmx):
    member, _expert, reference = waiting_on_member(app, client_for, people)
    version = version_on(page(member, reference), "member_replied")
    sent = send(member, reference, "Here is the 2025 report.", htmx=htmx)
    assert sent.status_code == (200 if htmx else 303)
    if htmx:
        # The fragment swapped in place leaves the page's action forms as they were: still current.
        assert 'name="member_replied-version"' not in sent.get_data(as_text=True)
    response = act(member, reference, "member_replied", version=version, comment="See my message")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    row = load(app, reference)
    assert row["state"] == "in_progress"
    assert row["events"][-1] == ("transition", "member_replied", "in_progress", "See my message")
    assert row["messages"] == [("Here is the 2025 report.", False)]


def test_expert_writes_a_note_then_accepts(app, client_for, people):
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member)
    version = version_on(page(expert, reference), "accept")
    assert send(expert, reference, "Check the 2024 file first.", htmx=True, internal="y").status_code == 200
    response = act(expert, reference, "accept", version=version, comment="On it")
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert load(app, reference)["state"] == "accepted"


def test_contacts_and_time_do_not_make_the_page_out_of_date(app, client_for, people):
    member, expert, reference = waiting_on_member(app, client_for, people)
    colleague = add_person(app, "colleague_a", org=people.org_a)
    version = version_on(page(member, reference), "member_replied")
    expert_version = version_on(page(expert, reference), "member_replied")
    saved = member.post(f"/requests/{reference}/contacts",
                        data={"contact": str(colleague.id), "csrf_token": _token(member)})
    assert saved.status_code == 303
    logged = expert.post(f"/hours/requests/{reference}/time", data={
        "date": date.today().isoformat(), "duration": "1:30", "activity": "meeting", "billable": "y",
        "csrf_token": csrf_token(expert, "/")})
    assert logged.status_code == 303, logged.get_data(as_text=True)[:2000]
    assert load(app, reference)["version"] == int(version)
    assert act(member, reference, "member_replied", version=version).status_code == 303
    # The expert's page now is out of date: the state changed under it.
    assert act(expert, reference, "member_replied", version=expert_version).status_code == 409


def test_a_real_conflict_shows_the_request_now_and_gives_back_the_comment(app, client_for, people):
    reference, expert, admin = filed_for_two_staff(app, client_for, people)
    version = version_on(page(expert, reference), "accept")
    assert version_on(page(admin, reference), "decline") == version

    assert act(expert, reference, "accept", version=version).status_code == 303
    typed = "Duplicate of an older request,\nsee the other one."
    response = act(admin, reference, "decline", version=version, comment=typed)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this request" in html
    assert state_badge(html) == "Accepted"
    # Declining is still possible: its form is open, with the comment typed and the current version.
    assert re.search(r'<details class="transition" open>\s*<summary[^>]*data-transition="decline"', html)
    assert typed_in(html, "decline-comment").replace("\r\n", "\n") == typed
    current = load(app, reference)["version"]
    assert version_on(html, "decline") == str(current)
    # The page says where it belongs, so that the browser shows (and reloads) the request's address.
    assert f'data-replace-url="/requests/{reference}"' in html
    # Sent again as is (a reload without JavaScript), it is refused again and changes nothing.
    assert act(admin, reference, "decline", version=version, comment=typed).status_code == 409
    assert load(app, reference)["state"] == "accepted" and load(app, reference)["version"] == current
    # Confirmed from the page given back, it is done.
    assert act(admin, reference, "decline", version=str(current), comment=typed).status_code == 303
    assert load(app, reference)["state"] == "declined"


def test_a_conflict_on_a_step_no_longer_possible_keeps_the_comment_in_the_message_box(app, client_for, people):
    reference, expert, admin = filed_for_two_staff(app, client_for, people)
    version = version_on(page(admin, reference), "accept")
    assert act(expert, reference, "accept", version=version).status_code == 303
    response = act(admin, reference, "accept", version=version, comment="I'll take this one")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert state_badge(html) == "Accepted" and 'data-transition="accept"' not in html
    assert typed_in(html, "body") == "I'll take this one"
    assert load(app, reference)["messages"] == []


def test_assignment_changes_the_version(app, client_for, people):
    """Assignment is guarded (two takes at once: tests/test_request_concurrency.py)."""
    other = add_person(app, "second_expert", fields=("sample",))
    member = client_for(app, people.member_a)
    reference = file_request(member)
    first, second = client_for(app, people.expert), client_for(app, other)
    assert first.post(f"/requests/{reference}/take", data={"csrf_token": _token(first)}).status_code == 303
    version = load(app, reference)["version"]
    assert second.post(f"/requests/{reference}/take", data={"csrf_token": _token(second)}).status_code == 303
    assert load(app, reference)["version"] == version + 1
    assert sorted(load(app, reference)["assignees"]) == sorted([people.expert.id, other.id])


def test_every_post_redirects_or_answers_in_place(app, client_for, people):
    member, expert, reference = waiting_on_member(app, client_for, people)
    detail = f"/requests/{reference}"
    assert act(member, reference, "member_replied").location.endswith(detail)
    assert send(member, reference, "Merci").location.endswith(detail + "#conversation")
    colleague = add_person(app, "colleague_a", org=people.org_a)
    saved = member.post(f"{detail}/contacts", data={"contact": str(colleague.id), "csrf_token": _token(member)})
    assert saved.status_code == 303 and saved.location.endswith(detail)
    admin = client_for(app, people.admin)
    removed = admin.post(f"{detail}/assign", data={"expert": people.expert.id, "remove": "1", "csrf_token": _token(admin)})
    assert removed.status_code == 303 and removed.location.endswith(detail)
    taken = expert.post(f"{detail}/take", data={"csrf_token": _token(expert)})
    assert taken.status_code == 303 and taken.location.endswith(detail)
    # A refused form is shown with its errors, on a page that gives the request's address.
    refused = act(expert, reference, "ask_member", comment="")
    assert refused.status_code == 422 and f'data-replace-url="{detail}"' in refused.get_data(as_text=True)
    empty = send(member, reference, "")
    assert empty.status_code == 422 and f'data-replace-url="{detail}"' in empty.get_data(as_text=True)
    # In place (HTMX), a success asks the browser to go to the request's page.
    hx = act_hx(expert, reference, "ask_member", comment="Again?")
    assert hx.status_code == 204 and hx.headers["HX-Redirect"].endswith(detail)


def act_hx(client, reference, slug, **data):
    form = {"csrf_token": _token(client), **{f"{slug}-{k}": v for k, v in data.items()}}
    return client.post(f"/requests/{reference}/transition/{slug}", data=form, headers={"HX-Request": "true"})
