"""A form that fails, in Chromium: the summary of what is wrong takes the focus, names each
field with what it expects, and each of its links leads to its field; after an in-place (htmx)
submit too, and without JavaScript the summary is still there with its links.

Chromium's date inputs send nothing rather than a malformed date, so a date's format message
is proven by tests/test_form_errors.py; here a date left empty is required."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import filed, log_in, speaking, without_javascript

FOCUSED_SUMMARY = "() => document.activeElement && document.activeElement.hasAttribute('data-error-summary')"


def test_a_failed_request_form_sums_up_its_errors_and_leads_to_each_field(app, live_server, people, page, check_page):
    speaking(app, "fr_CA", people.member_a)
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/requests/new/legal/general_meeting")
    page.fill("[name=expected_attendance]", "0")
    page.get_by_role("button", name="Déposer la demande").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    page.wait_for_function(FOCUSED_SUMMARY)
    expect(summary.locator("[role=alert]")).to_have_count(0)  # the focus announces it, once
    items = summary.locator("li")
    expect(items).to_have_count(3)
    expect(summary).to_contain_text("Entrez un nombre entre 1 et 100")  # the allowed range, not "required"
    expect(page.locator("[name=expected_attendance]")).to_have_value("0")  # what was typed stays
    check_page(page, "formulaire refusé")

    summary.get_by_role("link", name="Date de l’assemblée", exact=False).click()
    expect(page.locator("[name=meeting_date]")).to_be_focused()
    summary.locator("a[href='#title']").click()
    expect(page.locator("[name=title]")).to_be_focused()


def test_an_in_place_form_sums_up_its_errors_too(app, live_server, people, page, check_page):
    from extranet.extensions import db
    from extranet.requests.models import RequestParticipant, ServiceRequest

    reference = filed(app, people.member_a, people.org_a, "accounting", "budget", "Budget de l'an prochain",
                      budget_year=2027, scope="operating")
    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).filter_by(reference=reference))
        req.state = "in_progress"
        db.session.add(RequestParticipant(request_id=req.id, user_id=people.expert.id, role="assignee"))
        db.session.commit()
    speaking(app, "fr_CA", people.expert)
    base_url = live_server(app)
    log_in(page, base_url, people.expert)
    page.goto(f"{base_url}/requests/{reference}")
    page.click('summary[data-open="log-time"]')  # folded on the request page
    form = page.locator("#log-time")
    form.locator("[name=date]").fill("")
    form.locator("[name=duration]").fill("1h30")
    form.get_by_role("button").click()

    summary = page.locator("#hours-panel [data-error-summary]")
    expect(summary).to_be_visible()
    page.wait_for_function(FOCUSED_SUMMARY)
    expect(summary.locator("[role=alert]")).to_have_count(0)  # not announced as an alert and a focus
    expect(summary).to_contain_text("Date : Ce champ est requis")
    expect(page.locator("#log-time [name=duration]")).to_have_value("1h30")
    check_page(page, "temps refusé")
    summary.get_by_role("link").click()
    expect(page.locator("#log-time [name=date]")).to_be_focused()


def test_without_javascript_the_summary_still_links_to_each_field(app, live_server, people, browser):
    speaking(app, "fr_CA", people.member_a)
    base_url = live_server(app)
    with without_javascript(browser) as page:
        log_in(page, base_url, people.member_a)
        page.goto(base_url + "/requests/new/legal/general_meeting")
        page.get_by_role("button", name="Déposer la demande").click()
        expect(page.locator("[data-error-summary] [role=alert]")).to_have_count(1)  # no script to focus it
        links = page.locator("[data-error-summary] a")
        expect(links).to_have_count(2)
        assert [link.get_attribute("href") for link in links.all()] == ["#title", "#meeting_date"]
