"""Uploads in a real browser: a bar per file, each file's outcome said once, and a request's
files (attached when filing, or to a message) listed in its Documents card."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PDF, log_in, without_javascript
from tests.sample_plugin import SamplePlugin

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"
# Big enough for the browser to report upload progress on the way.
CSV = b"Nom;Montant\n" + b"Dupont;12\n" * 300_000


@pytest.fixture
def app(register_plugin, tmp_path):
    """The sample field; ``people`` (built on this app) subscribes both organizations to it."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{tmp_path / 'objects'}")


def bars(page):
    """(file name, value, state) of each progress bar of the last upload."""
    rows = page.locator("#upload-status .upload-progress")
    return [
        (row.locator("label").inner_text(), row.locator("progress").evaluate("bar => bar.value"),
         "done" if "upload-progress--done" in row.get_attribute("class")
         else "failed" if "upload-progress--failed" in row.get_attribute("class") else "sending")
        for row in rows.all()
    ]


def visible_text(page) -> str:
    """The page's text as seen (the visually hidden live region left out)."""
    return page.evaluate("""() => {
        const copy = document.body.cloneNode(true);
        copy.querySelectorAll('.visually-hidden, script').forEach(e => e.remove());
        return copy.innerText;
    }""")


def test_upload_two_files_with_a_bar_each(page, live_server, app, people):
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/documents/sample/")
    expect(page.locator("#document-space")).to_contain_text("No document here yet")

    form = page.locator("form[data-upload]")
    form.locator("input[type=file]").set_input_files([
        {"name": "procès-verbal.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "données.csv", "mimeType": "text/csv", "buffer": CSV},
    ])
    form.locator("button[type=submit]").click()

    expect(page.locator("#upload-status .upload-progress--done")).to_have_count(2)
    assert bars(page) == [("procès-verbal.pdf", 100, "done"), ("données.csv", 100, "done")]
    # Each bar is labelled by its file, and the live region announces each outcome.
    for label in page.locator("#upload-status label[for]").all():
        assert page.locator("#" + label.get_attribute("for")).evaluate("e => e.tagName") == "PROGRESS"
    live = page.locator("#upload-status [role=status]")
    expect(live).to_contain_text("procès-verbal.pdf is saved.")
    expect(live).to_contain_text("données.csv is saved.")

    listing = page.locator("#document-list")
    expect(listing).to_contain_text("procès-verbal.pdf")
    expect(listing).to_contain_text("données.csv")
    # Still the same page (no reload), and the list links to the documents.
    page.click("#document-list a >> text=procès-verbal.pdf")
    expect(page.locator("h1")).to_have_text("procès-verbal.pdf")
    expect(page.locator("#version-list tbody tr")).to_have_count(1)


def test_a_batch_with_refused_files_says_each_outcome_once(page, live_server, app, people):
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/documents/sample/")
    page.locator("form[data-upload] input[type=file]").set_input_files([
        {"name": "procès-verbal.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": EXE},
        {"name": "page.html", "mimeType": "text/html", "buffer": HTML},
        {"name": "données.csv", "mimeType": "text/csv", "buffer": CSV},
    ])
    page.locator("form[data-upload] button[type=submit]").click()

    outcomes = page.locator("[data-upload-outcomes] [data-outcome]")
    expect(outcomes).to_have_count(4)
    assert [o.get_attribute("data-outcome") for o in outcomes.all()] == ["saved", "refused", "refused", "saved"]
    texts = [o.inner_text() for o in outcomes.all()]
    assert "setup.exe is a program or a script" in texts[1] and "page.html is a web page" in texts[2]
    # The bars end full for the saved files, empty and marked failed for the refused ones.
    expect(page.locator("#upload-status .upload-progress--failed")).to_have_count(2)
    assert bars(page) == [("procès-verbal.pdf", 100, "done"), ("setup.exe", 0, "failed"),
                          ("page.html", 0, "failed"), ("données.csv", 100, "done")]
    # Each outcome is shown once, and announced once.
    shown = visible_text(page)
    live = page.locator("#upload-status [role=status]").text_content()
    for text in texts:
        assert shown.count(text) == 1, text
        assert live.count(text) == 1, text
    rows = page.locator("#document-list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#document-list")).not_to_contain_text("setup.exe")

    # A second upload starts afresh: only its own bars and outcomes.
    page.locator("form[data-upload] input[type=file]").set_input_files([
        {"name": "autre.exe", "mimeType": "application/octet-stream", "buffer": EXE},
    ])
    page.locator("form[data-upload] button[type=submit]").click()
    expect(page.locator("[data-upload-outcomes] [data-outcome]")).to_have_count(1)
    expect(page.locator("#upload-status .upload-progress")).to_have_count(1)
    assert bars(page) == [("autre.exe", 0, "failed")]
    expect(page.locator("form[data-upload] input[type=file]")).to_have_attribute("aria-invalid", "true")


