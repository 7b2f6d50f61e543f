"""Document spaces end to end: uploads (several files, versions), folders, visibility,
documents on requests, trash and purge, quotas, categories, refused files and failures."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_attachments import EXE, PDF, PNG, file_request, stored_files

DOC_RE = re.compile(r'href="/documents/sample/files/(\d+)\?org=\d+"')


@pytest.fixture
def app(register_plugin, storage_root):
    """The sample field (with two document categories), storage in a temporary folder."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}")


def token(client) -> str:
    return csrf_token(client, "/documents/")


def upload(client, files, field="sample", folder=0, visibility="org", category="", org=None, htmx=False):
    """Upload ``files`` (pairs of bytes and name) into a space."""
    query = f"?org={org}" if org else ""
    data = {"csrf_token": token(client), "visibility": visibility, "category": category, "folder": str(folder),
            "files": [(io.BytesIO(d), n) for d, n in files]}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/documents/{field}/upload{query}", data=data, headers=headers,
                       content_type="multipart/form-data")


def new_version(client, doc_id, data, name, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/documents/sample/files/{doc_id}/versions",
                       data={"csrf_token": token(client), "files": [(io.BytesIO(data), name)]},
                       headers=headers, content_type="multipart/form-data")


def rows(app):
    from extranet.documents.models import Document
    from extranet.extensions import db

    with app.app_context():
        return [
            {"id": d.id, "title": d.title, "folder": d.folder_id, "visibility": d.visibility, "org": d.organization_id,
             "request": d.request_id, "deleted": d.deleted_at,
             "versions": [(v.number, v.filename, v.size, v.sha256, v.storage_key, v.mime) for v in d.versions]}
            for d in db.session.scalars(db.select(Document).order_by(Document.id))
        ]


def counts(app):
    from extranet.documents.models import Document, DocumentVersion
    from extranet.extensions import db

    with app.app_context():
        return (db.session.scalar(db.select(db.func.count()).select_from(Document)),
                db.session.scalar(db.select(db.func.count()).select_from(DocumentVersion)))


def audit_actions(app):
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db

    with app.app_context():
        return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
                if e.action.startswith("documents.")]


def doc_id_by_title(app, title):
    from extranet.documents.models import Document
    from extranet.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(Document.id).where(Document.title == title))


def set_columns(app, model, row_id, **values):
    from extranet.extensions import db

    with app.app_context():
        obj = db.session.get(model, row_id)
        for key, value in values.items():
            setattr(obj, key, value)
        db.session.commit()


# -- uploads, listing, downloads ---------------------------------------------------------------


