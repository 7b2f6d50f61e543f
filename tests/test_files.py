"""Message attachments and document versions are one kind of stored file: one table (and the
migration that moved both kinds into it without losing a file), one quota, one scan status,
one download path."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests.sample_plugin import SamplePlugin
from tests.test_attachments import PDF, PNG, counts, file_request, send, stored_files
from tests.test_documents import upload


@pytest.fixture
def app(register_plugin, storage_root):
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}")


def set_quota(app, org_id, quota):
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    with app.app_context():
        db.session.get(Organization, org_id).storage_quota = quota
        db.session.commit()


def usage(app, org_id):
    from extranet.extensions import db
    from extranet.files import quota
    from extranet.organizations.models import Organization

    with app.app_context():
        return quota.usage_of(db.session.get(Organization, org_id))


# -- one quota -------------------------------------------------------------------------------------


def test_an_organization_s_quota_counts_the_files_of_its_messages(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    assert send(member, reference, files=[(PDF, "devis.pdf")]).status_code == 303
    assert usage(app, people.org_a) == len(PDF) and usage(app, people.org_b) == 0
    assert upload(member, [(PNG, "photo.png")]).status_code == 303
    assert usage(app, people.org_a) == len(PDF) + len(PNG)

    set_quota(app, people.org_a, len(PDF) + len(PNG) + 10)
    response = upload(member, [(PDF, "encore.pdf")], htmx=True)
    assert "encore.pdf (" in response.get_data(as_text=True)
    assert "would exceed your organization&#39;s storage quota" in response.get_data(as_text=True)
    manager_page = client_for(app, people.manager_a).get("/documents/sample/").get_data(as_text=True)
    assert f'value="{len(PDF) + len(PNG)}"' in manager_page


def test_a_message_whose_files_do_not_fit_keeps_nothing(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    set_quota(app, people.org_a, len(PDF) + 10)
    response = send(member, reference, files=[(PDF, "devis.pdf"), (PNG, "photo.png")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "photo.png (" in html and "would exceed your organization&#39;s storage quota" in html
    assert "devis.pdf was not kept either" in html
    assert counts(app) == (0, 0) and stored_files(storage_root) == []
    # What fits is taken; a file when filing a request counts too.
    assert send(member, reference, files=[(PDF, "devis.pdf")]).status_code == 303
    assert usage(app, people.org_a) == len(PDF)


# -- one scan status and one download path -----------------------------------------------------


# The scan of message files against a real clamd, and a pending one not served until the worker
# finds it clean, are in test_virus_scans.py with the other kinds of file.


def test_a_document_version_is_never_reached_as_an_attachment(app, client_for, people):
    """One table holds both kinds: an attachment's address with a document version's id
    finds nothing."""
    from extranet.documents.models import DocumentVersion
    from extranet.extensions import db

    member = client_for(app, people.member_a)
    reference = file_request(member)
    assert send(member, reference, files=[(PDF, "devis.pdf")]).status_code == 303
    assert upload(member, [(PNG, "photo.png")]).status_code == 303
    with app.app_context():
        version_id = db.session.scalar(db.select(DocumentVersion.id))
    assert member.get(f"/requests/{reference}/attachments/{version_id}").status_code == 404


# -- the migration ---------------------------------------------------------------------------------


def _seed_before(bind, objects):
    """Rows as revision 0006 kept them: attachments (ids with gaps) on two organizations'
    requests, versions of their documents (each scan status), and a field resource's file."""
    tables = sa.MetaData()
    tables.reflect(bind)
    at = datetime(2026, 3, 1, 9, 30)
    bind.execute(tables.tables["users"].insert(), [
        {"id": 1, "email": "ann@example.org", "name": "Ann", "locale": "fr_CA", "is_admin": False,
         "is_expert": False, "active": True, "created_at": at},
    ])
    bind.execute(tables.tables["organizations"].insert(), [
        {"id": org, "name": f"Coop {org}", "kind": "cooperative", "active": True, "share_with_federation": False,
         "locale": "fr_CA", "created_at": at} for org in (1, 2)
    ])
    bind.execute(tables.tables["requests"].insert(), [
        {"id": rid, "reference": f"S-2026-000{rid}", "organization_id": org, "field": "sample", "type": "question",
         "title": "Une question", "description": "", "data": {}, "state": "submitted", "confidentiality": "standard",
         "priority": "normal", "requester_id": 1, "created_at": at, "updated_at": at, "state_changed_at": at,
         "version": 1} for rid, org in ((1, 1), (2, 2))
    ])
    bind.execute(tables.tables["messages"].insert(), [
        {"id": mid, "request_id": rid, "body": "", "internal": False, "created_at": at} for mid, rid in ((1, 1), (2, 2))
    ])
    attachments = [
        {"id": aid, "message_id": mid, "storage_key": obj.key, "filename": name, "size": obj.size,
         "sha256": obj.sha256, "mime": "application/pdf", "uploader_id": 1, "created_at": at}
        for (aid, mid, name), obj in zip(((5, 1, "a.pdf"), (9, 1, "b.pdf"), (12, 2, "c.pdf")), objects[:3], strict=True)
    ]
    bind.execute(tables.tables["attachments"].insert(), attachments)
    bind.execute(tables.tables["documents"].insert(), [
        {"id": did, "organization_id": org, "field": "sample", "title": title, "visibility": "org",
         "created_at": at, "updated_at": at} for did, org, title in ((1, 1, "Statuts"), (2, 2, "PV"), (3, None, "Guide"))
    ])
    versions = [
        {"id": vid, "document_id": did, "number": number, "storage_key": obj.key, "filename": name, "size": obj.size,
         "sha256": obj.sha256, "mime": "application/pdf", "scan_status": status, "uploader_id": uploader,
         "created_at": at}
        for (vid, did, number, name, status, uploader), obj in zip((
            (1, 1, 1, "statuts.pdf", "clean", 1), (2, 1, 2, "statuts-2.pdf", "pending", None),
            (3, 2, 1, "pv.pdf", "infected", 1), (4, 3, 1, "guide.pdf", "not_scanned", 1),
        ), objects[3:], strict=True)
    ]
    bind.execute(tables.tables["document_versions"].insert(), versions)
    return attachments, versions


