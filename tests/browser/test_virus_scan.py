"""A virus in a real browser, scanned by a real clamd (tests/clamd.py): the EICAR test file sent
with a message is refused in place, a clean file goes through and downloads, a file sent while
clamd is stopped waits, and an administrator reads on the Virus scans page what is still
blocked and why, and asks for it to be scanned again."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PDF, file, filed, send_message
from tests.clamd import EICAR
from tests.sample_plugin import SamplePlugin


@pytest.fixture
def app(register_plugin, tmp_path, clamd):
    """The sample field, files scanned by the session's clamd; ``people`` (built on this app)
    subscribes both organizations to it."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{tmp_path / 'objects'}",
                           CLAMD_SOCKET=clamd.socket_path)


def test_an_eicar_attachment_is_refused_and_a_clean_one_sent(journey, live_server, app, people, clamd, tmp_path):
    base_url = live_server(app)
    reference = filed(app, people.member_a, people.org_a, "sample", "question", "Une question")
    trip = journey(base_url)
    member = trip.open_as(people.member_a, locale="en")
    trip.check(member, "home")
    member.goto(f"{base_url}/requests/{reference}")
    trip.check(member, "request")

    member.fill("#conversation textarea[name=body]", "Voici le fichier")
    member.set_input_files("#conversation input[type=file]", [file("eicar.txt", EICAR, "text/plain")])
    member.click("#conversation button[type=submit]")
    expect(member.locator("#conversation")).to_contain_text("eicar.txt contains a virus: it was refused.")
    expect(member.locator("#conversation .timeline")).not_to_contain_text("Voici le fichier")
    trip.check(member, "virus refused")

    send_message(member, "Voici le bon fichier", files=[file("devis.pdf")])
    link = member.locator("#conversation .timeline a", has_text="devis.pdf")
    expect(link).to_be_visible()
    with member.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "devis.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
    trip.check(member, "clean file sent")

    # clamd stops: the next file is kept but pending, and cannot be downloaded yet.
    app.config["CLAMD_SOCKET"] = str(tmp_path / "stopped-clamd.sock")
    send_message(member, "Et le procès-verbal", files=[file("pv.pdf")])
    pending = member.locator("#conversation .timeline .attachments li", has_text="pv.pdf")
    expect(pending).to_contain_text("This file is still being checked for viruses.")
    expect(pending.locator("a")).to_have_count(0)
    trip.check(member, "pending file")

    admin = trip.open_as(people.admin, locale="en")
    trip.check(admin, "home of the administrator")
    admin.goto(f"{base_url}/admin/")
    trip.check(admin, "administration")
    admin.click("text=Virus scans")
    expect(admin.locator("h1")).to_have_text("Virus scans")
    row = admin.locator("#scans tbody tr", has_text="pv.pdf")
    expect(row).to_contain_text(f"Request {reference}")
    expect(row).to_contain_text("stopped-clamd.sock")
    expect(admin.locator("#scans tbody tr")).to_have_count(1)
    trip.check(admin, "virus scans")
    row.locator("button", has_text="Scan again now").click()
    expect(admin.locator(".flash--success")).to_contain_text("pv.pdf will be scanned again at the worker's next pass.")
    trip.check(admin, "scan again asked")
