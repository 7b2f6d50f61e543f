"""A request's files in one place, and each uploaded file's own outcome.

Files chosen when filing a request are stored with it (all or nothing, with the request);
the request's Documents card lists its documents and its messages' files; in a document
space each file of a batch is its own upload, saved or refused with the reason, said once."""

from __future__ import annotations

import io
import re

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_attachments import CSV, EXE, PDF, PNG, file_request, send, stored_files

HTML = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"
ATTACHMENT_RE = re.compile(r'href="(/requests/[^"]+/attachments/\d+)"')


@pytest.fixture
def app(register_plugin, storage_root):
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}")


def counts(app):
    """(requests, messages, attachments, documents) in the database."""
    from extranet.documents.models import Document
    from extranet.extensions import db
    from extranet.requests.models import Attachment, Message, ServiceRequest

    with app.app_context():
        return tuple(db.session.scalar(db.select(db.func.count()).select_from(model))
                     for model in (ServiceRequest, Message, Attachment, Document))


def file_with(client, files, title="Une question", **extra):
    data = {"title": title, "description": "Détails de la demande", "topic": "general", "priority": "normal",
            "csrf_token": csrf_token(client, "/requests/"), "files": [(io.BytesIO(d), n) for d, n in files]}
    data.update(extra)
    return client.post("/requests/new/sample/question", data=data, content_type="multipart/form-data")


