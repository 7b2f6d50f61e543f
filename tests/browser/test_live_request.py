"""Issue 11 §4, live pages, in Chromium: a member reading a request sees the expert's reply appear
without reloading, never the expert's internal note, and what they were typing stays, with a
badge saying the request changed under it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import never_reloaded, sees_without_reloading, send_message, transition
from tests.sample_plugin import SamplePlugin
from tests.test_requests import file_request


@pytest.fixture
def app(register_plugin):
    application = register_plugin(SamplePlugin())
    application.config["LIVE_POLL_SECONDS"] = 1  # the journey waits for the poll, not for a clock
    return application


def test_the_member_sees_the_expert_s_reply_appear_without_reloading(journey, live_server, app, client_for, people):
    journey = journey(live_server(app))
    reference = file_request(client_for(app, people.member_a), title="Une page vivante")
    detail = f"{journey.base_url}/requests/{reference}"

    member = journey.open_as(people.member_a)
    journey.check(member, "member's dashboard")
    member.goto(detail)
    journey.check(member, "member reads the request")
    member.fill("#conversation textarea[name=body]", "Je suis en train d'écrire…")
    loads = never_reloaded(member)

    expert = journey.open_as(people.expert)
    journey.check(expert, "expert's dashboard")
    expert.goto(detail)
    journey.check(expert, "expert reads the request")
    send_message(expert, "Une note entre experts seulement.", internal=True)
    send_message(expert, "Voici notre réponse, sans que vous rechargiez.")
    journey.check(expert, "expert replied")

    sees_without_reloading(member, loads, "Voici notre réponse, sans que vous rechargiez.", "Je suis en train d'écrire…")
    expect(member.locator("#timeline")).not_to_contain_text("Une note entre experts seulement.")
    journey.check(member, "the reply appeared")

    # A state change shows too, with a notice that the page's own actions are out of date.
    transition(expert, "accept")
    expect(member.locator("#request-state")).to_have_text("Accepted")
    expect(member.locator("#live-notice")).to_contain_text("changed since you opened the page")
    expect(member.locator("#conversation textarea[name=body]")).to_have_value("Je suis en train d'écrire…")
    assert loads == []
    journey.check(member, "the state changed")
