"""An administrator's year and month end, in French: she copies every organization's hour
agreements to next year and closes last month's statements of every organization at once,
each after its preview, and finds nothing left to do when she comes back."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests.browser.helpers import hours_last_month, last_month, speaking


def test_admin_copies_the_agreements_and_closes_the_month_for_everyone(app, live_server, people, journey):
    hours_last_month(app, people)
    speaking(app, "fr_CA", people.admin)
    trip = journey(live_server(app))
    admin = trip.open_as(people.admin)
    this_year = date.today().year
    trip.check(admin, "tableau de bord")

    admin.click('.main-nav a[href="/admin/"]')
    trip.check(admin, "administration")
    admin.click('main a[href="/admin/agreements/copy"]')
    rows = admin.locator("#agreement-copies tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Sera copiée")).to_have_count(2)
    trip.check(admin, "ententes à copier")
    admin.get_by_role("button", name="Les copier").click()
    expect(admin.locator("#agreement-copies tbody tr").filter(has_text="Copiée")).to_have_count(2)
    expect(admin.locator(".flash")).to_contain_text(f"Ententes copiées vers {this_year + 1}\u00a0: 2")
    trip.check(admin, "ententes copiées")
    admin.goto(f"{trip.base_url}/admin/agreements/copy")
    expect(admin.locator("#nothing-to-do")).to_contain_text("rien à copier")
    expect(admin.get_by_role("button", name="Les copier")).to_have_count(0)
    trip.check(admin, "plus rien à copier")

    admin.click('.main-nav a[href="/admin/"]')
    admin.click('main a[href="/admin/statements/close"]')
    expect(admin.locator("#close-month")).to_have_value(last_month().strftime("%Y-%m"))
    rows = admin.locator("#month-statements tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Sera fermé")).to_have_count(2)
    trip.check(admin, "relevés à fermer")
    admin.get_by_role("button", name="Les fermer").click()
    expect(admin.locator("#month-statements tbody tr").filter(has_text="Fermé maintenant")).to_have_count(2)
    trip.check(admin, "relevés fermés")
    admin.goto(f"{trip.base_url}/admin/statements/close")
    expect(admin.locator("#nothing-to-do")).to_contain_text("déjà fermés")
    trip.check(admin, "plus rien à fermer")
