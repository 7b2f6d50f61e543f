"""An administrator's journey, in French: she disables a module and enables it again, then
closes last month's statements of the organizations that used hours."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import hours_last_month, speaking


def test_admin_toggles_a_module_and_closes_the_month(app, live_server, people, journey):
    hours_last_month(app, people)
    speaking(app, "fr_CA", people.admin, people.member_a)
    trip = journey(live_server(app))
    admin = trip.open_as(people.admin)
    trip.check(admin, "tableau de bord")

    # Human resources off: gone from everyone's menu, then back.
    admin.click('.main-nav a[href="/admin/"]')
    trip.check(admin, "administration")
    admin.click('main a[href="/admin/modules"]')
    trip.check(admin, "modules")
    admin.click("#module-hr button[type=submit]")
    expect(admin.locator("#module-hr")).to_contain_text("Désactivé")
    expect(admin.locator('.main-nav a[data-field="hr"]')).to_have_count(0)
    trip.check(admin, "module désactivé")
    member = trip.open_as(people.member_a)
    expect(member.locator('.main-nav a[data-field="hr"]')).to_have_count(0)
    trip.check(member, "tableau de bord sans RH")

    admin.click("#module-hr button[type=submit]")
    expect(admin.locator("#module-hr")).to_contain_text("Activé")
    expect(admin.locator('.main-nav a[data-field="hr"]')).to_have_count(1)
    trip.check(admin, "module réactivé")
    member.reload()
    expect(member.locator('.main-nav a[data-field="hr"]')).to_have_count(1)

    # Last month's statements: drafts, each closed after a confirmation.
    admin.click('.main-nav a[href="/reports/"]')
    trip.check(admin, "rapports")
    admin.click('.subnav a[href="/reports/statements"]')
    rows = admin.locator("#statements tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Brouillon")).to_have_count(2)
    trip.check(admin, "relevés à fermer")
    for org in ("Coopérative A", "Coopérative B"):
        admin.locator("#statements").get_by_role("link", name=org).click()
        trip.check(admin, f"relevé {org}")
        admin.get_by_role("button", name="Fermer le mois").click()
        expect(admin.locator("main")).to_contain_text("Fermé le")
        expect(admin.get_by_role("button", name="Fermer le mois")).to_have_count(0)
        trip.check(admin, f"relevé {org} fermé")
        admin.click('.subnav a[href="/reports/statements"]')  # last month, every organization
        trip.check(admin, f"relevés après {org}")
    expect(admin.locator("#statements tbody tr").filter(has_text="Mois fermé")).to_have_count(2)
