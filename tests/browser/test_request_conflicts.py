"""Issue "Everyday request journeys": reply then act, and two people acting at once, in Chromium.

Writing in the conversation does not make the page's steps out of date; two people taking
steps from one page: the second is told, sees the request as it is now, keeps what they typed,
and stays on the request's address (Reload does not post again)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import send_message, transition
from tests.sample_plugin import SamplePlugin
from tests.test_request_locking import waiting_on_member
from tests.test_requests import file_request, load


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def test_reply_then_act(app_journey, app, client_for, people):
    member_client = client_for(app, people.member_a)
    waiting = waiting_on_member(app, client_for, people)[2]
    fresh = file_request(member_client, title="Nouvelle question")

    member = app_journey.open_as(people.member_a)
    app_journey.check(member, "member's dashboard")
    member.goto(f"{app_journey.base_url}/requests/{waiting}")
    app_journey.check(member, "waiting on the member")
    send_message(member, "Voici le rapport 2025.")
    transition(member, "member_replied", comment="Tout est dans mon message.")
    expect(member.locator("#request-state")).to_have_text("In progress")
    app_journey.check(member, "answered")

    expert = app_journey.open_as(people.expert)
    app_journey.check(expert, "expert's dashboard")
    expert.goto(f"{app_journey.base_url}/requests/{fresh}")
    send_message(expert, "Vérifier le dossier 2024 d'abord.", internal=True)
    transition(expert, "accept", comment="On s'en occupe.")
    expect(expert.locator("#request-state")).to_have_text("Accepted")
    app_journey.check(expert, "accepted after a note")
    assert load(app, waiting)["state"] == "in_progress" and load(app, fresh)["state"] == "accepted"


def test_two_people_act_at_once(app_journey, app, client_for, people):
    reference = file_request(client_for(app, people.member_a), title="Deux mains")
    detail = f"{app_journey.base_url}/requests/{reference}"
    expert, admin = app_journey.open_as(people.expert), app_journey.open_as(people.admin)
    app_journey.check(admin, "admin's dashboard")
    for page in (expert, admin):
        page.goto(detail)
    app_journey.check(admin, "before")

    # The admin starts declining, the expert accepts meanwhile, then the admin confirms.
    typed = "Doublon d'une demande de mars."
    admin.click('summary[data-transition="decline"]')
    admin.fill('textarea[name="decline-comment"]', typed)
    transition(expert, "accept")
    admin.locator('summary[data-transition="decline"] + form button[type=submit]').click()

    expect(admin.locator(".flash--warning")).to_contain_text("Someone else changed this request")
    expect(admin.locator("#request-state")).to_have_text("Accepted")
    expect(admin.locator('textarea[name="decline-comment"]')).to_have_value(typed)
    expect(admin.locator('textarea[name="decline-comment"]')).to_be_visible()
    assert admin.url == detail
    app_journey.check(admin, "conflict")

    # Reload shows the request again: nothing is posted a second time.
    methods = []
    admin.on("request", lambda r: methods.append((r.method, r.url)) if r.resource_type == "document" else None)
    admin.reload()
    expect(admin.locator("#request-state")).to_have_text("Accepted")
    expect(admin.locator(".flash--warning")).to_have_count(0)
    assert methods == [("GET", detail)]

    # Confirmed knowingly, from the page as it is now, it is done.
    transition(admin, "decline", comment=typed)
    expect(admin.locator("#request-state")).to_have_text("Declined")
    app_journey.check(admin, "declined")
    assert load(app, reference)["events"][-1] == ("transition", "decline", "declined", typed)
