"""The resource library of a field, end to end: who sees what, publishing, search, filters,
pagination, the "new since my last visit" badge, refused files, download."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
PDF2 = b"%PDF-1.4\n% version 2\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
LIBRARY = "/resources/sample/"


@pytest.fixture
def app(register_plugin, storage_root):
    """The sample field with a small page size. ``people`` (built on this app) subscribes
    organizations A and B to it and makes the expert its expert."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}", PAGE_SIZE=3)


@pytest.fixture
def cast(app, people):
    """Organization B does not subscribe to the sample field (A does)."""
    from extranet.extensions import db
    from extranet.organizations.models import Subscription

    with app.app_context():
        db.session.execute(
            db.delete(Subscription).where(Subscription.organization_id == people.org_b, Subscription.field == "sample")
        )
        db.session.commit()
    return people


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def publish(client, title="Guide de l'assemblée", data=PDF, filename="guide.pdf", publish=True, **fields):
    form = {
        "title": title, "summary": fields.pop("summary", "Un guide."), "language": fields.pop("language", "both"),
        "category": fields.pop("category", "guide"), "file": (io.BytesIO(data), filename),
        "csrf_token": csrf_token(client, LIBRARY),
    }
    if publish:
        form["publish"] = "y"
    return client.post("/resources/sample/new", data=form, content_type="multipart/form-data")


def resources(app) -> list[dict]:
    from extranet.extensions import db
    from extranet.resources.models import Resource

    with app.app_context():
        return [
            {"id": r.id, "title": r.title, "published": r.published, "published_at": r.published_at,
             "document": r.document_id, "organization": r.document.organization_id,
             "versions": [(v.number, v.filename, v.sha256, v.storage_key, v.mime) for v in r.document.versions]}
            for r in db.session.scalars(db.select(Resource).order_by(Resource.id))
        ]


def add_resource(app, title, *, published=True, days_ago=1, language="both", category="guide", summary=""):
    """A resource straight in the database (its file is not stored: for lists only)."""
    from extranet.db_types import utcnow
    from extranet.documents.models import Document, DocumentVersion
    from extranet.extensions import db
    from extranet.resources.models import Resource
    from extranet.storage import new_key

    with app.app_context():
        document = Document(organization_id=None, field="sample", title=title, visibility="org")
        document.versions.append(DocumentVersion(number=1, storage_key=new_key(), filename="f.pdf", size=3,
                                                 sha256="0" * 64, mime="application/pdf"))
        resource = Resource(field="sample", title=title, summary=summary, language=language, category=category,
                            published=published, document=document,
                            published_at=utcnow() - timedelta(days=days_ago) if published else None)
        db.session.add(resource)
        db.session.commit()
        return resource.id


def audit_actions(app) -> list[str]:
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db

    with app.app_context():
        return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))
                if e.action.startswith("resource.")]


def titles(html: str) -> list[str]:
    return re.findall(r'<li class="card resource" id="resource-\d+">\s*<h2>\s*(?:<a [^>]*>)?([^<]+)', html)


# -- who sees what ------------------------------------------------------------------------------


