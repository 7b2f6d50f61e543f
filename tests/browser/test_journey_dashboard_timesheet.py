"""The admin reads the month at a glance and follows a figure to its list; the expert logs time
in the timesheet, sees the week against capacity, and deletes the entry after confirming."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import filed, hours_last_month, log_time_in_timesheet, speaking


def test_admin_glance_and_expert_timesheet(app, live_server, people, journey):
    hours_last_month(app, people)
    reference = filed(app, people.member_a, people.org_a, "hr", "policy_review", "Politique de télétravail",
                      policy_name="Télétravail", goals="Encadrer le travail à distance.")
    speaking(app, "fr_CA", people.admin)
    trip = journey(live_server(app))

    admin = trip.open_as(people.admin)
    unassigned = admin.locator('a[data-figure="unassigned"]')
    expect(unassigned).to_contain_text("Non assignées")
    expect(admin.locator('a[data-figure="statements"]')).to_contain_text(": 2")
    trip.check(admin, "tableau de bord en un coup d'oeil")
    count = re.search(r"(\d+)", unassigned.inner_text()).group(1)
    unassigned.click()
    expect(admin.locator("main")).to_contain_text(f"{count} demandes")
    trip.check(admin, "demandes non assignées")
    admin.goto(trip.base_url + "/reports/")
    expect(admin.locator("#chart-months svg")).to_be_visible()
    trip.check(admin, "rapports graphiques")

    expert = trip.open_as(people.expert, locale="en-CA")
    log_time_in_timesheet(trip, expert, reference, "Politique de télétravail", "1:30")
    expect(expert.locator("#week-capacity")).to_contain_text("1:30 of a capacity of 35:00")
    trip.check(expert, "timesheet with time logged")
    expert.locator(".timesheet-entries").get_by_role("button", name=re.compile("Delete")).click()
    expect(expert.locator("#timesheet")).to_contain_text("No time logged this week.")
    trip.check(expert, "timesheet after delete")
