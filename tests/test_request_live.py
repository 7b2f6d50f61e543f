"""Live request pages: the poll answers "nothing new" (204) after one query on the history, and
the new entries when there are some, within what the reader may see; and the request page for
the one who works on it (plain-sentence confirmations, the member's own buttons, the time panel's
summary)."""

from __future__ import annotations

import re

import pytest

from extranet.extensions import db
from extranet.testing import statements_sent
from tests.sample_plugin import SamplePlugin
from tests.test_requests import _token, act, file_request, in_english, page, send

HX = {"HX-Request": "true"}


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def cursor_of(html: str) -> str:
    """The poller's address on a page (or in a poll's answer), as htmx would ask it."""
    return re.search(r'id="request-live"[^>]*hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def history_queries(app, call) -> tuple[list[str], object]:
    """The statements ``call()`` sends that read a request's history (events or messages)."""
    return statements_sent(app, call, lambda statement: "request_events" in statement or "messages" in statement)


def test_a_poll_answers_nothing_new_after_one_query_and_then_the_new_entries(app, client_for, people):
    in_english(app, people)
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member, title="Live")
    poll = cursor_of(page(member, reference))

    statements, quiet = history_queries(app, lambda: member.get(poll, headers=HX))
    assert quiet.status_code == 204 and quiet.get_data() == b""
    assert len(statements) == 1  # max(event id) and max(message id), in one statement

    assert send(expert, reference, "The answer to your question").status_code == 303
    assert act(expert, reference, "accept").status_code == 303
    changed = member.get(poll, headers=HX)
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200
    assert "The answer to your question" in html and 'hx-swap-oob="beforeend:#timeline"' in html
    assert 'id="request-state"' in html and "Accepted" in html
    assert 'id="live-notice"' in html  # the state moved: the page's actions are out of date
    assert "request-changed" in changed.headers["HX-Trigger"]
    # The new cursor: asked again, nothing new.
    assert member.get(cursor_of(html), headers=HX).status_code == 204


def test_a_finished_request_s_page_stops_asking(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    poll = cursor_of(page(member, reference))
    assert act(member, reference, "cancel").status_code == 303
    answer = member.get(poll, headers=HX).get_data(as_text=True)
    assert '<div id="request-live" hidden></div>' in answer  # swapped in: the polling ends
    assert 'id="request-live" data-live' not in page(member, reference)


def both_reading(app, client_for, people):
    """A member's request open in the member's browser and in the expert's: their clients,
    the reference and each page's poll."""
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member)
    return member, expert, reference, cursor_of(page(member, reference)), cursor_of(page(expert, reference))


def test_a_member_is_never_sent_an_internal_note_nor_told_one_was_written(app, client_for, people):
    member, expert, reference, member_poll, expert_poll = both_reading(app, client_for, people)
    assert send(expert, reference, "Secret between experts", internal="y").status_code == 303
    assert member.get(member_poll, headers=HX).status_code == 204
    seen_by_expert = expert.get(expert_poll, headers=HX).get_data(as_text=True)
    assert "Secret between experts" in seen_by_expert and "timeline__message--internal" in seen_by_expert

    assert send(expert, reference, "For everyone").status_code == 303
    html = member.get(member_poll, headers=HX).get_data(as_text=True)
    assert "For everyone" in html and "Secret between experts" not in html


def test_a_member_is_not_told_of_the_staff_s_tags(app, client_for, people):
    member, expert, reference, member_poll, expert_poll = both_reading(app, client_for, people)
    tagged = expert.post(f"/requests/{reference}/tags", data={"csrf_token": _token(expert), "tags": "urgent-budget"})
    assert tagged.status_code in (200, 303)
    assert member.get(member_poll, headers=HX).status_code == 204
    assert "urgent-budget" in expert.get(expert_poll, headers=HX).get_data(as_text=True)


def test_another_organization_gets_404_whatever_the_cursor(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    poll = cursor_of(page(member, reference))
    stranger = client_for(app, people.member_b)
    assert stranger.get(poll, headers=HX).status_code == 404
    assert stranger.get(f"/requests/{reference}/live?events=999999&messages=999999", headers=HX).status_code == 404
    assert stranger.get("/requests/NONE-2026-0001/live", headers=HX).status_code == 404


def test_state_changes_are_confirmed_in_a_sentence_and_the_member_s_buttons_stay_theirs(app, client_for, people):
    in_english(app, people)
    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member)
    act(expert, reference, "accept")
    expert.post(f"/requests/{reference}/take", data={"csrf_token": _token(expert)})
    act(expert, reference, "start")
    act(expert, reference, "ask_member", comment="Which year?")

    as_member = page(member, reference)
    as_expert = page(expert, reference)
    assert re.search(r'data-transition="member_replied">I have answered<', as_member)
    assert "I have answered" not in as_expert
    assert re.search(r'data-transition="member_replied">The member has answered<', as_expert)

    act(member, reference, "member_replied")
    assert f"Request {reference} is back with the experts." in page(member, reference)
    act(expert, reference, "deliver", comment="Here it is")
    shown = page(expert, reference)
    assert f"Request {reference} is delivered." in shown and "— done" not in shown

    admin = client_for(app, people.admin)
    removed = admin.post(f"/requests/{reference}/assign",
                         data={"csrf_token": _token(admin), "expert": people.expert.id, "remove": "1"})
    assert removed.status_code == 303
    assert f"{people.expert.name} no longer works on request {reference}." in page(admin, reference)


def test_every_transition_of_every_workflow_has_its_sentence(app):
    from extranet.plugins import host
    from extranet.requests.presenters import transition_done

    class Req:
        reference = "TI-2026-0017"

    with app.test_request_context():
        for workflow in host().workflows.values():
            for transition in workflow.transitions:
                sentence = transition_done(Req, transition, workflow)
                assert "TI-2026-0017" in sentence and "%(" not in sentence, (workflow.slug, transition.slug)


def test_the_request_page_shows_the_last_time_entries_and_links_to_all(app, client_for, people):
    from datetime import date

    from extranet.hours.models import TimeEntry
    from extranet.requests.models import ServiceRequest

    member = client_for(app, people.member_a)
    expert = client_for(app, people.expert)
    reference = file_request(member)
    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).where(ServiceRequest.reference == reference))
        db.session.add_all(TimeEntry(request_id=req.id, expert_id=people.expert.id, date=date(2026, 3, day), minutes=30,
                                     activity="analysis", billable=True, note=f"note {day}") for day in range(1, 12))
        db.session.commit()
    detail = f"http://localhost/requests/{reference}"
    panel = expert.get(f"/hours/requests/{reference}", headers={**HX, "HX-Current-URL": detail}).get_data(as_text=True)
    assert panel.count('id="time-entry-') == 5 and f'href="/hours/requests/{reference}"' in panel
    assert "5:30" in panel  # the total counts every entry
    full = expert.get(f"/hours/requests/{reference}").get_data(as_text=True)
    assert full.count('id="time-entry-') == 11 and "note 1" in full