def test_members_of_a_subscribed_organization_read_published_resources(app, cast, client_for, storage_root):
    expert = client_for(app, cast.expert)
    response = publish(expert, "Guide de l'assemblée générale")
    assert response.status_code == 303 and response.location.endswith(LIBRARY)
    assert publish(expert, "Brouillon secret", publish=False).status_code == 303
    published, draft = resources(app)
    assert published["published"] and published["published_at"] is not None and published["organization"] is None
    assert not draft["published"] and draft["published_at"] is None
    assert published["versions"][0][:3] == (1, "guide.pdf", hashlib.sha256(PDF).hexdigest())
    assert len(stored_files(storage_root)) == 2

    # The expert sees both, the draft marked as such, with the publishing actions.
    page = expert.get(LIBRARY).get_data(as_text=True)
    assert "Brouillon secret" in page and "Draft" in page and "Publish a resource" in page

    member = client_for(app, cast.member_a)
    page = member.get(LIBRARY).get_data(as_text=True)
    assert "Guide de l&#39;assemblée générale" in page and "Brouillon secret" not in page
    assert "Publish a resource" not in page and "/edit" not in page and "/delete" not in page
    assert member.get(f"/resources/sample/{draft['id']}/download").status_code == 404
    assert member.get(f"/resources/sample/{published['id']}/download").status_code == 200
    # The overview lists the field with its published count only.
    overview = member.get("/resources/").get_data(as_text=True)
    assert 'href="/resources/sample/"' in overview and "1 resource" in overview and "draft" not in overview
    assert "1 draft" in expert.get("/resources/").get_data(as_text=True)

    # A member of an organization that does not subscribe: 404 everywhere, nothing listed.
    outsider = client_for(app, cast.member_b)
    assert outsider.get(LIBRARY).status_code == 404
    assert outsider.get(f"/resources/sample/{published['id']}/download").status_code == 404
    assert outsider.get(f"/resources/sample/{published['id']}/download", headers={"HX-Request": "true"}).status_code == 404
    assert 'href="/resources/sample/"' not in outsider.get("/resources/").get_data(as_text=True)
    # An unknown field, or a resource under another field's URL, is 404 too.
    assert member.get("/resources/nope/").status_code == 404
    assert expert.get(f"/resources/nope/{published['id']}/download").status_code == 404


def test_a_disabled_module_hides_its_library(app, cast, client_for):
    resource_id = add_resource(app, "Guide")
    member = client_for(app, cast.member_a)
    assert member.get(LIBRARY).status_code == 200
    admin = client_for(app, cast.admin)
    response = admin.post("/admin/modules/sample", data={"csrf_token": csrf_token(admin, "/"), "enabled": "0"})
    assert response.status_code == 303
    assert member.get(LIBRARY).status_code == 404
    assert member.get(f"/resources/sample/{resource_id}/download").status_code == 404
    assert 'href="/resources/sample/"' not in member.get("/resources/").get_data(as_text=True)


# -- publishing -----------------------------------------------------------------------------------


def test_only_the_fields_experts_and_admins_publish(app, cast, client_for):
    resource_id = add_resource(app, "Guide publié")
    draft_id = add_resource(app, "Brouillon", published=False)
    for person in (cast.member_a, cast.manager_a):
        client = client_for(app, person)
        assert client.get("/resources/sample/new").status_code == 404
        assert publish(client, "Intrus").status_code == 404
        token = csrf_token(client, LIBRARY)
        assert client.get(f"/resources/sample/{resource_id}/edit").status_code == 404
        for action in ("edit", "publish", "unpublish", "delete"):
            url = f"/resources/sample/{resource_id}/{action}"
            assert client.post(url, data={"csrf_token": token, "title": "X"}).status_code == 404, (person, action)
        assert client.post(f"/resources/sample/{draft_id}/publish", data={"csrf_token": token}).status_code == 404
    assert [r["title"] for r in resources(app)] == ["Guide publié", "Brouillon"]
    assert [r["published"] for r in resources(app)] == [True, False]

    # The expert of another field cannot publish here (nor see the drafts).
    from extranet.accounts.models import ExpertField
    from extranet.extensions import db

    with app.app_context():
        db.session.execute(db.delete(ExpertField).where(ExpertField.user_id == cast.expert.id,
                                                        ExpertField.field == "sample"))
        db.session.commit()
    expert = client_for(app, cast.expert)
    assert expert.get("/resources/sample/new").status_code == 404
    # ...and, not being a member of a subscribed organization either, has no library at all.
    assert expert.get(LIBRARY).status_code == 404

    admin = client_for(app, cast.admin)
    assert admin.get("/resources/sample/new").status_code == 200
    assert publish(admin, "Par l'admin").status_code == 303
    assert "Brouillon" in admin.get(LIBRARY).get_data(as_text=True)


