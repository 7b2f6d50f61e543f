"""Issue "Expertise fields as plugins": an HR request from submission to closing, in two browsers,
in English; every page checked like the other journeys'."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import send_message, transition


@pytest.fixture
def hr_app(app):
    from extranet.plugins import host

    with app.app_context():
        assert "hr" in host().fields, "the HR plugin is installed by `make test`"
    return app


def test_hr_request_from_submission_to_closing(hr_app, live_server, people, journey):
    trip = journey(live_server(hr_app))
    member = trip.open_as(people.member_a, locale="en-CA")
    trip.check(member, "member's dashboard")
    member.click(".main-nav >> text=Requests")
    trip.check(member, "requests")
    member.click("text=New request")
    trip.check(member, "new request")
    member.click("a.tile >> text=Human resources")
    trip.check(member, "human resources")
    member.click("a.tile >> text=Policy review")
    trip.check(member, "policy review form")
    member.fill("input[name=title]", "Politique de télétravail")
    member.fill("input[name=policy_name]", "Télétravail")
    member.fill("textarea[name=goals]", "Clarifier les jours de présence au bureau.")
    member.click("main form button[type=submit]")
    expect(member.locator("#request-state")).to_have_text("Submitted")
    reference = re.search(r"/requests/(RH-\d{4}-\d{4})$", member.url).group(1)
    expect(member.locator("#request-visibility")).to_contain_text("Restricted")  # HR's default
    trip.check(member, "submitted")

    expert = trip.open_as(people.expert, locale="en-CA")
    expert.goto(f"{trip.base_url}/requests/{reference}")
    expert.click("#take-request")
    expect(expert.locator("#request-assignees")).to_contain_text(people.expert.name)
    transition(expert, "accept")
    transition(expert, "start")
    expect(expert.locator("#request-state")).to_have_text("In progress")
    send_message(expert, "Bonjour, pouvez-vous m'envoyer la politique actuelle?")

    member.goto(f"{trip.base_url}/requests/{reference}")
    expect(member.locator("#conversation")).to_contain_text("pouvez-vous m'envoyer")
    send_message(member, "Voici le texte actuel, merci!")

    expert.reload()
    expect(expert.locator("#conversation")).to_contain_text("Voici le texte actuel")
    transition(expert, "deliver")
    expect(expert.locator("#request-state")).to_have_text("Delivered")

    member.reload()
    transition(member, "close")
    expect(member.locator("#request-state")).to_have_text("Closed")
    expect(member.locator("summary[data-transition]")).to_have_count(0)
    trip.check(member, "closed")
