"""Experts' journeys: an accounting file from the queue to delivery, with an internal note,
time logged, documents asked of the member and a second expert's review; and the legal
conflict-of-interest check before a mandate is accepted."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import PDF, file, filed, send_message, transition


def second_expert(app, field: str):
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db
    from extranet.testing import create_person

    with app.app_context():
        person = create_person("experte2@test.org", "Béatrice Deuxième", is_expert=True)
        db.session.add(ExpertField(user_id=person.id, field=field))
        db.session.commit()
        return person


def test_expert_works_an_accounting_file_to_delivery(app, live_server, people, journey):
    reviewer = second_expert(app, "accounting")
    reference = filed(app, people.member_a, people.org_a, "accounting", "tax_filing",
                      "Déclarations T2 et CO-17 de l'exercice", tax_year=2025, forms=["t2", "co17"])
    trip = journey(live_server(app))

    # From her dashboard's unassigned requests, the expert takes the file.
    expert = trip.open_as(people.expert, locale="en-CA")
    trip.check(expert, "dashboard")
    expert.get_by_role("link", name=reference).click()
    expect(expert.locator("#request-state")).to_have_text("Submitted")
    trip.check(expert, "request as filed")
    expert.click("#take-request")
    expect(expert.locator("#request-assignees")).to_contain_text(people.expert.name)

    # A note for colleagues only, then the next steps without reloading in between.
    send_message(expert, "Vérifier le report de perte de l'an dernier avant de produire.", internal=True)
    expect(expert.locator(".timeline__message--internal")).to_contain_text("report de perte")
    transition(expert, "accept")
    transition(expert, "start")
    expect(expert.locator("#request-state")).to_have_text("In progress")

    expert.click('summary[data-open="log-time"]')  # folded on the request page
    expert.fill("#log-time [name=duration]", "1h30")
    expert.fill("#log-time [name=note]", "Analyse des états financiers")
    expert.click("#log-time button[type=submit]")
    expect(expert.locator("#time-totals")).to_contain_text("1:30")
    trip.check(expert, "time logged")

    transition(expert, "ask_documents", comment="Le grand livre et les relevés bancaires de décembre, s.v.p.")
    expect(expert.locator("#request-state")).to_have_text("Waiting for documents")
    trip.check(expert, "documents asked")

    # The member sends them with a message and says so.
    member = trip.open_as(people.member_a)
    member.get_by_role("link", name=reference).first.click()
    expect(member.locator("#conversation")).to_contain_text("grand livre")
    send_message(member, "Voici le grand livre et les relevés.",
                 files=[file("grand-livre-2025.pdf"), file("releves-decembre.pdf", PDF)])
    transition(member, "documents_received")
    expect(member.locator("#request-documents")).to_contain_text("grand-livre-2025.pdf")
    trip.check(member, "documents envoyes")

    expert.reload()
    expect(expert.locator("#request-state")).to_have_text("In progress")
    transition(expert, "request_review")
    expect(expert.locator("#request-state")).to_have_text("In review")
    # Whoever did the work cannot approve it.
    expect(expert.locator('summary[data-transition="approve_review"]')).to_have_count(0)
    trip.check(expert, "in review")

    # A second expert reviews the work from the request list.
    second = trip.open_as(reviewer, locale="en-CA")
    second.click('.main-nav a[href="/requests/"]')
    trip.check(second, "reviewer's request list")
    second.get_by_role("link", name=reference).first.click()
    transition(second, "approve_review")
    expect(second.locator("#request-state")).to_have_text("Reviewed")
    trip.check(second, "reviewed")

    expert.reload()
    transition(expert, "deliver", comment="Déclarations produites; les avis de cotisation suivront.")
    expect(expert.locator("#request-state")).to_have_text("Delivered")
    trip.check(expert, "delivered")


def test_expert_checks_conflicts_before_accepting_a_mandate(app, live_server, people, journey):
    reference = filed(app, people.member_a, people.org_a, "legal", "contract_review",
                      "Entente de services avec Logistique Rive-Sud", counterparty="Logistique Rive-Sud inc.",
                      contract_type="services")
    trip = journey(live_server(app))
    expert = trip.open_as(people.expert, locale="en-CA")
    trip.check(expert, "dashboard")
    expert.click('.main-nav a[href="/requests/"]')
    trip.check(expert, "request list")
    expert.get_by_role("link", name=reference).first.click()
    # Accepting waits for the check.
    expect(expert.locator('summary[data-transition="accept"]')).to_have_count(0)
    trip.check(expert, "legal request")
    expert.click("#take-request")

    # Confirming without naming the parties is refused, and what was typed stays.
    expert.click('summary[data-transition="check_conflicts"]')
    form = expert.locator('summary[data-transition="check_conflicts"] + form')
    form.locator("input[type=checkbox]").check()
    form.locator("button[type=submit]").click()
    form = expert.locator('summary[data-transition="check_conflicts"] + form')
    expect(form.locator(".error")).to_be_visible()
    expect(form.locator("input[type=checkbox]")).to_be_checked()
    trip.check(expert, "conflict check refused")

    transition(expert, "check_conflicts", parties="Logistique Rive-Sud inc.; son président, Marc Tremblay")
    expect(expert.locator("#request-state")).to_have_text("Conflict check done")
    transition(expert, "accept")
    expect(expert.locator("#request-state")).to_have_text("Accepted")
    expect(expert.locator("#conversation")).to_contain_text("Conflict check done")
    trip.check(expert, "mandate accepted")