def _file_versions(bind):
    columns = ("id", "kind", "message_id", "document_id", "number", "storage_key", "filename", "size", "sha256",
               "mime", "scan_status", "uploader_id")
    return [dict(zip(columns, row, strict=True)) for row in bind.execute(sa.text(
        f"SELECT {', '.join(columns)} FROM file_versions ORDER BY id"))]  # noqa: S608 - names of this test


def _rows(bind, table, columns):
    return [dict(zip(columns, row, strict=True))
            for row in bind.execute(sa.text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id"))]  # noqa: S608


def test_the_migration_to_one_table_keeps_every_file(migration_app):
    from flask_migrate import downgrade, upgrade

    from extranet.documents.models import Document, DocumentVersion
    from extranet.extensions import db
    from extranet.files import quota
    from extranet.files.check import check_storage
    from extranet.files.rescan import due_count
    from extranet.organizations.models import Organization
    from extranet.requests.models import Attachment, Message
    from extranet.storage import get_storage

    app = migration_app
    with app.app_context():
        upgrade(revision="0006")
        storage = get_storage()
        objects = [storage.save(io.BytesIO(b"%PDF-1.4\n" + bytes([65 + i]) * (10 + i) + b"\n%%EOF\n"))
                   for i in range(7)]
        with db.engine.begin() as bind:
            attachments, versions = _seed_before(bind, objects)

        upgrade(revision="0007")
        with db.engine.connect() as bind:
            moved = _file_versions(bind)
        # Attachments keep their ids (their download addresses); versions come after them.
        assert [(r["id"], r["kind"], r["message_id"], r["scan_status"]) for r in moved[:3]] == [
            (5, "attachment", 1, "not_scanned"), (9, "attachment", 1, "not_scanned"), (12, "attachment", 2, "not_scanned"),
        ]
        assert [(r["id"], r["kind"], r["document_id"], r["number"], r["scan_status"]) for r in moved[3:]] == [
            (13, "document", 1, 1, "clean"), (14, "document", 1, 2, "pending"), (15, "document", 2, 1, "infected"),
            (16, "document", 3, 1, "not_scanned"),
        ]
        for row, before in zip(moved, attachments + versions, strict=True):
            assert {k: row[k] for k in ("storage_key", "filename", "size", "sha256", "mime", "uploader_id")} == {
                k: before[k] for k in ("storage_key", "filename", "size", "sha256", "mime", "uploader_id")}
        assert sorted(r["storage_key"] for r in moved) == sorted(o.key for o in objects)
        assert not sa.inspect(db.engine).has_table("attachments")
        assert not sa.inspect(db.engine).has_table("document_versions")

        # 0009 adds the scan's bookkeeping: statuses kept, and the file left pending is due at
        # the worker's first pass (no next attempt set).
        upgrade(revision="0009")
        with db.engine.connect() as bind:
            assert _rows(bind, "file_versions", ["id", "scan_status", "scan_attempts", "next_scan_at", "scan_detail"]) == [
                {"id": r["id"], "scan_status": r["scan_status"], "scan_attempts": 0, "next_scan_at": None,
                 "scan_detail": ""} for r in moved]
        assert due_count() == 1
        # The application's session read file_versions: its transaction ends before the upgrade
        # changes the table's indexes (PostgreSQL would make the upgrade wait for it).
        db.session.rollback()

        # The application, whose models are the latest schema's, reads them through its two
        # kinds, and the checker finds every file.
        upgrade(revision="heads")
        assert [a.filename for a in db.session.get(Message, 1).attachments] == ["a.pdf", "b.pdf"]
        assert db.session.get(Attachment, 13) is None and db.session.get(DocumentVersion, 5) is None
        assert [(v.number, v.scan_status) for v in db.session.get(Document, 1).versions] == [(1, "clean"), (2, "pending")]
        report = check_storage(storage, verify=True)
        assert (report.objects, report.rows, report.orphans, report.missing, report.corrupt) == (7, 7, [], [], [])
        # One quota: organization 1 has two attachments and two versions; the resource's file counts for no one.
        sizes = {o.key: o.size for o in objects}
        assert quota.usage_of(db.session.get(Organization, 1)) == sum(
            sizes[r["storage_key"]] for r in moved if r["message_id"] == 1 or r["document_id"] == 1)
        assert quota.usage_of(db.session.get(Organization, 2)) == objects[2].size + objects[5].size
        # New rows take ids after the moved ones (PostgreSQL's sequence was moved on).
        added = storage.save(io.BytesIO(PDF))
        message = db.session.get(Message, 2)
        message.attachments.append(Attachment(
            storage_key=added.key, filename="d.pdf", size=added.size, sha256=added.sha256, mime="application/pdf"))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.max(Attachment.id))) == 17
        db.session.remove()

        downgrade(revision="0006")
        with db.engine.connect() as bind:
            back = _rows(bind, "attachments", list(attachments[0]))
            back_versions = _rows(bind, "document_versions", list(versions[0]))
        assert [{k: v for k, v in r.items() if k != "created_at"} for r in back[:3]] == [
            {k: v for k, v in r.items() if k != "created_at"} for r in attachments]
        assert [r["filename"] for r in back] == ["a.pdf", "b.pdf", "c.pdf", "d.pdf"]
        assert [{k: v for k, v in r.items() if k not in ("id", "created_at")} for r in back_versions] == [
            {k: v for k, v in r.items() if k not in ("id", "created_at")} for r in versions]

        upgrade(revision="heads")
        with db.engine.connect() as bind:
            again = _file_versions(bind)
        assert sorted(r["storage_key"] for r in again) == sorted([o.key for o in objects] + [added.key])
        assert check_storage(storage).clean
        assert hashlib.sha256(PDF).hexdigest() in {r["sha256"] for r in again}
        db.session.remove()
        db.engine.dispose()
