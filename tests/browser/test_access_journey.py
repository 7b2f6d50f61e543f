"""Issue 14, Law 25: an expert opens a member's request, and the member then sees it on her page
of who accessed her information, reached from her profile; her account's history reads as
sentences."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.sample_plugin import SamplePlugin
from tests.test_requests import file_request


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def test_a_member_sees_that_an_expert_viewed_her_request(app_journey, app, client_for, people):
    reference = file_request(client_for(app, people.member_a), title="Mon dossier de paie")

    expert = app_journey.open_as(people.expert)
    app_journey.check(expert, "expert's dashboard")
    expert.goto(f"{app_journey.base_url}/requests/{reference}")
    expect(expert.locator("h1")).to_contain_text("Mon dossier de paie")
    app_journey.check(expert, "expert reads the request")

    member = app_journey.open_as(people.member_a)
    app_journey.check(member, "member's dashboard")
    member.goto(f"{app_journey.base_url}/profile")
    app_journey.check(member, "profile")
    member.get_by_role("link", name="Who accessed my information").click()
    expect(member.locator("h1")).to_have_text("Who accessed my information")
    row = member.locator("#access-entries tbody tr").first
    expect(row).to_contain_text("Émile Expert")
    expect(row).to_contain_text("Expert of the cooperative")
    expect(row).to_contain_text(f"Request {reference} · Mon dossier de paie")
    app_journey.check(member, "who accessed my information")

    member.goto(f"{app_journey.base_url}/profile")
    member.get_by_role("link", name="What was done to my account").click()
    expect(member.locator("#my-events")).to_contain_text("Member A signed in.")
    app_journey.check(member, "what was done to my account")
