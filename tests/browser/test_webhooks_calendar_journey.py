"""Issue 13: an admin allows a host and subscribes an address to webhooks, copies its secret and
finds the subscription's delivery log; a member makes the address of her calendar feed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.sample_plugin import SamplePlugin


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def test_an_admin_subscribes_a_webhook_and_a_member_makes_her_calendar_address(app_journey, people):
    journey = app_journey
    admin = journey.open_as(people.admin)
    journey.check(admin, "admin's dashboard")
    admin.goto(f"{journey.base_url}/admin/")
    journey.check(admin, "administration")
    admin.get_by_role("link", name="Webhooks").click()
    expect(admin.locator("h1")).to_have_text("Webhooks")
    journey.check(admin, "webhooks, empty")
    admin.get_by_label("Host name").fill("hooks.example.org")
    admin.get_by_role("button", name="Allow this host").click()
    expect(admin.locator("#webhook-hosts")).to_contain_text("hooks.example.org")
    admin.get_by_label("Address (URL)").fill("https://hooks.example.org/extranet")
    admin.get_by_label("A request is filed").check()
    admin.get_by_label("A request changes state").check()
    admin.get_by_role("button", name="Subscribe", exact=True).click()
    expect(admin.locator("#webhook-secret")).to_contain_text("whsec_")
    journey.check(admin, "the secret, once")
    admin.get_by_role("link", name="I have copied it").click()
    expect(admin.locator("h1")).to_have_text("https://hooks.example.org/extranet")
    expect(admin.locator("body")).to_contain_text("Nothing has been sent to this address yet.")
    journey.check(admin, "the subscription and its log")

    member = journey.open_as(people.member_a)
    journey.check(member, "member's dashboard")
    member.goto(f"{journey.base_url}/profile")
    journey.check(member, "profile")
    member.get_by_role("link", name="My calendar feeds (due dates in my calendar application)").click()
    expect(member.locator("h1")).to_have_text("Calendar feeds")
    member.get_by_role("button", name="Make an address").click()
    expect(member.locator(".calendar-url")).to_contain_text("/calendar/")
    journey.check(member, "the calendar address, once")