def test_publish_unpublish_edit_and_delete_are_audited(app, cast, client_for, storage_root):
    expert = client_for(app, cast.expert)
    assert publish(expert, "Modèle de politique", publish=False, language="fr", category="template").status_code == 303
    (resource,) = resources(app)
    base = f"/resources/sample/{resource['id']}"
    member = client_for(app, cast.member_a)
    assert member.get(f"{base}/download").status_code == 404

    token = csrf_token(expert, LIBRARY)
    assert expert.post(f"{base}/publish", data={"csrf_token": token}).status_code == 303
    assert resources(app)[0]["published"]
    assert member.get(f"{base}/download").status_code == 200
    assert expert.post(f"{base}/unpublish", data={"csrf_token": token}).status_code == 303
    assert not resources(app)[0]["published"]
    assert member.get(f"{base}/download").status_code == 404
    assert "Modèle de politique" not in member.get(f"{LIBRARY}?lang=all").get_data(as_text=True)
    # HTMX posts get HX-Redirect.
    htmx = expert.post(f"{base}/publish", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == LIBRARY

    # Edit: the form shows the current values; an invalid form re-renders with 422.
    form = expert.get(f"{base}/edit").get_data(as_text=True)
    assert 'value="Modèle de politique"' in form and "guide.pdf" in form
    bad = expert.post(f"{base}/edit", data={"csrf_token": token, "title": "", "language": "fr", "category": "template"})
    assert bad.status_code == 422 and "This field is required." in bad.get_data(as_text=True)
    # A new file becomes version 2; the download serves it.
    response = expert.post(f"{base}/edit", data={
        "csrf_token": token, "title": "Modèle de politique de télétravail", "summary": "À adapter.",
        "language": "fr", "category": "model", "file": (io.BytesIO(PDF2), "politique v2.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    (resource,) = resources(app)
    assert resource["title"] == "Modèle de politique de télétravail"
    assert [v[:2] for v in resource["versions"]] == [(1, "guide.pdf"), (2, "politique v2.pdf")]
    assert member.get(f"{base}/download").get_data() == PDF2
    # Editing without a file keeps the versions.
    assert expert.post(f"{base}/edit", data={"csrf_token": token, "title": "Modèle", "language": "both",
                                             "category": "model"}).status_code == 303
    assert len(resources(app)[0]["versions"]) == 2

    # Delete: rows and stored objects go.
    assert len(stored_files(storage_root)) == 2
    response = expert.post(f"{base}/delete", data={"csrf_token": token})
    assert response.status_code == 303
    assert resources(app) == [] and stored_files(storage_root) == []
    from extranet.documents.models import Document, DocumentVersion
    from extranet.extensions import db

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Document)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(DocumentVersion)) == 0
    assert member.get(f"{base}/download").status_code == 404
    assert audit_actions(app) == [
        "resource.created", "resource.published", "resource.unpublished", "resource.published",
        "resource.edited", "resource.edited", "resource.deleted",
    ]
    page = expert.get(LIBRARY).get_data(as_text=True)
    assert "data-confirm" not in page  # nothing left to delete
    assert "No resource in this field yet." in page


def test_malicious_files_are_refused(app, cast, client_for, storage_root):
    expert = client_for(app, cast.expert)
    cases = [
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "guide.pdf", "is a web page or an SVG image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "is a web page"),
        (b"MZ\x90\x00\x03" + b"\x00" * 60, "outil.pdf", "is a program or a script"),
        (b"", "vide.pdf", "is empty"),
    ]
    for data, name, message in cases:
        response = publish(expert, "Piège", data=data, filename=name)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert message in html and name in html
        assert 'value="Piège"' in html  # the rest of the form is kept
    # No file chosen at all.
    response = expert.post("/resources/sample/new", data={
        "csrf_token": csrf_token(expert, LIBRARY), "title": "Sans fichier", "language": "fr", "category": "guide",
    }, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the file to publish." in response.get_data(as_text=True)
    assert resources(app) == [] and stored_files(storage_root) == []
    # A refused new version leaves the resource as it was.
    assert publish(expert, "Bon guide").status_code == 303
    (resource,) = resources(app)
    response = expert.post(f"/resources/sample/{resource['id']}/edit", data={
        "csrf_token": csrf_token(expert, LIBRARY), "title": "Renommé", "language": "fr", "category": "guide",
        "file": (io.BytesIO(b"<html><body>x</body></html>"), "v2.docx"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert resources(app) == [resource] and len(stored_files(storage_root)) == 1


def test_too_large_files_are_refused(register_plugin, people, client_for, tmp_path):
    # ``people`` subscribed organization A to the sample field (in the shared test database).
    app = register_plugin(SamplePlugin(), STORAGE_URL=f"file://{tmp_path / 'small'}", MAX_UPLOAD_BYTES=20)
    expert = client_for(app, people.expert)
    response = publish(expert, "Trop gros", data=PDF)
    assert response.status_code == 422 and "larger than the limit" in response.get_data(as_text=True)
    assert resources(app) == [] and stored_files(tmp_path / "small") == []


# -- download -------------------------------------------------------------------------------------


def test_download_bytes_and_headers(app, cast, client_for, storage_root):
    expert = client_for(app, cast.expert)
    assert publish(expert, "Calendrier fiscal", filename="Calendrier fiscal été 2026.pdf").status_code == 303
    (resource,) = resources(app)
    url = f"/resources/sample/{resource['id']}/download"
    member = client_for(app, cast.member_a)
    assert f'href="{url}"' in member.get(LIBRARY).get_data(as_text=True)
    response = member.get(url)
    assert response.status_code == 200 and response.get_data() == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Length"] == str(len(PDF))
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Calendrier%20fiscal%20%C3%A9t%C3%A9%202026.pdf" in disposition
    # Bytes altered in storage: never sent.
    (path,) = stored_files(storage_root)
    path.write_bytes(PDF.replace(b"Catalog", b"Cataxog"))
    assert member.get(url).status_code == 500
    path.unlink()
    assert member.get(url).status_code == 500


def test_a_file_pending_its_virus_scan_is_not_served(app, cast, client_for):
    expert = client_for(app, cast.expert)
    assert publish(expert, "Guide").status_code == 303
    (resource,) = resources(app)
    from extranet.documents.models import DocumentVersion
    from extranet.extensions import db

    with app.app_context():
        db.session.execute(db.update(DocumentVersion).values(scan_status="pending"))
        db.session.commit()
    member = client_for(app, cast.member_a)
    response = member.get(f"/resources/sample/{resource['id']}/download")
    assert response.status_code == 303 and response.location.endswith(LIBRARY)
    with app.app_context():
        db.session.execute(db.update(DocumentVersion).values(scan_status="infected"))
        db.session.commit()
    assert member.get(f"/resources/sample/{resource['id']}/download").status_code == 404


# -- search, filters, pagination ---------------------------------------------------------------


def test_search_filters_and_pagination(app, cast, client_for):
    add_resource(app, "Guide de l'assemblée générale", days_ago=1, language="fr", summary="Convocation, quorum")
    add_resource(app, "Annual meeting checklist", days_ago=2, language="en", category="checklist")
    add_resource(app, "Modèle de procès-verbal", days_ago=3, language="both", category="model",
                 summary="Pour l'ASSEMBLÉE et le conseil")
    add_resource(app, "Calendrier fiscal", days_ago=4, language="fr", category="template")
    add_resource(app, "Cybersecurity checklist", days_ago=5, language="both", category="checklist")
    add_resource(app, "Politique 100% télétravail", days_ago=6, language="fr", category="template")
    member = client_for(app, cast.member_a)  # reads English

    # By default: English and bilingual resources, newest first, and a toggle to see the others.
    page = member.get(LIBRARY).get_data(as_text=True)
    assert titles(page) == ["Annual meeting checklist", "Modèle de procès-verbal", "Cybersecurity checklist"]
    assert "Show 3 more resources in other languages" in page
    everything = member.get(f"{LIBRARY}?lang=all").get_data(as_text=True)
    assert titles(everything) == ["Guide de l&#39;assemblée générale", "Annual meeting checklist",
                                  "Modèle de procès-verbal"]
    assert "6 resources" in everything and "Page 1 of 2" in everything
    second = member.get(f"{LIBRARY}?lang=all&page=2").get_data(as_text=True)
    assert titles(second) == ["Calendrier fiscal", "Cybersecurity checklist", "Politique 100% télétravail"]
    assert titles(member.get(f"{LIBRARY}?lang=fr").get_data(as_text=True)) == [
        "Guide de l&#39;assemblée générale", "Modèle de procès-verbal", "Calendrier fiscal"]
    # Someone reading French gets French and bilingual resources first.
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.execute(db.update(User).where(User.id == cast.manager_a.id).values(locale="fr_CA"))
        db.session.commit()
    french = client_for(app, cast.manager_a).get(LIBRARY).get_data(as_text=True)
    assert titles(french) == ["Guide de l&#39;assemblée générale", "Modèle de procès-verbal", "Calendrier fiscal"]

    # Search: title or summary, ignoring case and accents; "%" is a character, not a wildcard.
    found = member.get(f"{LIBRARY}?lang=all&q=assemblée").get_data(as_text=True)
    assert titles(found) == ["Guide de l&#39;assemblée générale", "Modèle de procès-verbal"]
    assert titles(member.get(f"{LIBRARY}?lang=all&q=ASSEMBLEE").get_data(as_text=True)) == [
        "Guide de l&#39;assemblée générale", "Modèle de procès-verbal"]
    assert titles(member.get(f"{LIBRARY}?lang=all&q=proces verbal").get_data(as_text=True)) == []
    assert titles(member.get(f"{LIBRARY}?lang=all&q=Procès-").get_data(as_text=True)) == ["Modèle de procès-verbal"]
    assert titles(member.get(f"{LIBRARY}?lang=all&q=CHECKLIST").get_data(as_text=True)) == [
        "Annual meeting checklist", "Cybersecurity checklist"]
    assert titles(member.get(f"{LIBRARY}?lang=all&q=100%25").get_data(as_text=True)) == ["Politique 100% télétravail"]
    assert titles(member.get(f"{LIBRARY}?lang=all&q=0%25").get_data(as_text=True)) == ["Politique 100% télétravail"]
    # Category filter, with the language filter.
    assert titles(member.get(f"{LIBRARY}?category=checklist").get_data(as_text=True)) == [
        "Annual meeting checklist", "Cybersecurity checklist"]
    assert titles(member.get(f"{LIBRARY}?category=template").get_data(as_text=True)) == []
    assert titles(member.get(f"{LIBRARY}?category=template&lang=all").get_data(as_text=True)) == [
        "Calendrier fiscal", "Politique 100% télétravail"]
    # Empty states.
    none = member.get(f"{LIBRARY}?q=zzz&lang=all").get_data(as_text=True)
    assert "No resource matches this search." in none and titles(none) == []
    assert "No resource in your language here." in member.get(f"{LIBRARY}?category=template").get_data(as_text=True)

    # HTMX: the list alone, for the search box and the pager.
    fragment = member.get(f"{LIBRARY}?q=checklist", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert html.lstrip().startswith('<div id="resource-list"') and "<html" not in html
    assert titles(html) == ["Annual meeting checklist", "Cybersecurity checklist"]
    full = member.get(LIBRARY).get_data(as_text=True)
    assert 'hx-get="/resources/sample/"' in full and 'hx-target="#resource-list"' in full and 'name="q"' in full


def test_an_empty_library(app, cast, client_for):
    page = client_for(app, cast.member_a).get(LIBRARY)
    assert page.status_code == 200 and "No resource in this field yet." in page.get_data(as_text=True)


# -- the "new" badge ------------------------------------------------------------------------------


def new_titles(html: str) -> list[str]:
    return [t.strip() for t, badge in re.findall(
        r'<h2>\s*(?:<a [^>]*>)?([^<]+)(?:</a>)?\s*(<span class="badge badge--ok">New</span>)?', html) if badge]


def visited_at(app, person):
    from extranet.extensions import db
    from extranet.resources.models import ResourceVisit

    with app.app_context():
        visit = db.session.get(ResourceVisit, (person.id, "sample"))
        return visit.visited_at if visit else None


def test_new_badge_since_my_last_visit(app, cast, client_for):
    from extranet.db_types import utcnow
    from extranet.extensions import db
    from extranet.resources.models import Resource, ResourceVisit

    recent = add_resource(app, "Recent guide", days_ago=10)
    add_resource(app, "Old guide", days_ago=40)
    add_resource(app, "Draft guide", published=False)
    assert visited_at(app, cast.member_a) is None

    # First visit: what was published in the last 30 days is new; the visit is recorded.
    member = client_for(app, cast.member_a)
    page = member.get(LIBRARY).get_data(as_text=True)
    assert new_titles(page) == ["Recent guide"] and "Old guide" in page
    first = visited_at(app, cast.member_a)
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    # Searching or paging within the same visit keeps the badges (HTMX and plain pages).
    assert new_titles(member.get(f"{LIBRARY}?q=guide", headers={"HX-Request": "true"}).get_data(as_text=True)) == [
        "Recent guide"]
    assert new_titles(member.get(f"{LIBRARY}?q=guide").get_data(as_text=True)) == ["Recent guide"]

    # Another day: my previous visit was 5 days ago; one resource was published since.
    with app.app_context():
        db.session.get(ResourceVisit, (cast.member_a.id, "sample")).visited_at = utcnow() - timedelta(days=5)
        db.session.get(Resource, recent).published_at = utcnow() - timedelta(days=2)
        db.session.commit()
    add_resource(app, "Older than my visit", days_ago=6)
    page = member.get(LIBRARY).get_data(as_text=True)
    assert new_titles(page) == ["Recent guide"]
    assert utcnow() - visited_at(app, cast.member_a) < timedelta(minutes=1)
    # The next visit (in another browser): nothing published since, nothing new.
    assert new_titles(client_for(app, cast.member_a).get(LIBRARY).get_data(as_text=True)) == []
    # Another person has their own visits: the last 30 days are new for them.
    assert new_titles(client_for(app, cast.manager_a).get(LIBRARY).get_data(as_text=True)) == [
        "Recent guide", "Older than my visit"]
    # Drafts are never "new" (the expert sees them, unbadged).
    expert_page = client_for(app, cast.expert).get(LIBRARY).get_data(as_text=True)
    assert "Draft guide" in expert_page and "Draft guide" not in new_titles(expert_page)


# -- demo data ------------------------------------------------------------------------------------


def test_demo_resources_in_every_field_idempotent(app, people, client_for, storage_root):
    from extranet.accounts.models import User
    from extranet.demo.resources import load_demo_resources, minimal_pdf
    from extranet.extensions import db
    from extranet.files import sniff
    from extranet.plugins import host
    from extranet.resources.models import Resource
    from extranet.storage import get_storage

    with app.app_context():
        author = db.session.get(User, people.expert.id)
        made = load_demo_resources(author)
        db.session.commit()
        assert load_demo_resources(author) == 0  # a second run adds nothing
        db.session.commit()
        fields = list(host().fields)
        assert "sample" in fields
        rows = db.session.scalars(db.select(Resource)).all()
        assert made == len(rows)
        for slug in fields:
            mine = [r for r in rows if r.field == slug]
            assert len(mine) >= 3 and {"fr", "en"} <= {r.language for r in mine}, slug
            assert all(r.published and r.document.organization_id is None for r in mine)
        if "legal" in fields:
            assert "Guide de l'assemblée générale annuelle" in {r.title for r in rows}
        storage = get_storage()
        for resource in rows:
            version = resource.document.current
            assert storage.sha256(version.storage_key) == version.sha256
            with storage.open(version.storage_key) as fh:
                assert sniff.detect(fh).mime == version.mime
        sample_id = next(r.id for r in rows if r.field == "sample" and r.language == "en")
    assert len(stored_files(storage_root)) == made
    # A well-formed PDF: every cross-reference offset points at its object.
    pdf = minimal_pdf(["Calendrier fiscal (été)", "Échéances \\ acomptes"])
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in pdf[xref:].split(b"\n")[3:8]]
    assert [pdf[o:o + 7] for o in offsets] == [f"{n} 0 obj".encode() for n in range(1, 6)]

    member = client_for(app, people.member_a)
    page = member.get(f"{LIBRARY}?lang=all").get_data(as_text=True)
    assert "Getting started: Sample field" in page
    download = member.get(f"/resources/sample/{sample_id}/download")
    assert download.status_code == 200 and download.get_data().startswith(b"%PDF-1.4")
