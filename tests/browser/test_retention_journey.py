"""Issue 14, Law 25 retention in a browser: an admin sets how long the sample module keeps its
closed requests and access records, the worker's daily run removes an old closed request, and
the privacy officer reads the retention report from her one page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.sample_plugin import SamplePlugin
from tests.test_requests import add_person
from tests.test_retention import OLD, age, request_with_file


@pytest.fixture
def app(register_plugin, storage_root):
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}")


def test_an_admin_sets_retention_and_the_privacy_officer_reads_the_report(app, app_journey, client_for, people):
    from extranet.privacy.retention import apply_if_due

    journey = app_journey

    member = client_for(app, people.member_a)
    age(app, request_with_file(member, body="Vieux dossier"), state="closed", closed_ago=OLD, messages_ago=OLD)
    officer = add_person(app, "paula_privacy", is_privacy_officer=True, locale="fr_CA")

    admin = journey.open_as(people.admin)
    admin.goto(f"{journey.base_url}/admin/")
    journey.check(admin, "administration")
    admin.click('main a[href="/admin/retention/"]')
    expect(admin.locator("h1")).to_have_text("Retention")
    journey.check(admin, "retention settings")
    module = admin.locator("#retention-sample")
    module.locator("input[name=sample-requests]").fill("12")
    module.locator("input[name=sample-access]").fill("0")
    module.locator("button[type=submit]").click()
    expect(admin.locator("#retention-sample .error-summary, #retention-sample [aria-invalid=true]").first).to_be_visible()
    journey.check(admin, "a limit refused")
    module = admin.locator("#retention-sample")
    module.locator("input[name=sample-access]").fill("24")
    module.locator("button[type=submit]").click()
    expect(admin.locator(".flash--success")).to_be_visible()
    expect(admin.locator("input[name=sample-requests]")).to_have_value("12")
    journey.check(admin, "retention saved")

    with app.app_context():  # the worker's daily pass
        run = apply_if_due()
        assert run is not None and run.removed == {"sample": {"requests": 1, "messages": 1, "files": 1}}

    reader = journey.open_as(officer)
    journey.check(reader, "privacy officer's dashboard")
    reader.click('header a[href="/admin/erasures/"]')
    journey.check(reader, "privacy requests")
    reader.click('main a[href="/admin/retention/report"]')
    expect(reader.locator("h1")).to_have_text("Rapport de conservation")
    row = reader.locator("main table tbody tr").first
    expect(row).to_contain_text("Sample field")
    expect(row.locator("td").first).to_have_text("1")
    journey.check(reader, "retention report")
