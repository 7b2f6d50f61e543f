"""Who accessed my information (Law 25): reads of a request, its files, a statement or an account
by anyone but their own people are recorded, cheaply, and shown to the person concerned and to
their organization's manager, never to another organization."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from extranet.testing import count_queries
from tests.sample_plugin import SamplePlugin
from tests.test_requests import _token, add_person, file_request


@pytest.fixture
def app(register_plugin):
    return register_plugin(SamplePlugin())


def read(client, path) -> int:
    """GET ``path`` as a browser does and close the answer, as a WSGI server does once it is sent:
    that is when the reads it noted are written. Its status."""
    with client.get(path) as response:
        return response.status_code


def records(app):
    from extranet.access.models import AccessRecord
    from extranet.extensions import db

    with app.app_context():
        return [
            (r.viewer_id, r.viewer_role, r.kind, r.request_id)
            for r in db.session.scalars(db.select(AccessRecord).order_by(AccessRecord.id))
        ]


def request_id(app, reference):
    from extranet.extensions import db
    from extranet.requests.models import ServiceRequest

    with app.app_context():
        return db.session.scalar(db.select(ServiceRequest.id).where(ServiceRequest.reference == reference))


def access_page(client, path="/access/"):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rows_of(html):
    return re.findall(r"<tr>\s*<td>.*?</tr>", html, re.S)


def test_a_member_sees_that_an_expert_viewed_her_request(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Mon contrat de travail")
    assert "Nobody else has read your information yet." in access_page(member)

    expert = client_for(app, people.expert)
    assert read(expert, f"/requests/{reference}") == 200

    html = access_page(member)
    [row] = rows_of(html)
    assert "Émile Expert" in row and "Expert of the cooperative" in row
    assert f"Request {reference} · Mon contrat de travail" in row
    assert f'href="/requests/{reference}"' in row
    # Her manager sees it for the organization.
    manager = client_for(app, people.manager_a)
    assert "Émile Expert" in access_page(manager, "/access/organization")


def test_the_profile_leads_to_both_pages_and_they_read_in_french(app, client_for, people):
    member = client_for(app, people.member_a)
    html = member.get("/profile").get_data(as_text=True)
    assert 'href="/access/"' in html and 'href="/profile/history"' in html
    from extranet.accounts.models import User
    from extranet.extensions import db

    with app.app_context():
        db.session.get(User, people.member_a.id).locale = "fr_CA"
        db.session.commit()
    french = member.get("/access/").get_data(as_text=True)
    assert "Qui a consulté mes renseignements" in french
    assert "Personne d’autre n’a encore consulté vos renseignements." in french


def test_reads_by_the_owner_are_not_recorded(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member)
    for path in (f"/requests/{reference}", f"/documents/sample/requests/{reference}"):
        assert read(member, path) == 200
    assert records(app) == []


def test_a_colleague_and_an_admin_are_recorded_and_an_admin_is_not_named(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Demande standard")
    rid = request_id(app, reference)
    read(client_for(app, people.manager_a), f"/requests/{reference}")
    read(client_for(app, people.admin), f"/requests/{reference}")
    assert records(app) == [
        (people.manager_a.id, "manager", "request", rid),
        (people.admin.id, "admin", "request", rid),
    ]
    html = access_page(member)
    assert "An administrator of the cooperative" in html
    assert people.admin.name not in html
    assert "Manager A" in html and "Manager of the organization" in html


def test_another_organization_never_sees_those_records(app, client_for, people):
    member_a = client_for(app, people.member_a)
    reference = file_request(member_a, title="Secret de A")
    read(client_for(app, people.expert), f"/requests/{reference}")
    assert len(records(app)) == 1
    for person in (people.member_b, people.manager_b):
        client = client_for(app, person)
        html = access_page(client)
        assert reference not in html and "Émile Expert" not in html and "Secret de A" not in html
    org_page = access_page(client_for(app, people.manager_b), "/access/organization")
    assert reference not in org_page and "Émile Expert" not in org_page
    # A member is not the organization's manager: its page is not hers.
    assert client_for(app, people.member_a).get("/access/organization").status_code == 404


def test_a_restricted_request_is_named_by_reference_and_field_to_a_manager_who_cannot_open_it(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, title="Plainte confidentielle", restricted=True)
    read(client_for(app, people.expert), f"/requests/{reference}")
    manager_page = access_page(client_for(app, people.manager_a), "/access/organization")
    assert reference in manager_page and "Plainte confidentielle" not in manager_page
    assert f'href="/requests/{reference}"' not in manager_page
    assert "Plainte confidentielle" in access_page(member)


def test_files_statements_and_accounts_are_recorded(app, client_for, people):
    from extranet.extensions import db
    from extranet.requests.models import Attachment

    member = client_for(app, people.member_a)
    reference = file_request(member)
    data = {"body": "Voici", "csrf_token": _token(member),
            "files": (io.BytesIO(b"Bonjour, ceci est un fichier texte.\n"), "paie.txt")}
    assert member.post(f"/requests/{reference}/messages", data=data, content_type="multipart/form-data").status_code == 303
    with app.app_context():
        attachment_id = db.session.scalar(db.select(Attachment.id))
    expert = client_for(app, people.expert)
    assert read(expert, f"/requests/{reference}/attachments/{attachment_id}") == 200
    admin = client_for(app, people.admin)
    assert read(admin, f"/reports/statements/{people.org_a}/2026-01") == 200
    assert read(admin, f"/admin/users/{people.member_a.id}") == 200
    kinds = {(viewer, kind) for viewer, _role, kind, _rid in records(app)}
    assert {(people.expert.id, "attachment"), (people.admin.id, "statement"), (people.admin.id, "profile")} <= kinds
    html = access_page(member)
    assert f"File “paie.txt” of request {reference}" in html
    assert "Your account" in html
    assert "Statement of January 2026" in access_page(client_for(app, people.manager_a), "/access/organization")


def test_one_write_per_batch_and_none_for_a_reload(app, client_for, people):
    """The request page notes several reads (the request, through each lookup) and writes them in
    one statement; reloading it and its fragments within the hour writes nothing."""
    from extranet.extensions import db

    member = client_for(app, people.member_a)
    reference = file_request(member)
    expert = client_for(app, people.expert)
    with app.app_context():
        engine = db.engine
    inserts = []

    def listener(_conn, _cursor, statement, *_args):
        if "access_records" in statement and statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert read(expert, f"/requests/{reference}") == 200
        assert len(inserts) == 1
        for path in (f"/requests/{reference}", f"/hours/requests/{reference}", f"/documents/sample/requests/{reference}"):
            assert read(expert, path) == 200
        assert len(inserts) == 1
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(records(app)) == 1


def test_several_reads_of_one_answer_are_one_statement(app, people):
    """``write`` sends every new read of a batch in one INSERT, and a row already there (written
    by another process) is skipped by the database, not refused."""
    from extranet.access import service
    from extranet.access.models import AccessRecord
    from extranet.extensions import db

    member = add_person(app, "reader", org=people.org_a)
    with app.test_request_context():
        reads = [service.Read(member.id, "member", "profile", person.id, subject_id=person.id)
                 for person in (people.member_a, people.manager_a, people.expert)]
        assert count_queries(app, lambda: service.write(reads)) == 1
        app.extensions.pop(service.SEEN_KEY)  # another process, which has not seen them
        assert count_queries(app, lambda: service.write(reads + reads)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(AccessRecord)) == 3


def test_a_refused_read_is_not_recorded(app, client_for, people):
    member = client_for(app, people.member_a)
    reference = file_request(member, restricted=True)
    assert read(client_for(app, people.member_b), f"/requests/{reference}") == 404
    assert records(app) == []


def test_records_older_than_the_retention_are_purged(app, client_for, people):
    from extranet.access import service
    from extranet.access.models import AccessRecord
    from extranet.db_types import utcnow
    from extranet.extensions import db

    member = client_for(app, people.member_a)
    reference = file_request(member)
    read(client_for(app, people.expert), f"/requests/{reference}")
    with app.app_context():
        assert app.config["ACCESS_LOG_RETENTION_DAYS"] == 730
        assert service.purge_older_than(now=utcnow() + timedelta(days=729)) == 0
        assert service.purge_older_than(now=utcnow() + timedelta(days=731)) == 1
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(AccessRecord)) == 0

    read(client_for(app, people.expert), f"/requests/{reference}")
    app.extensions.pop(service.SEEN_KEY, None)
    result = app.test_cli_runner().invoke(args=["access", "purge", "--days", "0"])
    assert result.exit_code == 0, result.output
    assert "access record(s) older than 0 days deleted" in result.output


def test_pages_are_paginated_newest_first(app, client_for, people):
    from extranet.access import service
    from extranet.db_types import utcnow

    member = client_for(app, people.member_a)
    reference = file_request(member)
    rid = request_id(app, reference)
    with app.app_context():
        first = utcnow() - timedelta(hours=30)
        for hour in range(30):
            service.write([service.Read(people.expert.id, "expert", "request", rid, organization_id=people.org_a,
                                        request_id=rid)], now=first + timedelta(hours=hour))
    html = access_page(member)
    assert len(rows_of(html)) == 25 and 'rel="next"' in html
    second = access_page(member, "/access/?page=2")
    assert len(rows_of(second)) == 5
    assert member.get("/access/?page=99999999999999999999").status_code == 200


def test_many_readers_at_once_answer_and_make_one_row_each(app, client_for, people):
    """Eight browsers of the same expert and eight of the manager open the request at the same
    moment on a served app, each process forgetting what it wrote: no 5xx, and one row per
    reader and hour (the database, not the process, keeps them unique)."""
    import threading

    from werkzeug.serving import make_server

    from extranet.access import service
    from tests.test_request_concurrency import Person as Browser

    reference = file_request(client_for(app, people.member_a))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        readers = [Browser(base, person) for person in [people.expert] * 8 + [people.manager_a] * 8]
        app.extensions.pop(service.SEEN_KEY, None)
        barrier = threading.Barrier(len(readers))
        statuses = []

        def read_it(reader):
            barrier.wait()
            app.extensions.pop(service.SEEN_KEY, None)
            statuses.append(reader.send("GET", f"/requests/{reference}")[0])

        threads = [threading.Thread(target=read_it, args=(r,)) for r in readers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.shutdown()
        server.server_close()
    assert statuses == [200] * 16
    assert sorted((viewer, role) for viewer, role, _kind, _rid in records(app)) == [
        (people.expert.id, "expert"), (people.manager_a.id, "manager")]
