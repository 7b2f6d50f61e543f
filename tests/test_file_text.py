"""The text of stored files (extranet/files/text.py), read by the worker after the upload and
found by search; a file that cannot be read is still found by its name."""

from __future__ import annotations

import io

import pytest

from extranet.files.text import DOCX, ODS, ODT, PDF, XLSX, Unreadable, extract
from tests import file_samples
from tests.test_confidential_surfaces import _file, _ok, _token
from tests.test_search import _found, _space_upload


@pytest.mark.parametrize("content, mime, expected", [
    (file_samples.pdf("Avis de cotisation zqpdf"), PDF, "Avis de cotisation zqpdf"),
    (file_samples.docx("Bail commercial", "zqdocx signé"), DOCX, "Bail commercial\nzqdocx signé"),
    (file_samples.xlsx("Loyer", "zqxlsx"), XLSX, "Loyer\nzqxlsx"),
    (file_samples.odt("Procès-verbal", "zqodt"), ODT, "Procès-verbal\nzqodt"),
    (file_samples.ods("Budget", "zqods"), ODS, "Budget\nzqods"),
    ("Texte en Windows-1252 : été zqtxt".encode("cp1252"), "text/plain", "Texte en Windows-1252 : été zqtxt"),
])
def test_the_text_of_each_kind_of_file(content, mime, expected):
    assert extract(io.BytesIO(content), mime) == expected


@pytest.mark.parametrize("content, mime", [
    (b"%PDF-1.4\nnot really a PDF", PDF),
    (b"PK\x03\x04 broken", DOCX),
    (file_samples._zip({"[Content_Types].xml": file_samples.TYPES,
                        "word/document.xml": '<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;&a;</d>'}), DOCX),
    (b"\x89PNG\r\n", "image/png"),
])
def test_what_cannot_be_read_says_so(content, mime):
    with pytest.raises(Unreadable):
        extract(io.BytesIO(content), mime)


def _work(app) -> str:
    """What one pass of the worker says of files' text (its other jobs say their own lines)."""
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return "".join(line for line in result.output.splitlines(keepends=True) if line.startswith("text:"))


def _texts(app) -> dict[str, str]:
    from extranet.extensions import db
    from extranet.files.models import FileText, FileVersion

    with app.app_context():
        return dict(db.session.execute(
            db.select(FileVersion.filename, FileText.status).join(FileText, FileText.file_version_id == FileVersion.id)
        ).all())


def test_words_inside_an_uploaded_pdf_and_docx_are_found_after_the_worker_reads_them(app, people, client_for):
    member = client_for(app, people.member_a)
    colleague_b = client_for(app, people.member_b)
    _space_upload(member, "hr", people.org_a, "avis.pdf", body=file_samples.pdf("Avis de cotisation zqinsidepdf"))
    reference = _file(member, "policy_review", "hr", "Question", False, policy_name="X", goals="Y")
    _ok(member.post(f"/requests/{reference}/messages", data={
        "body": "Voici le bail", "csrf_token": _token(member),
        "files": (io.BytesIO(file_samples.docx("Bail du local", "zqinsidedocx")), "bail.docx"),
    }, content_type="multipart/form-data"))
    _space_upload(member, "hr", people.org_a, "zqbroken.pdf", body=b"%PDF-1.4\nnothing readable here\n")

    # Nothing is read in the upload's request: the worker does it.
    assert _texts(app) == {}
    assert not _found(member, "zqinsidepdf") and not _found(member, "zqinsidedocx")
    assert _found(member, "zqbroken")  # by its name, before and after
    assert "text: 2 files read, 1 unreadable" in _work(app)
    assert _texts(app) == {"avis.pdf": "read", "bail.docx": "read", "zqbroken.pdf": "unreadable"}

    assert _found(member, "cotisation zqinsidepdf") and _found(member, "zqinsidedocx")
    assert _found(member, "zqbroken")
    page = member.get("/search/?q=zqinsidedocx").get_data(as_text=True)
    assert "<mark>zqinsidedocx</mark>" in page and f"/requests/{reference}#message-" in page
    # The text is the file's owner's: another organization does not find it.
    assert not _found(colleague_b, "zqinsidepdf") and not _found(colleague_b, "zqinsidedocx")
    assert _work(app) == ""  # each file is read once


def test_a_claim_of_a_worker_that_stopped_is_taken_over(app, people, client_for):
    from datetime import timedelta

    from extranet.db_types import utcnow
    from extranet.extensions import db
    from extranet.files.models import READING, FileText, FileVersion

    member = client_for(app, people.member_a)
    _space_upload(member, "hr", people.org_a, "avis.pdf", body=file_samples.pdf("zqreclaimed"))
    with app.app_context():
        file_id = db.session.scalar(db.select(FileVersion.id))
        db.session.add(FileText(file_version_id=file_id, status=READING, claimed_at=utcnow()))
        db.session.commit()
    assert _work(app) == ""  # another worker is reading it
    with app.app_context():
        db.session.get(FileText, file_id).claimed_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert "1 files read" in _work(app) and _found(member, "zqreclaimed")