def test_a_lost_connection_empties_the_bars(page, live_server, app, people):
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/documents/sample/")
    page.route("**/documents/sample/upload**", lambda route: route.abort())
    page.locator("form[data-upload] input[type=file]").set_input_files([
        {"name": "a.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "b.pdf", "mimeType": "application/pdf", "buffer": PDF},
    ])
    page.locator("form[data-upload] button[type=submit]").click()
    expect(page.locator("#upload-status .upload-progress--failed")).to_have_count(2)
    assert bars(page) == [("a.pdf", 0, "failed"), ("b.pdf", 0, "failed")]
    message = page.locator("#upload-status p.error")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("The connection was lost")
    expect(page.locator("form[data-upload] button[type=submit]")).to_be_enabled()


def test_files_attached_when_filing_show_in_the_documents_card(page, live_server, app, people):
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/requests/new/sample/question")
    page.fill("input[name=title]", "Question sur le bilan")
    page.set_input_files("#request-files", [
        {"name": "bilan 2025.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": EXE},
    ])
    page.click("main form button[type=submit]")
    # Refused: what was typed is kept, the file error sits by the file input, nothing is filed.
    error = page.locator("#request-files-error")
    expect(error).to_contain_text("setup.exe is a program or a script")
    expect(error).to_contain_text("bilan 2025.pdf was not kept either")
    expect(page.locator("input[name=title]")).to_have_value("Question sur le bilan")

    page.set_input_files("#request-files", [{"name": "bilan 2025.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/[A-Z]+-\d{4}-\d{4}$"))
    card = page.locator("#request-documents")
    link = card.locator("a", has_text="bilan 2025.pdf")
    expect(link).to_have_count(1)
    expect(card).to_contain_text(people.member_a.name)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "bilan 2025.pdf"
    assert Path(download.value.path()).read_bytes() == PDF


def test_the_request_pages_documents_panel_uploads_with_a_bar_per_file(page, live_server, app, people):
    """The documents card is a panel loaded into the request page: its form still sends each
    file with a bar (upload.js comes with the page) and names the file it refuses."""
    base_url = live_server(app)
    log_in(page, base_url, people.member_a)
    page.goto(base_url + "/requests/new/sample/question")
    page.fill("input[name=title]", "Pièces du bilan")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/[A-Z]+-\d{4}-\d{4}$"))
    card = page.locator("#request-documents")
    expect(card).to_contain_text("No document yet.")
    card.locator("summary").click()
    card.locator("form[data-upload] input[type=file]").set_input_files([
        {"name": "bilan.pdf", "mimeType": "application/pdf", "buffer": PDF},
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": EXE},
    ])
    page.evaluate("window.notReloaded = true")
    card.locator("form[data-upload] button[type=submit]").click()

    status = page.locator("#request-upload-status")
    expect(status.locator(".upload-progress--done")).to_have_count(1)
    expect(status.locator(".upload-progress--failed")).to_have_count(1)
    expect(card.locator("[data-outcome=refused]")).to_contain_text("setup.exe is a program or a script")
    expect(page.locator("#request-file-list")).to_contain_text("bilan.pdf")
    assert page.evaluate("window.notReloaded") is True


def test_without_javascript_the_request_page_lists_its_documents(live_server, app, people, browser):
    """The documents card comes with the request page, not only through HTMX: without
    JavaScript, its files are listed there, and an upload leads back to them."""
    base_url = live_server(app)
    with without_javascript(browser, "en-CA") as page:
        log_in(page, base_url, people.member_a)
        page.goto(base_url + "/requests/new/sample/question")
        page.fill("input[name=title]", "Bilan sans script")
        page.set_input_files("#request-files", [{"name": "bilan 2025.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/requests/[A-Z]+-\d{4}-\d{4}$"))
        files = page.locator("#panel-documents #request-file-list")
        expect(files.locator("a", has_text="bilan 2025.pdf")).to_have_count(1)

        card = page.locator("#request-documents")
        card.locator("summary").click()  # a <details>: opens without a script
        card.locator("form[data-upload] input[type=file]").set_input_files(
            [{"name": "annexe.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        card.locator("form[data-upload] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/requests/[A-Z]+-\d{4}-\d{4}#panel-documents$"))
        expect(files).to_contain_text("annexe.pdf")
        expect(files).to_contain_text("bilan 2025.pdf")
