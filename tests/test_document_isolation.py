"""Organization B never lists nor fetches organization A's folders, documents or versions:
every route of the documents blueprint, called by B's manager and member with A's ids (and
with ``?org=`` pointing at A), answers 404 and shows nothing of A's."""

from __future__ import annotations

import io

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_attachments import PDF, file_request

SECRET = "secret-de-A"


@pytest.fixture
def app(register_plugin, tmp_path):
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{tmp_path / 'objects'}")


@pytest.fixture
def org_a_objects(app, client_for, people):
    """A folder, a document in it (2 versions), a document in the trash and a document on a
    request, all of organization A."""
    from extranet.documents.models import Document, Folder
    from extranet.extensions import db

    manager = client_for(app, people.manager_a)
    token = csrf_token(manager, "/documents/")
    assert manager.post("/documents/sample/folders", data={"csrf_token": token, "name": f"{SECRET}-dossier",
                                                           "parent": "0"}).status_code == 303
    with app.app_context():
        folder = db.session.scalar(db.select(Folder.id))

    def upload(url, name, **extra):
        response = manager.post(url, data={"csrf_token": token, "visibility": "org", "category": "",
                                           "files": [(io.BytesIO(PDF), name)], **extra},
                                content_type="multipart/form-data")
        assert response.status_code == 303, response.get_data(as_text=True)[:500]

    upload("/documents/sample/upload", f"{SECRET}-doc.pdf", folder=str(folder))
    upload("/documents/sample/upload", f"{SECRET}-corbeille.pdf")
    reference = file_request(manager)
    upload(f"/documents/sample/requests/{reference}/upload", f"{SECRET}-demande.pdf")
    with app.app_context():
        ids = {d.title: d.id for d in db.session.scalars(db.select(Document))}
    doc, trashed, on_request = (ids[f"{SECRET}-{n}.pdf"] for n in ("doc", "corbeille", "demande"))
    assert manager.post(f"/documents/sample/files/{doc}/versions", data={
        "csrf_token": token, "files": [(io.BytesIO(PDF), "v2.pdf")]}, content_type="multipart/form-data").status_code == 303
    assert manager.post(f"/documents/sample/files/{trashed}/delete", data={"csrf_token": token}).status_code == 303
    return {"folder": folder, "doc": doc, "trashed": trashed, "on_request": on_request, "reference": reference}


def _urls(app, objects, org_id):
    """Every documents route, filled with A's ids, with ?org=A."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("documents.") or rule.endpoint in {"documents.index", "documents.quotas"}:
            continue
        for doc_id in (objects["doc"], objects["trashed"], objects["on_request"]):
            args = {"field": "sample", "folder_id": objects["folder"], "doc_id": doc_id, "number": 1,
                    "reference": objects["reference"], "org_id": org_id}
            url = rule.build({k: v for k, v in args.items() if k in rule.arguments}, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, f"{url}?org={org_id}"


@pytest.mark.parametrize("who", ["manager_b", "member_b"])
def test_organization_b_gets_404_everywhere(app, client_for, people, org_a_objects, who):
    client = client_for(app, getattr(people, who))
    token = csrf_token(client, "/documents/")
    checked = set()
    for endpoint, method, url in _urls(app, org_a_objects, people.org_a):
        if endpoint == "documents.set_quota":
            continue  # admin only: see test_admins_set_quotas
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "name": "x", "title": "x", "folder": "0",
                                              "visibility": "org", "parent": "0",
                                              "files": [(io.BytesIO(PDF), "x.pdf")]},
                                   content_type="multipart/form-data")
        assert response.status_code == 404, (endpoint, method, url, response.status_code)
        assert SECRET not in response.get_data(as_text=True), (endpoint, url)
        checked.add(endpoint)
    assert len(checked) >= 18

    # Their own space, with A's folder as the target, or A's ids under their own org: 404.
    b = people.org_b
    for url in (f"/documents/sample/folders/{org_a_objects['folder']}?org={b}",
                f"/documents/sample/files/{org_a_objects['doc']}?org={b}",
                f"/documents/sample/files/{org_a_objects['doc']}/versions/2"):
        assert client.get(url).status_code == 404
    response = client.post("/documents/sample/upload", data={
        "csrf_token": token, "visibility": "org", "folder": str(org_a_objects["folder"]),
        "files": [(io.BytesIO(PDF), "x.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 404
    response = client.post("/documents/sample/folders", data={
        "csrf_token": token, "name": "x", "parent": str(org_a_objects["folder"])})
    assert response.status_code == 404
    # Their own lists show nothing of A's.
    for url in ("/documents/", "/documents/sample/", "/documents/sample/trash"):
        response = client.get(url)
        assert SECRET not in response.get_data(as_text=True)


def test_organization_a_sees_its_own(app, client_for, people, org_a_objects):
    """The same ids work for A (so the 404s above are about B, not broken URLs)."""
    manager = client_for(app, people.manager_a)
    assert manager.get(f"/documents/sample/folders/{org_a_objects['folder']}").status_code == 200
    assert manager.get(f"/documents/sample/files/{org_a_objects['doc']}/versions/2").get_data() == PDF
    assert manager.get(f"/documents/sample/files/{org_a_objects['on_request']}/versions/1").get_data() == PDF
    assert f"{SECRET}-corbeille.pdf" in manager.get("/documents/sample/trash").get_data(as_text=True)
    assert manager.get(f"/documents/sample/files/{org_a_objects['doc']}?org={people.org_b}").status_code == 404


def test_an_other_field_in_the_url_is_404(app, client_for, people, org_a_objects):
    manager = client_for(app, people.manager_a)
    other = next(iter(f for f in app.extensions["extranet.plugins"].fields if f != "sample"))
    assert manager.get(f"/documents/{other}/files/{org_a_objects['doc']}").status_code == 404
    assert manager.get(f"/documents/{other}/folders/{org_a_objects['folder']}").status_code == 404
    assert manager.get(f"/documents/{other}/files/{org_a_objects['doc']}/versions/1").status_code == 404
