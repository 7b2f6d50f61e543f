"""A member's everyday journey, in French: she files a request in each field with a file
attached, answers the expert's question and says so, then closes the request and rates it."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.helpers import PNG, file, send_message, transition

# What she types for each field: the request type, its own questions, and the file she attaches.
REQUESTS = {
    "hr": ("policy_review", "Révision de la politique de télétravail", {
        "policy_name": "Politique de télétravail",
        "goals": "Préciser les jours de présence au bureau et le remboursement des frais.",
    }, file("politique-teletravail-2024.pdf")),
    "legal": ("contract_review", "Bail du local de la rue Saint-Joseph", {
        "counterparty": "Immeubles Saint-Joseph inc.",
        "contract_type": "lease",
    }, file("bail-saint-joseph.pdf")),
    "accounting": ("budget", f"Budget de fonctionnement {date.today().year + 1}", {
        "budget_year": str(date.today().year + 1),
        "scope": "operating",
    }, file("revenus-depenses.csv", b"Poste;Montant\nLoyer;18000\nSalaires;240000\n", "text/csv")),
    "it": ("support_ticket", "L'imprimante du 2e étage refuse les travaux", {
        "affected_system": "Imprimante HP du 2e étage",
        "steps": "1. Envoyer un document\n2. Le travail reste en file d'attente",
    }, file("message-erreur.png", PNG, "image/png")),
}


def fill(form, values: dict) -> None:
    for name, value in values.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def test_member_files_answers_closes_and_rates(app, live_server, people, journey):
    with app.app_context():
        from extranet.accounts.models import User
        from extranet.extensions import db

        db.session.get(User, people.member_a.id).locale = "fr_CA"
        db.session.commit()
    trip = journey(live_server(app))
    member = trip.open_as(people.member_a)
    expect(member.locator("html")).to_have_attribute("lang", "fr")
    trip.check(member, "tableau de bord")

    references = {}
    for field, (type_slug, title, values, attachment) in REQUESTS.items():
        member.click('.main-nav a[href="/requests/"]')
        if not references:
            trip.check(member, "demandes")
        member.click('main a[href="/requests/new"]')
        if not references:
            trip.check(member, "nouvelle demande")
        member.click(f'a.tile[href="/requests/new/{field}"]')
        trip.check(member, f"domaine {field}")
        member.click(f'a.tile[href="/requests/new/{field}/{type_slug}"]')
        trip.check(member, f"formulaire {field}")
        form = member.locator("main form.card")
        form.locator("[name=title]").fill(title)
        fill(form, values)
        form.locator("input[type=file]").set_input_files([attachment])
        form.locator("button[type=submit]").click()
        expect(member.locator("#request-state")).to_have_text("Déposée")
        references[field] = re.search(r"/requests/([A-Z]+-\d{4}-\d{4})$", member.url).group(1)
        # The file attached at filing is with the request's documents.
        expect(member.locator("#request-documents")).to_contain_text(attachment["name"])
        trip.check(member, f"demande {field} soumise")

    # The IT expert takes the ticket and needs to know more.
    expert = trip.open_as(people.expert, locale="en-CA")
    trip.check(expert, "expert dashboard")
    expert.get_by_role("link", name=references["it"]).click()
    expect(expert.locator("h1")).to_contain_text(references["it"])
    expert.click("#take-request")
    transition(expert, "accept")
    transition(expert, "start")
    transition(expert, "ask_member", comment="Quel est le message affiché sur l'écran de l'imprimante?")
    expect(expert.locator("#request-state")).to_have_text("Waiting on the member")
    trip.check(expert, "expert asks the member")

    # She finds the question waiting on her dashboard, answers it, then says she has.
    member.click('.main-nav a[href="/"]')
    waiting = member.get_by_role("link", name=references["it"])
    expect(waiting.first).to_be_visible()
    trip.check(member, "tableau de bord, une demande attend")
    waiting.first.click()
    expect(member.locator("#conversation")).to_contain_text("Quel est le message affiché")
    send_message(member, "L'écran affiche « Bourrage papier, bac 2 », même quand le bac est vide.")
    transition(member, "member_replied")
    expect(member.locator("#request-state")).to_have_text("En cours")
    trip.check(member, "réponse envoyée")

    expert.reload()
    expect(expert.locator("#conversation")).to_contain_text("Bourrage papier")
    transition(expert, "deliver", comment="Capteur du bac 2 nettoyé; l'impression fonctionne.")
    expect(expert.locator("#request-state")).to_have_text("Delivered")

    # She closes the request and says how satisfied she is.
    member.reload()
    transition(member, "close")
    expect(member.locator("#request-state")).to_have_text("Fermée")
    rating = member.locator("#rate-request")
    rating.locator("input[name=rating][value='5']").check()
    rating.locator("textarea[name=comment]").fill("Réglé en une journée, merci!")
    rating.locator("button[type=submit]").click()
    expect(member.locator("#rating-result")).to_contain_text("5")
    trip.check(member, "demande fermée et évaluée")
