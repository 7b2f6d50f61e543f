"""Issue "Document spaces": a member uploads two files at once and watches the progress bar."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_core_journeys import log_in
from tests.sample_plugin import SamplePlugin


@pytest.fixture
def app(register_plugin, tmp_path):
    """The sample field; ``people`` (built on this app) subscribes both organizations to it."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{tmp_path / 'objects'}")


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def test_upload_two_files_with_a_progress_bar(page, live_server, app, people):
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/documents/sample/")
    expect(page.locator("#document-space")).to_contain_text("No document here yet")

    form = page.locator("form[data-upload]")
    form.locator("input[type=file]").set_input_files([
        {"name": "procès-verbal.pdf", "mimeType": "application/pdf", "buffer": PDF},
        # Big enough for the browser to report upload progress on the way.
        {"name": "données.csv", "mimeType": "text/csv", "buffer": b"Nom;Montant\n" + b"Dupont;12\n" * 300_000},
    ])
    form.locator("button[type=submit]").click()

    bar = page.locator("#upload-status progress")
    expect(bar).to_have_count(1)
    expect(bar).to_have_js_property("value", 100)
    # The bar is labelled, and the live region announces the completion.
    label = page.locator("#upload-status label[for]")
    expect(label).to_contain_text("procès-verbal.pdf")
    assert label.get_attribute("for") == bar.get_attribute("id")
    expect(page.locator("#upload-status [role=status]")).to_contain_text("données.csv")
    expect(page.locator(".upload-progress--done")).to_have_count(1)

    listing = page.locator("#document-list")
    expect(listing).to_contain_text("procès-verbal.pdf")
    expect(listing).to_contain_text("données.csv")
    expect(page.locator("#document-space .flash--success")).to_be_visible()
    # Still the same page (no reload): the bar stays, and the list links to the documents.
    page.click("#document-list a >> text=procès-verbal.pdf")
    expect(page.locator("h1")).to_have_text("procès-verbal.pdf")
    expect(page.locator("#version-list tbody tr")).to_have_count(1)


def test_a_refused_file_is_announced(page, live_server, app, people):
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/documents/sample/")
    page.locator("form[data-upload] input[type=file]").set_input_files([
        {"name": "setup.pdf", "mimeType": "application/pdf", "buffer": b"MZ" + b"\0" * 200},
    ])
    page.locator("form[data-upload] button[type=submit]").click()
    expect(page.locator("#upload-status [role=status]")).to_contain_text("setup.pdf")
    expect(page.locator(".upload-progress--failed")).to_have_count(1)
    expect(page.locator("#document-space .error")).to_contain_text("setup.pdf")
