"""Managers' journeys, in French: an organization's manager reads her hour bank, her
statements and her team; a federation's manager files a request on behalf of a member
organization, which that organization's people then find among their own."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests.browser.helpers import hours_last_month, last_month, speaking


def test_manager_reads_her_hour_bank_statements_and_team(app, live_server, people, journey):
    from extranet.extensions import db
    from extranet.hours.statements import close_statement
    from extranet.organizations.models import Organization

    hours_last_month(app, people)
    with app.app_context():
        close_statement(db.session.get(Organization, people.org_a), last_month(), people.admin)
        db.session.commit()
    speaking(app, "fr_CA", people.manager_a)
    trip = journey(live_server(app))
    manager = trip.open_as(people.manager_a)
    trip.check(manager, "tableau de bord")

    manager.click('.main-nav a[href="/hours/"]')
    expect(manager.locator("meter#balance-hr")).to_have_attribute("max", "6000")
    expect(manager.locator("#balance-hr-text")).to_contain_text("100")  # hours allotted
    trip.check(manager, "banque d'heures")

    manager.get_by_role("link", name="Relevés mensuels").click()
    expect(manager.locator("h1")).to_contain_text("Coopérative A")
    closed = manager.locator("main table tbody tr")
    expect(closed).to_have_count(1)
    trip.check(manager, "relevés")
    closed.first.locator("th a").click()
    expect(manager.locator("main")).to_contain_text("Fermé le")
    # A member's HR file is confidential: its manager sees it billed by reference, not its title.
    expect(manager.locator("main")).to_contain_text("RH-")
    expect(manager.locator("main")).to_contain_text("Confidentielle")
    expect(manager.locator("main")).not_to_contain_text("Politique de vacances")
    expect(manager.get_by_role("button", name="Fermer le mois")).to_have_count(0)
    trip.check(manager, "relevé fermé")
    with manager.expect_download() as download:
        manager.get_by_role("link", name="Télécharger en CSV").click()
    assert download.value.suggested_filename.endswith(".csv")

    manager.click('.main-nav a[href="/organization/members"]')
    team = manager.locator("main")
    expect(team).to_contain_text(people.member_a.name)
    expect(team).to_contain_text(people.manager_a.name)
    expect(team).not_to_contain_text(people.member_b.name)
    trip.check(manager, "mon équipe")

    # She invites an address that already has an account elsewhere: the answer names nobody,
    # and its owner joins only by accepting, signed in as herself.
    invite = manager.locator("section[aria-labelledby=invite-title] form")
    invite.locator("[name=email]").fill(people.member_b.email)
    invite.locator("[name=name]").fill("Béatrice Invitée")
    invite.locator("button[type=submit]").click()
    expect(manager.locator("#flashes")).to_contain_text(
        f"Une invitation à se joindre à Coopérative A a été envoyée à {people.member_b.email}.")
    expect(team).to_contain_text("Béatrice Invitée")
    expect(team).not_to_contain_text(people.member_b.name)
    trip.check(manager, "invitation envoyée")

    speaking(app, "fr_CA", people.member_b)
    invited = trip.open_as(people.member_b)
    invited.goto(trip.base_url + "/organization/invitations")  # where the e-mail's link leads
    expect(invited.locator("main")).to_contain_text("Coopérative A")
    trip.check(invited, "mes invitations")
    invited.get_by_role("button", name="Accepter").click()
    expect(invited.locator("#flashes")).to_contain_text("Vous avez maintenant accès à Coopérative A.")
    manager.reload()
    expect(team).to_contain_text(people.member_b.name)


def test_federation_manager_files_for_a_member_organization(app, live_server, people, journey):
    from extranet.extensions import db
    from extranet.organizations.models import Membership, Organization, Subscription
    from extranet.testing import create_person

    with app.app_context():
        db.session.get(Organization, people.org_a).share_with_federation = True
        db.session.add(Organization(name="Coopérative du Quai", kind="cooperative", parent_id=people.federation_a,
                                    share_with_federation=True, subscriptions=[Subscription(field="accounting")]))
        federation = create_person("federation.a@test.org", "Fanny Fédération", locale="fr_CA")
        db.session.add(Membership(user_id=federation.id, organization_id=people.federation_a, role="manager"))
        db.session.commit()
    speaking(app, "fr_CA", people.member_a)
    trip = journey(live_server(app))
    manager = trip.open_as(federation)
    trip.check(manager, "tableau de bord")

    manager.click('.main-nav a[href="/requests/"]')
    trip.check(manager, "demandes")
    manager.click('main a[href="/requests/new"]')
    trip.check(manager, "choisir un domaine")
    manager.click('main a[href="/requests/new/accounting"]')
    trip.check(manager, "choisir un type")
    manager.click('main a[href="/requests/new/accounting/budget"]')
    trip.check(manager, "formulaire")
    form = manager.locator("main form")
    form.get_by_label("Au nom de").select_option(label="Coopérative A")
    year = date.today().year + 1
    form.locator("[name=title]").fill(f"Budget {year} de la Coopérative A")
    form.locator("[name=budget_year]").fill(str(year))
    form.locator("[name=scope]").select_option("operating")
    form.get_by_role("button", name="Déposer la demande").click()
    expect(manager.locator("h1")).to_contain_text("de la Coopérative A")
    expect(manager.locator("#request-facts")).to_contain_text("Coopérative A")  # the organization filed for
    reference = manager.url.rsplit("/", 1)[1]
    trip.check(manager, "demande déposée")

    member = trip.open_as(people.member_a)
    member.click('.main-nav a[href="/requests/"]')
    expect(member.get_by_role("link", name=reference)).to_be_visible()
    trip.check(member, "demandes de la coopérative")
