"""The benchmark dataset (bench/dataset.py) at a small scale, on SQLite and on PostgreSQL: its
documents have real files with their text (found by search), every request its history, and the
application can add rows to it afterwards (PostgreSQL's id sequences moved past the inserted
ids, reference counters past the inserted references)."""

import hashlib
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import dataset  # noqa: E402

SCALE = 0.01  # 6 organizations, 2,000 requests, 1,000 documents


@pytest.fixture
def built(fresh_database, tmp_path):
    files = tmp_path / "files"
    info = dataset.build(fresh_database, SCALE, files=files)
    app = dataset.make_app(fresh_database, files)
    yield app, info, files
    with app.app_context():
        from extranet.extensions import db

        db.engine.dispose()


def test_documents_have_real_files_with_their_text(built):
    from extranet.extensions import db
    from extranet.files.models import FileText, FileVersion
    from extranet.models import Document, RequestEvent, Resource, ServiceRequest

    app, _info, files = built
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Document)) == 1000 + 4
        assert db.session.scalar(select(func.count()).select_from(Resource)) == 4
        events = db.session.scalar(select(func.count()).select_from(RequestEvent))
        assert events > db.session.scalar(select(func.count()).select_from(ServiceRequest))
        for version, text in db.session.execute(
                select(FileVersion, FileText.text).join(FileText, FileText.file_version_id == FileVersion.id)
                .order_by(FileVersion.id).limit(20)):
            content = (files / version.storage_key[:2] / version.storage_key[2:4] / version.storage_key).read_bytes()
            assert hashlib.sha256(content).hexdigest() == version.sha256 and len(content) == version.size
            assert content.decode() == text and dataset.FILE_LINE in text


def test_search_finds_a_word_of_the_files(built):
    from reports import _login

    app, info, _files = built
    client = app.test_client()
    _login(client, info["admin_email"])
    page = client.get("/search/?q=quittance&kind=document").get_data(as_text=True)
    assert any(title in page for title in dataset.DOCUMENT_TITLES)


def test_the_app_adds_rows_after_the_build(built):
    from reports import _login

    from extranet.extensions import db
    from extranet.models import Message, ServiceRequest, User
    from extranet.requests.service import next_reference
    from extranet.testing import csrf_token

    app, info, _files = built
    with app.app_context():
        last, requester = db.session.execute(
            select(ServiceRequest.reference, User.email).join(User, User.id == ServiceRequest.requester_id)
            .where(ServiceRequest.state == "in_progress", User.id > 1).order_by(ServiceRequest.id.desc()).limit(1)).one()
        prefix, year, _number = last.split("-")
        reference = next_reference(prefix, int(year))
        assert db.session.scalar(select(ServiceRequest.id).where(ServiceRequest.reference == reference)) is None
        db.session.rollback()
    client = app.test_client()
    _login(client, requester)  # a member of the request's organization
    response = client.post(f"/requests/{last}/messages",
                           data={"body": "Bien reçu.", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Message.body).order_by(Message.id.desc()).limit(1)) == "Bien reçu."
