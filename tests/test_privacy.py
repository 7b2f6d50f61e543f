"""A person's rights over their information (Law 25): an export of their data, built by the
worker and downloaded by its owner only until it expires, under the one confidentiality rule;
and an erasure an administrator carries out, anonymising the person and keeping the
organization's records."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_attachments import PDF, send
from tests.test_cli import run
from tests.test_requests import file_request, in_english

LINK_RE = re.compile(r"http\S*/profile/data-export/(\d+)")


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin(), MAIL_DELIVERY="worker")


@pytest.fixture
def people(people, app):
    return in_english(app, people)


def ask_export(client):
    response = client.post("/profile/data-export", data={"csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 303, response.status_code


def export_mail(app, email):
    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    with app.app_context():
        bodies = db.session.scalars(db.select(OutboxEmail.body_text).where(OutboxEmail.to == email)).all()
    return [b for b in bodies if LINK_RE.search(b)]


def stored_keys(app) -> set[str]:
    from extranet.storage import get_storage

    with app.app_context():
        return set(get_storage().keys())


def exports(app):
    from extranet.extensions import db
    from extranet.privacy.models import DataExport

    with app.app_context():
        return [(e.id, e.user_id, e.status, e.storage_key) for e in db.session.scalars(db.select(DataExport))]


def test_a_person_exports_their_data_through_the_worker(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Contrat de Marie")
    assert send(member, reference, body="Voici le contrat", files=[(PDF, "contrat.pdf")]).status_code == 303
    expert = client_for(app, people.expert)
    assert send(expert, reference, body="Note interne secrète", internal=True).status_code == 303

    ask_export(member)
    assert exports(app)[0][2] == "waiting"
    result = run(app, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "exports: 1 built, 0 failed" in result.output
    [body] = export_mail(app, people.member_a.email)
    export_id = LINK_RE.search(body).group(1)
    url = f"/profile/data-export/{export_id}"

    response = member.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    profile = json.loads(archive.read("profile.json"))
    assert profile["email"] == people.member_a.email and profile["name"] == people.member_a.name
    [req] = json.loads(archive.read("requests.json"))
    assert req["reference"] == reference and req["title"] == "Contrat de Marie"
    assert [m["body"] for m in req["messages"]] == ["Voici le contrat"]  # not the expert's internal note
    [memberships] = json.loads(archive.read("memberships.json"))
    assert memberships["organization"] == "Coopérative A"
    [file] = json.loads(archive.read("files.json"))
    assert archive.read(file["path"]) == PDF
    actions = [e["action"] for e in json.loads(archive.read("audit_events.json"))]
    assert "privacy.export_requested" in actions and "auth.login" in actions
    reads = json.loads(archive.read("access_records.json"))
    assert isinstance(reads, list)

    # Only its owner, signed in: another person, even of the same organization, gets a 404.
    for other in (people.manager_a, people.member_b, people.admin):
        assert client_for(app, other).get(url).status_code == 404
    anonymous = app.test_client().get(url)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.location


def test_the_export_leaves_out_requests_the_person_can_no_longer_open(app, client_for, people):
    from extranet.extensions import db
    from extranet.organizations.models import Membership

    member = client_for(app, people.member_a)
    reference = file_request(member, title="Titre confidentiel")
    send(member, reference, body="Corps confidentiel", files=[(PDF, "secret.pdf")])
    ask_export(member)
    with app.app_context():  # the person leaves the organization: the request is no longer theirs to open
        db.session.execute(db.update(Membership).where(Membership.user_id == people.member_a.id).values(active=False))
        db.session.commit()
        from extranet.privacy.service import build_waiting_exports

        assert build_waiting_exports() == (1, 0)
    export_id = exports(app)[0][0]
    archive = zipfile.ZipFile(io.BytesIO(member.get(f"/profile/data-export/{export_id}").data))
    [req] = json.loads(archive.read("requests.json"))
    assert req == {"reference": reference, "field": req["field"], "your_role": "requester"}
    assert json.loads(archive.read("files.json")) == []
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"confidentiel" not in everything and PDF not in everything


def test_a_failed_export_leaves_nothing_half_written(app, client_for, people):
    from extranet.extensions import db
    from extranet.requests.models import Attachment
    from extranet.storage import get_storage

    member = client_for(app, people.member_a)
    reference = file_request(member)
    send(member, reference, files=[(PDF, "a.pdf")])
    with app.app_context():  # the attachment's bytes are lost: the export cannot be complete
        get_storage().delete(db.session.scalar(db.select(Attachment.storage_key)))
    before = stored_keys(app)
    ask_export(member)
    with app.app_context():
        from extranet.privacy.service import build_waiting_exports

        assert build_waiting_exports() == (0, 1)
    [(export_id, _user, status, key)] = exports(app)
    assert status == "failed" and key is None
    assert stored_keys(app) == before
    assert export_mail(app, people.member_a.email) == []
    assert member.get(f"/profile/data-export/{export_id}").status_code == 404
    assert "it could not be prepared" in member.get("/profile").get_data(as_text=True)


def test_expired_exports_cannot_be_downloaded_and_the_worker_erases_them(app, client_for, people):
    from extranet.db_types import utcnow
    from extranet.extensions import db
    from extranet.privacy.models import DataExport

    member = client_for(app, people.member_a)
    ask_export(member)
    run(app, "worker", "--once")
    [(export_id, _user, status, key)] = exports(app)
    assert status == "ready" and key in stored_keys(app)
    assert member.get(f"/profile/data-export/{export_id}").status_code == 200
    with app.app_context():
        db.session.execute(db.update(DataExport).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert member.get(f"/profile/data-export/{export_id}").status_code == 404
    result = run(app, "worker", "--once")
    assert "exports: 1 expired and erased" in result.output
    assert exports(app) == [] and key not in stored_keys(app)


def test_exports_are_asked_with_a_csrf_token(app, client_for, people):
    member = client_for(app, people.member_a)
    assert member.post("/profile/data-export").status_code == 400
    assert member.post("/profile/erasure").status_code == 400
    assert exports(app) == []


def test_the_storage_checker_counts_an_export_as_referenced(app, client_for, people):
    from extranet.files.check import check_storage
    from extranet.storage import get_storage

    member = client_for(app, people.member_a)
    ask_export(member)
    run(app, "worker", "--once")
    with app.app_context():
        report = check_storage(get_storage())
        assert report.orphans == [] and report.missing == []


# -- erasure ---------------------------------------------------------------------------------


def test_an_admin_erases_a_person_and_the_organization_keeps_its_records(app, client_for, people):
    from extranet.accounts.models import User
    from extranet.auth.models import UserSession
    from extranet.extensions import db

    member = client_for(app, people.member_a)
    reference = file_request(member, title="Demande de Marie")
    send(member, reference, body="Message gardé")
    response = member.post("/profile/erasure", data={"csrf_token": csrf_token(member, "/profile")})
    assert response.status_code == 303
    assert "waiting for an administrator" in member.get("/profile").get_data(as_text=True)

    # Only administrators see and carry out the requests.
    manager = client_for(app, people.manager_a)
    assert manager.get("/admin/erasures/").status_code == 404
    admin = client_for(app, people.admin)
    page = admin.get("/admin/erasures/").get_data(as_text=True)
    assert people.member_a.name in page and people.member_a.email in page
    asked_id = re.search(r'id="erasure-(\d+)"', page).group(1)
    token = csrf_token(manager, "/dashboard/")
    assert manager.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": token}).status_code == 404
    assert admin.post(f"/admin/erasures/{asked_id}/carry-out").status_code == 400  # no CSRF token
    response = admin.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": csrf_token(admin, "/admin/")})
    assert response.status_code == 303

    with app.app_context():
        user = db.session.get(User, people.member_a.id)
        # Outside a request, in the cooperative's default language.
        assert user.name == "Ancien membre" and user.erased_at is not None and not user.active
        assert user.email != people.member_a.email and user.email.endswith(".invalid")
        assert user.password_hash is None and user.totp_secret is None
        assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)
                                 .where(UserSession.user_id == user.id)) == 0
        assert User.by_email(people.member_a.email) is None
    # The old session is gone and the old password opens nothing.
    assert member.get("/profile").status_code in (302, 303)
    login = app.test_client()
    data = {"email": people.member_a.email, "password": people.member_a.password,
            "csrf_token": csrf_token(login)}
    assert login.post("/login", data=data).status_code != 303

    # The request keeps its content; its author is a former member.
    html = manager.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Demande de Marie" in html and "Message gardé" in html and "Former member" in html
    assert people.member_a.name not in html
    # Told in the audit log, in sentences.
    log = admin.get("/admin/audit/?kind=privacy").get_data(as_text=True)
    assert "Ada Admin erased the personal information of Former member, at their request." in log
    assert "Former member asked for their personal information to be erased." in log
    # Done once: carrying it out again changes nothing.
    again = admin.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": csrf_token(admin, "/admin/")})
    assert again.status_code == 303
    assert "already carried out" in admin.get("/admin/erasures/").get_data(as_text=True)


def test_a_former_member_is_named_in_french_too(app, people):
    from flask_babel import force_locale

    from extranet.accounts.models import User
    from extranet.db_types import utcnow
    from extranet.extensions import db

    with app.app_context():
        user = db.session.get(User, people.member_b.id)
        user.erased_at = utcnow()
        with app.test_request_context(), force_locale("fr_CA"):
            assert user.name == "Ancien membre"
        with app.test_request_context(), force_locale("en"):
            assert user.name == "Former member"


def test_erasure_scrubs_the_address_from_the_audit_log_and_the_outbox(app, client_for, people):
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db
    from extranet.notifications.models import OutboxEmail

    bad = app.test_client()
    bad.post("/login", data={"email": people.member_b.email, "password": "wrong password!",
                             "csrf_token": csrf_token(bad)})
    member = client_for(app, people.member_b)
    member.post("/profile/erasure", data={"csrf_token": csrf_token(member, "/profile")})
    ask_export(member)
    run(app, "worker", "--once")
    with app.app_context():
        from extranet.privacy.models import ErasureRequest

        asked_id = db.session.scalar(db.select(ErasureRequest.id))
    admin = client_for(app, people.admin)
    admin.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": csrf_token(admin, "/admin/")})
    with app.app_context():
        details = [json.dumps(e.details) for e in db.session.scalars(db.select(AuditEvent))]
        assert not any(people.member_b.email in d for d in details)
        assert db.session.scalar(db.select(db.func.count()).select_from(OutboxEmail)
                                 .where(OutboxEmail.to == people.member_b.email)) == 0
    assert exports(app) == []


# -- the privacy officer ---------------------------------------------------------------------


def test_a_privacy_officer_set_by_an_admin_sees_the_requests_and_nothing_else(app, client_for, people):
    from extranet.accounts.models import User
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db
    from tests.test_requests import add_person

    officer = add_person(app, "paula_privacy")
    admin = client_for(app, people.admin)
    page = f"/admin/users/{officer.id}"
    assert 'name="is_privacy_officer"' in admin.get(page).get_data(as_text=True)
    form = {"name": officer.name, "locale": "en", "is_privacy_officer": "y",
            "csrf_token": csrf_token(admin, page)}
    assert admin.post(page, data=form).status_code == 303
    with app.app_context():
        assert db.session.get(User, officer.id).is_privacy_officer
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "users.updated")
                                  .order_by(AuditEvent.id.desc()))
        assert event.details == {"is_privacy_officer": True}

    member = client_for(app, people.member_a)
    member.post("/profile/erasure", data={"csrf_token": csrf_token(member, "/profile")})
    ask_export(member)
    seen = client_for(app, officer)
    html = seen.get("/admin/erasures/").get_data(as_text=True)
    assert people.member_a.email in html and "Being prepared" in html
    assert "/carry-out" not in html  # seeing is not carrying out
    assert "Privacy requests" in seen.get("/dashboard/").get_data(as_text=True)
    with app.app_context():
        from extranet.privacy.models import ErasureRequest

        asked_id = db.session.scalar(db.select(ErasureRequest.id))
    token = csrf_token(seen, "/admin/erasures/")
    assert seen.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": token}).status_code == 404
    # Nothing else: the administration, the audit log, people, reports, other requests.
    for path in ("/admin/", "/admin/audit/", "/admin/users/", f"/admin/users/{people.member_a.id}",
                 "/reports/", "/access/organization"):
        assert seen.get(path).status_code == 404, path
    # Others, a manager included, do not see the page.
    assert client_for(app, people.manager_a).get("/admin/erasures/").status_code == 404


def test_two_admins_carrying_out_one_erasure_at_once_erase_once(app, client_for, people):
    import threading

    from extranet.audit.models import AuditEvent
    from extranet.extensions import db
    from extranet.privacy.models import ErasureRequest
    from tests.test_requests import add_person

    second = add_person(app, "second_admin", is_admin=True)
    member = client_for(app, people.member_a)
    member.post("/profile/erasure", data={"csrf_token": csrf_token(member, "/profile")})
    with app.app_context():
        asked_id = db.session.scalar(db.select(ErasureRequest.id))
    clients = [client_for(app, person) for person in (people.admin, second) * 3]
    tokens = [csrf_token(c, "/admin/") for c in clients]
    start, statuses = threading.Barrier(len(clients)), []

    def carry_out(client, token):
        start.wait()
        statuses.append(client.post(f"/admin/erasures/{asked_id}/carry-out", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=carry_out, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * len(clients)
    with app.app_context():
        done = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "privacy.erasure_done")).all()
        assert len(done) == 1
