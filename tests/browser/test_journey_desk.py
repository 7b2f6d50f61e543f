"""The expert's desk in a day, in order (issue 11, "done when"): from the queue, take a request,
correct its priority with a reason, reply with the field's template while the member, in another
browser, sees the reply arrive without reloading, log time in the week's timesheet, merge a
duplicate into the request, and assign others in bulk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    filed,
    log_time_in_timesheet,
    never_reloaded,
    sees_without_reloading,
    speaking,
)
from tests.browser.test_journey_expert import second_expert


def reply_template(app, field: str, name: str, body_fr: str, body_en: str) -> None:
    from extranet.extensions import db
    from extranet.requests.models import ReplyTemplate

    with app.app_context():
        db.session.add(ReplyTemplate(field=field, name=name, body_fr=body_fr, body_en=body_en))
        db.session.commit()


@pytest.fixture
def app(app):
    app.config["LIVE_POLL_SECONDS"] = 1  # the member's page waits for the poll, not for a clock
    return app


def test_expert_desk_from_queue_to_bulk_assignment(app, live_server, people, journey):
    colleague = second_expert(app, "hr")
    reference = filed(app, people.member_a, people.org_a, "hr", "policy_review", "Politique de télétravail",
                      policy_name="Télétravail", goals="Encadrer le travail hybride")
    duplicate = filed(app, people.manager_a, people.org_a, "hr", "policy_review", "Télétravail (encore)",
                      policy_name="Télétravail", goals="Même question")
    others = [filed(app, people.member_a, people.org_a, "hr", "policy_review", f"Politique {n}",
                    policy_name=f"P{n}", goals="Revoir") for n in (1, 2)]
    reply_template(app, "hr", "Accusé de réception", "Bonjour, nous avons bien reçu votre demande.",
                   "Hello, we received your request.")
    speaking(app, "fr_CA", people.member_a)  # the template is inserted in the requester's language
    trip = journey(live_server(app))

    # The member reads her request and starts writing; her page is never reloaded below.
    member = trip.open_as(people.member_a)
    trip.check(member, "member's dashboard")
    member.goto(f"{trip.base_url}/requests/{reference}")
    member.fill("#conversation textarea[name=body]", "Je précise : trois jours au bureau.")
    trip.check(member, "member reads her request")
    loads = never_reloaded(member)

    # The queue: requests of her fields that nobody has taken yet.
    expert = trip.open_as(people.expert)
    trip.check(expert, "dashboard")
    expert.goto(f"{trip.base_url}/requests/?assignee=none&field=hr")
    trip.check(expert, "queue")
    expert.get_by_role("link", name=reference).click()
    expert.click("#take-request")
    expect(expert.locator("#request-assignees")).to_contain_text(people.expert.name)

    # The member said it is urgent on the phone: priority and due date corrected, with why.
    expert.click("#change-schedule")
    expert.select_option("#schedule [name=priority]", "urgent")
    expert.fill("#schedule [name=due_date]", "2027-01-15")
    expert.fill("#schedule [name=reason]", "Le conseil d'administration siège le 16 janvier.")
    expert.click("#schedule button[type=submit]")
    expect(expert.locator(".flash--success")).to_be_visible()
    expect(expert.locator("#conversation")).to_contain_text("Le conseil d'administration siège le 16 janvier.")
    trip.check(expert, "priority corrected")

    # A reply from the field's template, in the member's language, completed before sending.
    expert.fill("#conversation textarea[name=body]", "Madame,")
    expert.select_option("#reply-template", label="Accusé de réception")
    expert.click("#insert-reply")
    expect(expert.locator("#body")).to_have_value("Madame,\n\nBonjour, nous avons bien reçu votre demande.")
    expert.click("#conversation .message-form button[type=submit]")
    expect(expert.locator("#conversation .timeline")).to_contain_text("nous avons bien reçu votre demande")
    trip.check(expert, "reply sent")

    # Meanwhile, in the member's browser: the reply appears in place, what she typed is kept.
    sees_without_reloading(member, loads, "nous avons bien reçu votre demande", "Je précise : trois jours au bureau.")
    trip.check(member, "the reply appeared")

    # An hour and a half on it, logged in the week's timesheet rather than on the request.
    log_time_in_timesheet(trip, expert, reference, "Politique de télétravail", "1:30")
    expect(expert.locator("#week-capacity")).to_contain_text("1:30")
    trip.check(expert, "time logged")

    # The manager filed the same thing: merged into the request she works on.
    expert.goto(f"{trip.base_url}/requests/{duplicate}")
    trip.check(expert, "duplicate")
    expert.click("#merge-request")
    expert.fill("#merge [name=into]", reference)
    expert.click("#merge button[type=submit]")  # the confirmation is accepted
    expect(expert.locator(".flash--success")).to_contain_text(duplicate)
    expect(expert.locator("#conversation")).to_contain_text(duplicate)
    trip.check(expert, "merged")

    # Two more of the queue go to her colleague at once.
    expert.goto(f"{trip.base_url}/requests/?assignee=none&field=hr")
    trip.check(expert, "queue again")
    for other in others:
        expert.get_by_label(f"Select {other}").check()
    expert.select_option("#bulk-action", "assign")
    expert.select_option("#bulk-expert", label=colleague.name)
    expert.click("#bulk-submit")
    expect(expert.locator("#bulk-outcomes")).to_contain_text(others[0])
    expect(expert.locator("#bulk-outcomes .badge--ok")).to_have_count(2)
    trip.check(expert, "bulk outcome")
