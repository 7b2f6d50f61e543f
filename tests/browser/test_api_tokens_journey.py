"""Issue 13 §2: a member makes an API token on her profile, copies it from the page that shows
it once, calls the API with it, then revokes it after a confirmation, and the API refuses it;
the API's readable description is a page like the others."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.sample_plugin import SamplePlugin


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def _me(base_url: str, token: str) -> int:
    # The test's own live server, over http.
    call = urllib.request.Request(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(call) as answer:  # noqa: S310
            assert json.load(answer)["email"] == "member.a@test.org"
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_member_makes_uses_and_revokes_a_token(app_journey, app, people):
    member = app_journey.open_as(people.member_a)
    app_journey.check(member, "dashboard")
    member.goto(f"{app_journey.base_url}/profile")
    app_journey.check(member, "profile")
    member.get_by_role("link", name="API tokens (for programs that use the extranet as you)").click()
    expect(member.locator("h1")).to_have_text("API tokens")
    app_journey.check(member, "no token yet")
    member.get_by_label("Name").fill("Export comptable")
    member.get_by_label("Requests: read", exact=True).check()
    member.get_by_label("Expires after").select_option("30")
    member.get_by_role("button", name="Make the token").click()
    secret = member.locator("#token-secret").inner_text()
    assert secret.startswith("cxt_")
    expect(member.locator("#tokens")).to_contain_text("Export comptable")
    expect(member.locator("#tokens")).to_contain_text("Never used")
    app_journey.check(member, "the token shown once")

    assert _me(app_journey.base_url, secret) == 200
    member.goto(f"{app_journey.base_url}/profile/api-tokens/")
    expect(member.locator("#token-secret")).to_have_count(0)
    expect(member.locator("#tokens")).not_to_contain_text("Never used")
    member.get_by_role("link", name="Revoke Export comptable").click()
    app_journey.check(member, "confirm the revocation")
    member.get_by_role("button", name="Revoke the token").click()
    expect(member.locator("body")).to_contain_text("is revoked")
    assert _me(app_journey.base_url, secret) == 401

    member.get_by_role("link", name="The API's documentation").click()
    expect(member.locator("h1")).to_contain_text("Coop Extranet API")
    app_journey.check(member, "the API's documentation")