def card(client, reference) -> str:
    """The request's Documents card, as the request page loads it."""
    response = client.get(f"/documents/sample/requests/{reference}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def upload(client, files, htmx=False):
    data = {"csrf_token": csrf_token(client, "/documents/"), "visibility": "org", "category": "", "folder": "0",
            "files": [(io.BytesIO(d), n) for d, n in files]}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post("/documents/sample/upload", data=data, headers=headers, content_type="multipart/form-data")


# -- files at filing ------------------------------------------------------------------------


def test_files_attached_when_filing_are_the_requests_files(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    form = member.get("/requests/new/sample/question").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form and 'name="files" multiple' in form

    response = file_with(member, [(PDF, "plan été.pdf"), (CSV, "montants.csv")])
    assert response.status_code == 303
    reference = response.location.rstrip("/").split("/")[-1]
    assert counts(app) == (1, 1, 2, 0)
    assert len(stored_files(storage_root)) == 2

    listing = card(member, reference)
    assert "plan été.pdf" in listing and "montants.csv" in listing and "Member A" in listing
    urls = ATTACHMENT_RE.findall(listing)
    assert len(urls) == 2 and member.get(urls[0]).get_data() == PDF
    # Whoever can open the request sees them; another organization gets 404.
    assert client_for(app, people.expert).get(urls[1]).get_data() == CSV
    assert client_for(app, people.member_b).get(urls[0]).status_code == 404
    # The timeline shows them too, under the requester's name.
    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    assert urls[0] in page


def test_filing_without_files_adds_no_message(app, client_for, people):
    member = client_for(app, people.member_a)
    assert file_with(member, []).status_code == 303
    assert counts(app) == (1, 0, 0, 0)


def test_a_refused_file_when_filing_files_nothing_and_keeps_what_was_typed(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    response = file_with(member, [(PDF, "bon.pdf"), (HTML, "page.pdf"), (EXE, "setup.pdf")],
                         title="Titre à garder")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="request-files-error">(.*?)</p>', html, re.S).group(1)
    assert "page.pdf is a web page or an SVG image" in error
    assert "setup.pdf is a program or a script" in error
    assert "bon.pdf was not kept either: choose it again." in error
    assert html.count("setup.pdf is a program") == 1
    assert 'value="Titre à garder"' in html and "Détails de la demande" in html
    assert 'aria-invalid="true"' in html
    assert counts(app) == (0, 0, 0, 0) and stored_files(storage_root) == []


def test_an_invalid_form_says_the_files_must_be_chosen_again(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    response = file_with(member, [(PDF, "bon.pdf")], title="")
    assert response.status_code == 422
    assert "bon.pdf was not kept: choose it again." in response.get_data(as_text=True)
    assert counts(app) == (0, 0, 0, 0) and stored_files(storage_root) == []


def test_a_failing_commit_when_filing_leaves_no_request_and_no_file(app, client_for, people, storage_root,
                                                                   monkeypatch, break_commit):
    member = client_for(app, people.member_a)
    token = csrf_token(member, "/requests/")
    seen = break_commit(lambda: len(stored_files(storage_root)))
    with pytest.raises(RuntimeError, match="went away"):
        member.post("/requests/new/sample/question", data={
            "title": "Avec pièces", "description": "", "topic": "general", "priority": "normal", "csrf_token": token,
            "files": [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PNG), "b.png")],
        }, content_type="multipart/form-data")
    monkeypatch.undo()
    assert seen == [2]  # written before the commit, removed after it failed
    assert stored_files(storage_root) == [] and counts(app) == (0, 0, 0, 0)


# -- one list of a request's files ------------------------------------------------------------


def test_message_files_are_listed_with_the_documents(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    assert "No document yet." in card(member, reference)

    assert send(member, reference, body="Voici le bilan", files=[(PDF, "bilan.pdf")]).status_code == 303
    expert = client_for(app, people.expert)
    assert send(expert, reference, body="Pour nous", files=[(PNG, "analyse-interne.png")], internal=True).status_code == 303
    response = member.post(f"/documents/sample/requests/{reference}/upload", data={
        "csrf_token": csrf_token(member, "/documents/"), "visibility": "org", "category": "",
        "files": [(io.BytesIO(CSV), "budget.csv")]}, content_type="multipart/form-data")
    assert response.status_code == 303

    listing = card(member, reference)
    assert "bilan.pdf" in listing and "budget.csv" in listing and "No document yet." not in listing
    (url,) = ATTACHMENT_RE.findall(listing)
    assert member.get(url).get_data() == PDF
    assert "Member A" in listing and "#message-" in listing  # who, and where in the messages
    assert listing.index("bilan.pdf") < listing.index("budget.csv")  # oldest first
    # An internal note's files: for those who see internal notes only.
    assert "analyse-interne.png" not in listing
    assert "analyse-interne.png" not in card(client_for(app, people.manager_a), reference)
    staff = card(expert, reference)
    assert "analyse-interne.png" in staff and "Internal note" in staff and len(ATTACHMENT_RE.findall(staff)) == 2


def test_the_request_page_holds_its_files_without_javascript(app, client_for, people):
    """The documents card is rendered with the page, not only loaded by HTMX: a person without
    JavaScript reads the request's files there, each by the policy as in the lazy card."""
    member, expert = client_for(app, people.member_a), client_for(app, people.expert)
    reference = file_request(member)
    assert send(member, reference, body="Voici le bilan", files=[(PDF, "bilan.pdf")]).status_code == 303
    assert send(expert, reference, body="Pour nous", files=[(PNG, "analyse-interne.png")], internal=True).status_code == 303
    response = member.post(f"/documents/sample/requests/{reference}/upload", data={
        "csrf_token": csrf_token(member, "/documents/"), "visibility": "org", "category": "",
        "files": [(io.BytesIO(CSV), "budget.csv")]}, content_type="multipart/form-data")
    assert response.status_code == 303 and response.location.endswith(f"/requests/{reference}#panel-documents")

    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    panel = page.split('id="panel-documents"', 1)[1].split("</section>", 1)[0]
    assert "budget.csv" in panel and "bilan.pdf" in panel and "analyse-interne.png" not in panel
    assert ATTACHMENT_RE.findall(panel) == ATTACHMENT_RE.findall(card(member, reference))
    assert 'id="request-documents-body"' in panel  # where the in-place uploads answer
    staff = expert.get(f"/requests/{reference}").get_data(as_text=True)
    assert "analyse-interne.png" in staff.split('id="panel-documents"', 1)[1].split("</section>", 1)[0]


# -- each file its own outcome ------------------------------------------------------------------


def test_a_refused_file_in_a_message_is_named_and_the_message_kept(app, client_for, people, storage_root):
    """A message is sent with all its files or not at all: the refusal names each refused file
    and its reason, says the accepted ones were not kept, and gives back the typed text."""
    member = client_for(app, people.member_a)
    reference = file_request(member)
    response = send(member, reference, body="Mon message à garder",
                    files=[(PDF, "bon.pdf"), (EXE, "setup.pdf"), (PNG, "photo.png")], htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "setup.pdf is a program or a script" in html
    assert "bon.pdf, photo.png were not kept either: choose them again." in html
    assert "Mon message à garder" in html
    assert counts(app) == (1, 0, 0, 0) and stored_files(storage_root) == []


def test_a_batch_with_a_refused_file_keeps_the_good_ones_and_says_each_once(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    files = [(PDF, "procès-verbal.pdf"), (EXE, "setup.exe"), (HTML, "page.html"), (CSV, "montants.csv")]

    response = upload(member, files, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    outcomes = re.findall(r'<li data-outcome="(\w+)"[^>]*>([^<]*)</li>', html)
    assert outcomes == [
        ("saved", "procès-verbal.pdf is saved."),
        ("refused", "setup.exe is a program or a script: such files are not accepted."),
        ("refused", "page.html is a web page or an SVG image: such files are not accepted."),
        ("saved", "montants.csv is saved."),
    ]
    for _state, text in outcomes:
        assert html.count(text) == 1
    assert counts(app)[3] == 2 and len(stored_files(storage_root)) == 2

    # Without JavaScript: the saved files are not sent again on reload (a redirect), and each
    # outcome is said once on the page it leads to.
    response = upload(member, files)
    assert response.status_code == 303
    page = member.get(response.location).get_data(as_text=True)
    for _state, text in outcomes:
        assert page.count(text) == 1
    assert counts(app)[3] == 4 and len(stored_files(storage_root)) == 4


def test_a_batch_with_every_file_refused_is_a_refused_form(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    response = upload(member, [(EXE, "setup.exe"), (HTML, "page.html")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("setup.exe is a program or a script") == 1 and html.count("page.html is a web page") == 1
    assert 'aria-invalid="true"' in html
    assert counts(app)[3] == 0 and stored_files(storage_root) == []