def test_several_files_at_once_are_listed_and_downloaded(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    page = member.get("/documents/sample/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "No document here yet" in html and 'type="file"' in html and "multiple" in html
    assert 'data-upload' in html and "upload.js" in html

    files = [(PDF, "Procès-verbal été.pdf"), (b"Nom;Montant\nA;1\n", "montants.csv")]
    response = upload(member, files)
    assert response.status_code == 303 and response.location.endswith(f"/documents/sample/?org={people.org_a}")
    found = rows(app)
    assert [d["title"] for d in found] == ["Procès-verbal été.pdf", "montants.csv"]
    for d, (data, name) in zip(found, files, strict=True):
        ((number, filename, size, sha, key, _mime),) = d["versions"]
        assert (number, filename, size, sha) == (1, name, len(data), hashlib.sha256(data).hexdigest())
        assert re.fullmatch(r"[0-9a-f]{32}", key) and d["org"] == people.org_a and d["folder"] is None
    assert sorted(p.name for p in stored_files(storage_root)) == sorted(d["versions"][0][4] for d in found)

    html = member.get("/documents/sample/").get_data(as_text=True)
    assert "Procès-verbal été.pdf is saved." in html and "montants.csv is saved." in html
    assert "Procès-verbal été.pdf" in html and "montants.csv" in html and "Member A" in html
    assert "Whole organization" in html and "No document here yet" not in html
    assert len(DOC_RE.findall(html)) == 2

    doc_id = found[0]["id"]
    download = member.get(f"/documents/sample/files/{doc_id}/versions/1")
    assert download.status_code == 200 and download.get_data() == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote('Procès-verbal été.pdf')}" in disposition
    # Colleagues, the field's expert and admins read it too.
    for person in (people.manager_a, people.expert, people.admin):
        assert client_for(app, person).get(f"/documents/sample/files/{doc_id}/versions/1").get_data() == PDF
    assert audit_actions(app)[:2] == ["documents.uploaded", "documents.uploaded"]
    assert "documents.downloaded" in audit_actions(app)


def test_htmx_upload_returns_the_space_fragment(app, client_for, people):
    member = client_for(app, people.member_a)
    response = upload(member, [(PDF, "a.pdf"), (PNG, "b.png")], htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "a.pdf is saved." in html and "b.png is saved." in html
    refused = upload(member, [(EXE, "c.pdf")], htmx=True)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "<html" not in html and "c.pdf is a program or a script" in html and 'aria-invalid="true"' in html


def test_choosing_no_file_is_an_error(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    response = upload(member, [(b"", "")])
    assert response.status_code == 422 and "Choose at least one file." in response.get_data(as_text=True)
    assert counts(app) == (0, 0) and stored_files(storage_root) == []


def test_new_versions_and_their_history(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    assert upload(member, [(b"version one\n", "rapport.txt")]).status_code == 303
    doc_id = doc_id_by_title(app, "rapport.txt")
    assert new_version(member, doc_id, b"version two\n", "rapport-v2.txt").status_code == 303
    manager = client_for(app, people.manager_a)
    response = new_version(manager, doc_id, b"version three\n", "rapport-v3.txt", htmx=True)
    assert response.status_code == 200 and "rapport-v3.txt is saved as version 3." in response.get_data(as_text=True)

    (doc,) = rows(app)
    assert doc["title"] == "rapport.txt"
    assert [(v[0], v[1]) for v in doc["versions"]] == [(1, "rapport.txt"), (2, "rapport-v2.txt"), (3, "rapport-v3.txt")]
    assert len(stored_files(storage_root)) == 3
    page = member.get(f"/documents/sample/files/{doc_id}").get_data(as_text=True)
    for number, _name, _size, sha, _key, _mime in doc["versions"]:
        assert sha[:12] in page and f"/documents/sample/files/{doc_id}/versions/{number}" in page
    assert "Manager A" in page and "Member A" in page
    assert member.get(f"/documents/sample/files/{doc_id}/versions/1").get_data() == b"version one\n"
    assert member.get(f"/documents/sample/files/{doc_id}/versions/3").get_data() == b"version three\n"
    assert member.get(f"/documents/sample/files/{doc_id}/versions/4").status_code == 404
    # A refused new version leaves the history as it was.
    bad = new_version(member, doc_id, EXE, "rapport.txt")
    assert bad.status_code == 422 and "is a program or a script" in bad.get_data(as_text=True)
    assert len(rows(app)[0]["versions"]) == 3 and len(stored_files(storage_root)) == 3
    assert audit_actions(app).count("documents.new_version") == 2
    # Another member may read it but not replace a colleague's document.
    other = client_for(app, people.member_a)
    assert other.get(f"/documents/sample/files/{doc_id}").status_code == 200


def test_members_cannot_change_a_colleagues_document(app, client_for, people, db_people_extra):
    colleague = db_people_extra
    member = client_for(app, people.member_a)
    assert upload(member, [(PDF, "mine.pdf")]).status_code == 303
    doc_id = doc_id_by_title(app, "mine.pdf")
    other = client_for(app, colleague)
    assert other.get(f"/documents/sample/files/{doc_id}").status_code == 200
    assert new_version(other, doc_id, PDF, "x.pdf").status_code == 404
    response = other.post(f"/documents/sample/files/{doc_id}/rename", data={"csrf_token": token(other), "title": "x"})
    assert response.status_code == 404
    assert other.get(f"/documents/sample/files/{doc_id}/delete").status_code == 404


@pytest.fixture
def db_people_extra(app, people):
    """A second member of organization A."""
    from extranet.extensions import db
    from extranet.organizations.models import Membership
    from extranet.testing import create_person

    with app.app_context():
        person = create_person("colleague.a@test.org", "Colleague A")
        db.session.add(Membership(user_id=person.id, organization_id=people.org_a, role="member"))
        db.session.commit()
    return person


# -- folders ----------------------------------------------------------------------------------


def test_folders_create_rename_move_delete(app, client_for, people):
    from extranet.documents.models import Folder
    from extranet.extensions import db

    manager = client_for(app, people.manager_a)
    response = manager.post(f"/documents/sample/folders?org={people.org_a}",
                            data={"csrf_token": token(manager), "name": "Contrats", "parent": "0"})
    assert response.status_code == 303
    with app.app_context():
        contrats = db.session.scalar(db.select(Folder).where(Folder.name == "Contrats")).id
    assert response.location.endswith(f"/documents/sample/folders/{contrats}?org={people.org_a}")
    response = manager.post("/documents/sample/folders",
                            data={"csrf_token": token(manager), "name": "2026", "parent": str(contrats)})
    assert response.status_code == 303
    with app.app_context():
        year = db.session.scalar(db.select(Folder).where(Folder.name == "2026")).id
    # Same name twice in one place, or a path-like name: refused.
    for name, error in (("Contrats", "already a folder named"), ("../etc", "nor hold a slash"), ("..", "cannot be empty")):
        response = manager.post("/documents/sample/folders", data={"csrf_token": token(manager), "name": name, "parent": "0"})
        assert response.status_code == 422 and error in response.get_data(as_text=True)

    member = client_for(app, people.member_a)
    assert upload(member, [(PDF, "bail.pdf")], folder=year).status_code == 303
    assert rows(app)[0]["folder"] == year
    page = member.get(f"/documents/sample/folders/{year}").get_data(as_text=True)
    assert "bail.pdf" in page and "Breadcrumbs" in page and f"/documents/sample/folders/{contrats}" in page
    assert "Create the folder" not in page  # members do not manage folders
    root = member.get("/documents/sample/").get_data(as_text=True)
    assert "Contrats" in root and "bail.pdf" not in root
    response = member.post("/documents/sample/folders", data={"csrf_token": token(member), "name": "X", "parent": "0"})
    assert response.status_code == 404

    rename = manager.post(f"/documents/sample/folders/{contrats}/rename",
                          data={"csrf_token": token(manager), "rename-name": "Ententes"})
    assert rename.status_code == 303
    # Into itself or one of its subfolders: refused.
    move = manager.post(f"/documents/sample/folders/{contrats}/move", data={"csrf_token": token(manager), "folder": str(year)})
    assert move.status_code == 303
    assert "cannot be moved into itself" in manager.get(move.location).get_data(as_text=True)
    assert manager.post(f"/documents/sample/folders/{year}/move",
                        data={"csrf_token": token(manager), "folder": "0"}).status_code == 303
    # Not empty: refused; once the document is moved out, deleted.
    delete = manager.post(f"/documents/sample/folders/{year}/delete", data={"csrf_token": token(manager)})
    assert "Only an empty folder can be deleted" in manager.get(delete.location).get_data(as_text=True)
    doc_id = rows(app)[0]["id"]
    assert manager.post(f"/documents/sample/files/{doc_id}/move",
                        data={"csrf_token": token(manager), "folder": str(contrats)}).status_code == 303
    assert rows(app)[0]["folder"] == contrats
    assert manager.post(f"/documents/sample/folders/{year}/delete", data={"csrf_token": token(manager)}).status_code == 303
    with app.app_context():
        assert [(f.name, f.parent_id) for f in db.session.scalars(db.select(Folder))] == [("Ententes", None)]
    actions = audit_actions(app)
    for action in ("documents.folder_created", "documents.folder_renamed", "documents.folder_moved",
                   "documents.folder_deleted", "documents.moved"):
        assert action in actions


def test_pagination_of_the_list(register_plugin, client_for, people, storage_root):
    small = register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}", PAGE_SIZE=2)
    member = client_for(small, people.member_a)
    assert upload(member, [(f"file {i}\n".encode(), f"doc{i}.txt") for i in range(5)]).status_code == 303
    member.get("/documents/sample/")  # shows (and so clears) the message of each file saved
    first = member.get("/documents/sample/").get_data(as_text=True)
    assert "doc0.txt" in first and "doc2.txt" not in first and "Page 1 of 3" in first
    third = member.get("/documents/sample/?page=3").get_data(as_text=True)
    assert "doc4.txt" in third and "doc0.txt" not in third


# -- changes, visibility ------------------------------------------------------------------------


def test_rename_and_visibility_changes(app, client_for, people):
    expert = client_for(app, people.expert)
    assert upload(expert, [(PDF, "analyse.pdf")], org=people.org_a).status_code == 303
    doc_id = doc_id_by_title(app, "analyse.pdf")
    page = expert.get(f"/documents/sample/files/{doc_id}").get_data(as_text=True)
    assert 'value="internal"' in page
    response = expert.post(f"/documents/sample/files/{doc_id}/rename",
                           data={"csrf_token": token(expert), "title": "../Analyse <finale>.pdf"})
    assert response.status_code == 303
    assert rows(app)[0]["title"] == "Analyse _finale_.pdf"
    response = expert.post(f"/documents/sample/files/{doc_id}/visibility",
                           data={"csrf_token": token(expert), "visibility": "internal"})
    assert response.status_code == 303 and rows(app)[0]["visibility"] == "internal"

    member, manager = client_for(app, people.member_a), client_for(app, people.manager_a)
    for client in (member, manager):
        assert "Analyse _finale_.pdf" not in client.get("/documents/sample/").get_data(as_text=True)
        assert client.get(f"/documents/sample/files/{doc_id}").status_code == 404
        assert client.get(f"/documents/sample/files/{doc_id}/versions/1").status_code == 404
    assert client_for(app, people.admin).get(f"/documents/sample/files/{doc_id}/versions/1").get_data() == PDF
    # A member cannot choose "internal" (nor an unknown value).
    assert upload(member, [(PDF, "x.pdf")], visibility="internal").status_code == 422
    member_page = member.get("/documents/sample/").get_data(as_text=True)
    assert 'value="internal"' not in member_page
    assert audit_actions(app)[1:3] == ["documents.renamed", "documents.visibility"]


def test_documents_on_a_request(app, client_for, people, db_people_extra):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    detail = member.get(f"/requests/{reference}").get_data(as_text=True)
    fragment_url = f"/documents/sample/requests/{reference}"
    # The card comes with the page (read without JavaScript), its upload form posting to its route.
    panel = detail.split('<div id="panel-documents">', 1)[1]
    assert 'id="request-documents"' in panel and f'action="{fragment_url}/upload"' in panel

    response = member.post(f"{fragment_url}/upload", data={
        "csrf_token": token(member), "visibility": "org", "category": "",
        "files": [(io.BytesIO(PDF), "pour-tous.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 303 and response.location.endswith(f"/requests/{reference}#panel-documents")
    response = member.post(f"{fragment_url}/upload", data={
        "csrf_token": token(member), "visibility": "restricted", "category": "",
        "files": [(io.BytesIO(PNG), "confidentiel.png")]}, headers={"HX-Request": "true"},
        content_type="multipart/form-data")
    assert response.status_code == 200 and "confidentiel.png" in response.get_data(as_text=True)
    found = {d["title"]: d for d in rows(app)}
    assert found["pour-tous.pdf"]["request"] is not None and found["pour-tous.pdf"]["folder"] is None
    shared, restricted = found["pour-tous.pdf"]["id"], found["confidentiel.png"]["id"]

    listing = member.get(fragment_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in listing and "pour-tous.pdf" in listing and "confidentiel.png" in listing
    # A colleague sees the request (standard) and its "org" document, not the restricted one.
    colleague = client_for(app, db_people_extra)
    listing = colleague.get(fragment_url).get_data(as_text=True)
    assert "pour-tous.pdf" in listing and "confidentiel.png" not in listing
    assert colleague.get(f"/documents/sample/files/{shared}/versions/1").get_data() == PDF
    assert colleague.get(f"/documents/sample/files/{restricted}/versions/1").status_code == 404
    # Request documents are not in the space's folder listing.
    assert "pour-tous.pdf" not in member.get("/documents/sample/").get_data(as_text=True)
    # The field's expert (nobody assigned yet) sees both.
    expert = client_for(app, people.expert)
    assert expert.get(f"/documents/sample/files/{restricted}/versions/1").get_data() == PNG
    # Once the request is restricted, its documents follow: the colleague loses both.
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        from extranet.extensions import db

        req_id = db.session.scalar(db.select(ServiceRequest.id).where(ServiceRequest.reference == reference))
    set_columns(app, ServiceRequest, req_id, confidentiality="restricted")
    assert colleague.get(fragment_url).status_code == 404
    assert colleague.get(f"/documents/sample/files/{shared}/versions/1").status_code == 404
    assert member.get(f"/documents/sample/files/{restricted}/versions/1").get_data() == PNG


# -- trash ------------------------------------------------------------------------------------


def test_trash_restore_within_30_days_and_purge(app, client_for, people, storage_root):
    from extranet.db_types import utcnow
    from extranet.documents.models import Document

    member = client_for(app, people.member_a)
    assert upload(member, [(PDF, "ancien.pdf")]).status_code == 303
    doc_id = doc_id_by_title(app, "ancien.pdf")
    assert new_version(member, doc_id, b"%PDF-1.4\nv2\n%%EOF\n", "ancien.pdf").status_code == 303
    assert len(stored_files(storage_root)) == 2

    confirm = member.get(f"/documents/sample/files/{doc_id}/delete")
    assert confirm.status_code == 200 and "Move to the trash" in confirm.get_data(as_text=True)
    response = member.post(f"/documents/sample/files/{doc_id}/delete", data={"csrf_token": token(member)})
    assert response.status_code == 303 and rows(app)[0]["deleted"] is not None
    assert "ancien.pdf</a>" not in member.get("/documents/sample/").get_data(as_text=True)
    assert member.get(f"/documents/sample/files/{doc_id}").status_code == 404
    assert member.get(f"/documents/sample/files/{doc_id}/versions/1").status_code == 404
    assert member.get("/documents/sample/trash").status_code == 404  # members have no trash
    assert member.post(f"/documents/sample/trash/{doc_id}/restore", data={"csrf_token": token(member)}).status_code == 404

    manager = client_for(app, people.manager_a)
    trash = manager.get("/documents/sample/trash").get_data(as_text=True)
    assert "ancien.pdf" in trash and "Restore" in trash
    assert manager.post(f"/documents/sample/trash/{doc_id}/restore", data={"csrf_token": token(manager)}).status_code == 303
    assert rows(app)[0]["deleted"] is None
    assert "ancien.pdf" in member.get("/documents/sample/").get_data(as_text=True)

    # Deleted 31 days ago: no longer restorable, still purgeable.
    assert manager.post(f"/documents/sample/files/{doc_id}/delete", data={"csrf_token": token(manager)}).status_code == 303
    set_columns(app, Document, doc_id, deleted_at=utcnow() - timedelta(days=31))
    assert "Restore" not in manager.get("/documents/sample/trash").get_data(as_text=True)
    assert manager.post(f"/documents/sample/trash/{doc_id}/restore", data={"csrf_token": token(manager)}).status_code == 404
    confirm = manager.get(f"/documents/sample/trash/{doc_id}/purge")
    assert confirm.status_code == 200 and "2 versions will be erased" in confirm.get_data(as_text=True)
    assert member.post(f"/documents/sample/trash/{doc_id}/purge", data={"csrf_token": token(member)}).status_code == 404
    assert manager.post(f"/documents/sample/trash/{doc_id}/purge", data={"csrf_token": token(manager)}).status_code == 303
    assert counts(app) == (0, 0) and stored_files(storage_root) == []
    assert "The trash is empty." in manager.get("/documents/sample/trash").get_data(as_text=True)
    actions = audit_actions(app)
    assert actions.count("documents.deleted") == 2
    assert "documents.restored" in actions and actions[-1] == "documents.purged"


def test_purge_trash_command(app, client_for, people, storage_root):
    from extranet.db_types import utcnow
    from extranet.documents.models import Document

    member = client_for(app, people.member_a)
    assert upload(member, [(PDF, "vieux.pdf"), (PNG, "recent.png"), (b"kept\n", "garde.txt")]).status_code == 303
    old, recent = doc_id_by_title(app, "vieux.pdf"), doc_id_by_title(app, "recent.png")
    set_columns(app, Document, old, deleted_at=utcnow() - timedelta(days=31))
    set_columns(app, Document, recent, deleted_at=utcnow() - timedelta(days=5))
    result = app.test_cli_runner().invoke(args=["documents", "purge-trash"])
    assert result.exit_code == 0 and "1 document(s) purged" in result.output
    assert sorted(d["title"] for d in rows(app)) == ["garde.txt", "recent.png"]
    assert len(stored_files(storage_root)) == 2


# -- quotas and categories ----------------------------------------------------------------------


def test_quota_refuses_an_upload_and_managers_see_usage(app, client_for, people, storage_root):
    from extranet.organizations.models import Organization

    set_columns(app, Organization, people.org_a, storage_quota=len(PDF) + 10)
    member = client_for(app, people.member_a)
    assert upload(member, [(PDF, "un.pdf")]).status_code == 303
    response = upload(member, [(PNG, "deux.png"), (b"abc\n", "trois.txt")], htmx=True)
    # Each file is its own upload: what still fits is kept.
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "deux.png (" in html and "would exceed your organization&#39;s storage quota" in html
    assert "trois.txt is saved." in html
    assert counts(app) == (2, 2) and len(stored_files(storage_root)) == 2
    doc_id = doc_id_by_title(app, "un.pdf")
    assert new_version(member, doc_id, PDF, "un.pdf").status_code == 422

    manager_page = client_for(app, people.manager_a).get("/documents/sample/").get_data(as_text=True)
    assert '<meter id="storage-meter"' in manager_page and f'value="{len(PDF) + 4}"' in manager_page
    assert "used (" in manager_page
    assert "storage-meter" not in member.get("/documents/sample/").get_data(as_text=True)
    # Organization B has its own (default) quota.
    assert upload(client_for(app, people.member_b), [(PNG, "b.png")]).status_code == 303


def test_admins_set_quotas(app, client_for, people):
    from extranet.extensions import db
    from extranet.organizations.models import Organization

    for person in (people.manager_a, people.member_a, people.expert):
        client = client_for(app, person)
        assert client.get("/documents/quotas").status_code == 404
        assert client.post(f"/documents/quotas/{people.org_a}", data={"csrf_token": token(client)}).status_code == 404
    admin = client_for(app, people.admin)
    page = admin.get("/documents/quotas").get_data(as_text=True)
    assert "Coopérative A" in page and "(default)" in page and "<meter" in page
    response = admin.post(f"/documents/quotas/{people.org_a}",
                          data={"csrf_token": token(admin), f"org{people.org_a}-quota": "1.5"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Organization, people.org_a).storage_quota == 1_500_000_000
    response = admin.post(f"/documents/quotas/{people.org_a}",
                          data={"csrf_token": token(admin), f"org{people.org_a}-quota": "-3"})
    assert response.status_code == 422
    assert admin.post(f"/documents/quotas/{people.org_a}",
                      data={"csrf_token": token(admin), f"org{people.org_a}-quota": ""}).status_code == 303
    with app.app_context():
        assert db.session.get(Organization, people.org_a).storage_quota is None
    assert "documents.quota_changed" in audit_actions(app)


def test_categories_restrict_types_and_size(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    response = upload(member, [(b"just text\n", "notes.txt")], category="scans")
    assert response.status_code == 422
    assert "notes.txt is not accepted in the category “Scans”." in response.get_data(as_text=True)
    big = b"%PDF-1.4\n" + b"x" * 3000
    assert upload(member, [(PDF, "x.pdf")], category="nope").status_code == 422
    assert counts(app) == (0, 0) and stored_files(storage_root) == []
    response = upload(member, [(PDF, "ok.pdf"), (big, "gros.pdf")], category="scans", htmx=True)
    assert response.status_code == 200 and "gros.pdf is larger than the limit" in response.get_data(as_text=True)
    assert counts(app) == (1, 1) and len(stored_files(storage_root)) == 1
    assert upload(member, [(PDF, "ok.pdf"), (PNG, "photo.png")], category="scans").status_code == 303
    assert upload(member, [(big, "gros.pdf"), (b"text\n", "t.txt")], category="any").status_code == 303
    assert upload(member, [(b"text\n", "u.txt")]).status_code == 303
    assert counts(app) == (6, 6)


# -- refused files, failures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"<!DOCTYPE html>\n<html><script>alert(1)</script></html>", "facture.pdf", "facture.pdf is a web page or an SVG image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.png", "logo.png is a web page"),
        (EXE, "rapport.docx", "rapport.docx is a program or a script"),
        (b"#!/bin/sh\nrm -rf /\n", "notes.txt", "notes.txt is a program or a script"),
    ],
)
def test_malicious_files_are_refused(app, client_for, people, storage_root, data, name, expected):
    member = client_for(app, people.member_a)
    response = upload(member, [(data, name)])
    assert response.status_code == 422 and expected in response.get_data(as_text=True)
    assert counts(app) == (0, 0) and stored_files(storage_root) == []


@pytest.mark.parametrize(
    ("name", "shown"),
    [("../../etc/passwd.txt", "passwd.txt"), ("....//....//secret.txt", "secret.txt"), ("bad<b>.txt", "bad_b_.txt")],
)
def test_path_traversal_names_are_sanitized(app, client_for, people, storage_root, tmp_path, name, shown):
    member = client_for(app, people.member_a)
    assert upload(member, [(b"root:x:0:0\n", name)]).status_code == 303
    (doc,) = rows(app)
    assert doc["title"] == shown and doc["versions"][0][1] == shown
    key = doc["versions"][0][4]
    assert stored_files(storage_root) == [storage_root / key[:2] / key[2:4] / key]
    assert not (tmp_path / "etc").exists()
    download = member.get(f"/documents/sample/files/{doc['id']}/versions/1")
    assert "/" not in download.headers["Content-Disposition"].split("filename", 1)[1]


def test_a_storage_failure_mid_way_leaves_nothing(app, client_for, people, storage_root, fill_disk):
    member = client_for(app, people.member_a)
    writes = fill_disk(3)
    response = upload(member, [(b"a" * (1024 * 1024 + 10), "un.txt"), (b"b" * (1024 * 1024 + 10), "deux.txt")],
                      htmx=True)
    assert len(writes) == 3 and response.status_code == 200
    assert "deux.txt could not be saved" in response.get_data(as_text=True)
    # un.txt is its own upload and is kept; nothing is left of deux.txt.
    (doc,) = rows(app)
    assert doc["title"] == "un.txt" and len(stored_files(storage_root)) == 1


@pytest.mark.parametrize("what", ["upload", "version"])
def test_a_failing_commit_leaves_no_file_and_no_row(app, client_for, people, storage_root, monkeypatch,
                                                    break_commit, what):
    member = client_for(app, people.member_a)
    doc_id = None
    if what == "version":
        assert upload(member, [(PDF, "base.pdf")]).status_code == 303
        doc_id = doc_id_by_title(app, "base.pdf")
    before_files, before_rows = stored_files(storage_root), counts(app)
    csrf = token(member)
    seen = break_commit(lambda: len(stored_files(storage_root)))
    with pytest.raises(RuntimeError, match="went away"):
        if what == "upload":
            member.post("/documents/sample/upload", data={
                "csrf_token": csrf, "visibility": "org", "files": [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PNG), "b.png")],
            }, content_type="multipart/form-data")
        else:
            member.post(f"/documents/sample/files/{doc_id}/versions", data={
                "csrf_token": csrf, "files": [(io.BytesIO(PNG), "b.png")]}, content_type="multipart/form-data")
    monkeypatch.undo()
    assert seen == [len(before_files) + 1]  # the first file's commit failed: nothing more was tried
    assert stored_files(storage_root) == before_files and counts(app) == before_rows


@pytest.mark.parametrize(("status", "message"), [("pending", "still being checked"), ("infected", "contain a virus")])
def test_a_version_pending_scan_or_infected_cannot_be_downloaded(app, client_for, people, status, message):
    from extranet.documents.models import DocumentVersion
    from extranet.extensions import db

    member = client_for(app, people.member_a)
    assert upload(member, [(PDF, "scan.pdf")]).status_code == 303
    doc_id = doc_id_by_title(app, "scan.pdf")
    with app.app_context():
        version_id = db.session.scalar(db.select(DocumentVersion.id))
    set_columns(app, DocumentVersion, version_id, scan_status=status)
    response = member.get(f"/documents/sample/files/{doc_id}/versions/1")
    assert response.status_code == 409 and PDF not in response.get_data()
    assert message in response.get_data(as_text=True)
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert message in member.get(f"/documents/sample/files/{doc_id}").get_data(as_text=True)


def test_a_tampered_version_is_refused(app, client_for, people, storage_root):
    member = client_for(app, people.member_a)
    assert upload(member, [(b"%PDF-1.4\noriginal\n%%EOF\n", "c.pdf")]).status_code == 303
    (path,) = stored_files(storage_root)
    path.write_bytes(b"%PDF-1.4\nforged!!\n%%EOF\n")
    response = member.get(f"/documents/sample/files/{rows(app)[0]['id']}/versions/1")
    assert response.status_code == 500 and b"forged" not in response.get_data()


# -- navigation -----------------------------------------------------------------------------------


def test_index_and_staff_reach_organizations(app, client_for, people):
    member = client_for(app, people.member_a)
    index = member.get("/documents/").get_data(as_text=True)
    assert f'href="/documents/sample/?org={people.org_a}"' in index
    assert 'href="/documents/"' in index  # the menu entry
    expert = client_for(app, people.expert)
    index = expert.get("/documents/").get_data(as_text=True)
    assert 'action="/documents/sample/"' in index and "Coopérative A" in index and "Coopérative B" in index
    assert expert.get("/documents/sample/").status_code == 404  # staff choose an organization
    page = expert.get(f"/documents/sample/?org={people.org_b}")
    assert page.status_code == 200 and "Coopérative B" in page.get_data(as_text=True)
    assert client_for(app, people.admin).get(f"/documents/sample/?org={people.org_a}").status_code == 200
    assert member.get("/documents/nosuchfield/").status_code == 404
    assert member.get("/documents/sample/?org=abc").status_code == 404


def test_demo_documents(app):
    from extranet.demo import load_demo
    from extranet.documents.models import Document
    from extranet.extensions import db
    from extranet.storage import get_storage

    with app.app_context():
        load_demo("demo-password")
        first = db.session.scalar(db.select(db.func.count()).select_from(Document))
        load_demo("demo-password")
        assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == first
        docs = db.session.scalars(db.select(Document).where(Document.organization_id.is_not(None))).all()
        assert len({d.organization_id for d in docs}) >= 2
        assert any(len(d.versions) == 2 for d in docs)
        storage = get_storage()
        for doc in docs:
            for version in doc.versions:
                if version.storage_key:
                    assert storage.sha256(version.storage_key) == version.sha256


# Uploads scanned by a real clamd (EICAR refused, a clean file served, a pending one not served
# until the worker finds it clean) are in test_virus_scans.py with the other kinds of file.
