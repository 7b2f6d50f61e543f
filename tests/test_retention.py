"""Retention: admins set how many months each module keeps its closed requests, messages, files
and access records; the worker applies the limits once a day, within the module and never to an
open request, removes the files' bytes and search entries, and reports what it removed, to the
admins and the privacy officers."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from extranet.testing import csrf_token
from tests.sample_plugin import SamplePlugin
from tests.test_attachments import PDF, send
from tests.test_cli import run
from tests.test_privacy import stored_keys
from tests.test_requests import add_person, file_request, in_english

OLD, RECENT = timedelta(days=400), timedelta(days=30)
LIMITS = {"requests": "12", "messages": "12", "files": "12", "access": "12"}


@pytest.fixture
def app(register_plugin, storage_root):
    return register_plugin(SamplePlugin(), SamplePlugin("other", order=60),
                           STORAGE_URL=f"file://{storage_root}")


@pytest.fixture
def people(people, app):
    return in_english(app, people)


def set_limits(client, slug, limits):
    page = "/admin/retention/"
    data = {f"{slug}-{kind}": value for kind, value in limits.items()}
    return client.post(f"/admin/retention/{slug}", data={**data, "csrf_token": csrf_token(client, page)})


def request_with_file(client, slug="sample", body="Message"):
    """A request of ``slug`` with one message carrying a PDF; its reference."""
    if slug == "sample":
        reference = file_request(client, title=f"Demande {body}")
    else:
        response = client.post(f"/requests/new/{slug}/question", data={
            "title": f"Demande {body}", "description": "Détails", "topic": "general", "priority": "normal",
            "csrf_token": csrf_token(client, "/requests/")})
        assert response.status_code == 303
        reference = response.location.rstrip("/").split("/")[-1]
    assert send(client, reference, body=body, files=[(PDF, f"{body}.pdf")]).status_code == 303
    return reference


def age(app, reference, *, state=None, closed_ago=None, messages_ago=None):
    """Move a request to ``state`` ``closed_ago`` ago, and date its messages and files back."""
    from extranet.db_types import utcnow
    from extranet.extensions import db
    from extranet.files.models import FileVersion
    from extranet.requests.models import Message, ServiceRequest

    now = utcnow()
    with app.app_context():
        req = db.session.scalar(db.select(ServiceRequest).where(ServiceRequest.reference == reference))
        if state is not None:
            req.state, req.state_changed_at = state, now - closed_ago
        if messages_ago is not None:
            ids = db.select(Message.id).where(Message.request_id == req.id)
            db.session.execute(db.update(Message).where(Message.id.in_(ids)).values(created_at=now - messages_ago))
            db.session.execute(db.update(FileVersion).where(FileVersion.message_id.in_(ids))
                               .values(created_at=now - messages_ago))
        db.session.commit()
        return req.id


def note_reads(app, reader, request_ids, ago):
    from extranet.access.models import AccessRecord
    from extranet.db_types import utcnow
    from extranet.extensions import db

    at = (utcnow() - ago).replace(minute=0, second=0, microsecond=0)
    with app.app_context():
        db.session.add_all(AccessRecord(viewer_id=reader.id, viewer_role="expert", kind="request", object_id=rid,
                                        request_id=rid, hour=at, at=at) for rid in request_ids)
        db.session.commit()


def facts(app):
    """What is left: references, message bodies, access records' request ids, stored keys."""
    from extranet.access.models import AccessRecord
    from extranet.extensions import db
    from extranet.requests.models import Message, ServiceRequest

    with app.app_context():
        return (set(db.session.scalars(db.select(ServiceRequest.reference))),
                set(db.session.scalars(db.select(Message.body))),
                sorted(db.session.scalars(db.select(AccessRecord.request_id))))


def indexed(app, word, kinds=("request", "message")) -> int:
    """How many entries of the search index (of ``kinds``) hold ``word``."""
    from extranet.extensions import db
    from extranet.search.engines import KINDS, engine_for
    from extranet.search.query import parse

    with app.app_context():
        engine = engine_for(db.engine)
        return sum(db.session.scalar(db.select(db.func.count()).select_from(engine.matches(parse(word), KINDS[kind])))
                   for kind in kinds)


def test_the_worker_removes_what_is_older_than_the_module_keeps_and_nothing_else(app, client_for, people):
    from extranet.audit.models import AuditEvent
    from extranet.extensions import db
    from extranet.hours.models import TimeEntry

    member, admin = client_for(app, people.member_a), client_for(app, people.admin)
    old = request_with_file(member, body="Zanzibarique")      # closed 13 months ago: goes
    recent = request_with_file(member, body="Récent")           # closed a month ago: stays...
    send(member, recent, body="Ancienmessage")                 # ...its old messages go
    opened = request_with_file(member, body="Ouverte")          # open: all of it stays
    billed = request_with_file(member, body="Facturée")         # closed long ago, but hours logged
    elsewhere = request_with_file(member, "other", body="Ailleurs")  # another module: untouched
    old_id = age(app, old, state="closed", closed_ago=OLD, messages_ago=OLD)
    recent_id = age(app, recent, state="closed", closed_ago=RECENT)
    with app.app_context():
        from extranet.db_types import utcnow
        from extranet.requests.models import Message

        db.session.execute(db.update(Message).where(Message.body == "Ancienmessage").values(created_at=utcnow() - OLD))
        db.session.commit()
    opened_id = age(app, opened, messages_ago=OLD * 2)
    billed_id = age(app, billed, state="closed", closed_ago=OLD, messages_ago=RECENT)
    elsewhere_id = age(app, elsewhere, state="closed", closed_ago=OLD, messages_ago=OLD)
    with app.app_context():
        db.session.add(TimeEntry(request_id=billed_id, expert_id=people.expert.id, minutes=30,
                                 activity="analysis", date=date(2025, 1, 6)))
        db.session.commit()
    note_reads(app, people.expert, [recent_id, opened_id, elsewhere_id], OLD)
    note_reads(app, people.expert, [opened_id], RECENT)
    keys_before = stored_keys(app)
    assert indexed(app, "Zanzibarique") == 2  # the request (its title) and its message

    assert set_limits(admin, "sample", LIMITS).status_code == 303
    assert "value=\"12\"" in admin.get("/admin/retention/").get_data(as_text=True)
    result = run(app, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "retention: 1 access, 1 files, 2 messages, 1 requests removed" in result.output

    references, bodies, reads = facts(app)
    assert old not in references and {recent, opened, billed, elsewhere} <= references
    assert "Zanzibarique" not in bodies and "Ancienmessage" not in bodies
    assert {"Récent", "Ouverte", "Facturée", "Ailleurs"} <= bodies
    # The old read of a closed sample request went; an open request's reads stay, however old.
    assert reads == sorted([opened_id, opened_id, elsewhere_id])
    assert len(keys_before - stored_keys(app)) == 1  # the old request's file
    assert indexed(app, "Zanzibarique") == 0
    with app.app_context():
        from extranet.privacy.models import RetentionRun

        [report] = db.session.scalars(db.select(RetentionRun)).all()
        assert report.removed == {"sample": {"requests": 1, "messages": 2, "files": 1, "access": 1}}
        assert report.finished_at is not None
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "privacy.retention_set"))
        assert event.target == "module:sample" and event.details["requests"] == 12
    assert old_id not in (recent_id, opened_id)

    # Once a day: a second pass the same day removes nothing and reports nothing new.
    assert "retention:" not in run(app, "worker", "--once").output

    # The report: admins and privacy officers; nobody else.
    officer = add_person(app, "paula_privacy", is_privacy_officer=True)
    for person in (people.admin, officer):
        html = client_for(app, person).get("/admin/retention/report").get_data(as_text=True)
        assert "Retention report" in html and "Sample field" in html
    officer_client = client_for(app, officer)
    assert officer_client.get("/admin/retention/").status_code == 404
    assert set_limits(officer_client, "sample", LIMITS).status_code == 404
    for person in (people.member_a, people.manager_a, people.expert):
        assert client_for(app, person).get("/admin/retention/report").status_code == 404


def test_limits_are_months_or_nothing(app, client_for, people):
    from extranet.extensions import db
    from extranet.modules import retention_months

    admin = client_for(app, people.admin)
    assert set_limits(admin, "sample", {"requests": "0"}).status_code == 422
    assert set_limits(admin, "sample", {"requests": "99999999999999999999"}).status_code == 422
    assert set_limits(admin, "nowhere", {"requests": "12"}).status_code == 404
    assert set_limits(admin, "sample", {"requests": "24", "files": ""}).status_code == 303
    with app.app_context():
        assert retention_months("sample") == {"requests": 24, "messages": None, "files": None, "access": None}
        assert retention_months("other")["requests"] is None
    sentences = admin.get("/admin/audit/").get_data(as_text=True)
    assert "changed how long the module Sample field keeps its information" in sentences
    with app.app_context():
        from extranet.audit.models import AuditEvent

        assert db.session.scalar(db.select(db.func.count()).where(AuditEvent.action == "privacy.retention_set")) == 1


def test_two_workers_at_once_remove_each_thing_once(app, client_for, people):
    from extranet.extensions import db
    from extranet.privacy.models import RetentionRun
    from extranet.privacy.retention import apply_if_due

    member, admin = client_for(app, people.member_a), client_for(app, people.admin)
    references = [request_with_file(member, body=f"Vieille{i}") for i in range(3)]
    for reference in references:
        age(app, reference, state="closed", closed_ago=OLD, messages_ago=OLD)
    assert set_limits(admin, "sample", LIMITS).status_code == 303
    keys_before = stored_keys(app)
    start, runs, errors = threading.Barrier(2), [], []

    def worker():
        with app.app_context():
            start.wait()
            try:
                runs.append(apply_if_due())
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r is not None for r in runs) == 1
    assert not set(references) & facts(app)[0]
    assert len(keys_before - stored_keys(app)) == 3
    with app.app_context():
        [report] = db.session.scalars(db.select(RetentionRun)).all()
        assert report.removed["sample"]["requests"] == 3 and report.removed["sample"]["files"] == 3


def test_old_document_versions_go_with_their_bytes_and_search_entry_but_not_an_open_requests(
        app, client_for, people):
    import io

    from extranet.db_types import utcnow
    from extranet.documents.models import Document
    from extranet.extensions import db
    from extranet.files.models import FileVersion
    from tests.test_documents import new_version, upload

    member, admin = client_for(app, people.member_a), client_for(app, people.admin)
    assert upload(member, [(PDF, "vieux-contrat.pdf")]).status_code == 303
    assert upload(member, [(PDF, "deux-versions.pdf")]).status_code == 303
    assert upload(member, [(PDF, "autre-module.pdf")], field="other").status_code == 303
    opened = file_request(member, title="Demande ouverte")
    response = member.post(f"/documents/sample/requests/{opened}/upload", data={
        "csrf_token": csrf_token(member, "/documents/"), "visibility": "org", "category": "",
        "files": [(io.BytesIO(PDF), "piece-ouverte.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        ids = dict(db.session.execute(db.select(Document.title, Document.id)).all())
    assert new_version(member, ids["deux-versions.pdf"], PDF + b"%v2", "deux-versions.pdf").status_code == 303
    with app.app_context():  # every version old, but the second version of "deux-versions"
        db.session.execute(db.update(FileVersion).where(FileVersion.document_id.is_not(None))
                           .values(created_at=utcnow() - OLD))
        db.session.execute(db.update(FileVersion).where(FileVersion.document_id == ids["deux-versions.pdf"],
                                                        FileVersion.number == 2).values(created_at=utcnow()))
        # A title of plain words, indexed alike by both engines (a file name is one token to PostgreSQL's).
        db.session.get(Document, ids["vieux-contrat.pdf"]).title = "Ancien contrat"
        db.session.commit()
    assert indexed(app, "contrat", ["document"]) == 1
    keys_before = stored_keys(app)

    assert set_limits(admin, "sample", {"files": "6"}).status_code == 303
    assert "retention: 2 files removed" in run(app, "worker", "--once").output
    with app.app_context():
        left = {d.title: [v.number for v in d.versions] for d in db.session.scalars(db.select(Document))}
    assert left == {"deux-versions.pdf": [2], "autre-module.pdf": [1], "piece-ouverte.pdf": [1]}  # not "Ancien contrat"
    assert len(keys_before - stored_keys(app)) == 2
    assert indexed(app, "contrat", ["document"]) == 0



def test_a_run_that_fails_keeps_what_it_committed_and_the_worker_goes_on(app, client_for, people, monkeypatch):
    from extranet.extensions import db
    from extranet.privacy import retention
    from extranet.privacy.models import RetentionRun

    member, admin = client_for(app, people.member_a), client_for(app, people.admin)
    old = request_with_file(member, body="Ancienne")
    age(app, old, state="closed", closed_ago=OLD, messages_ago=OLD)
    assert set_limits(admin, "sample", {"requests": "12", "messages": "12"}).status_code == 303

    def broken(*_args):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(retention.REMOVERS, "messages", broken)
    result = run(app, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "retention: 1 files, 1 messages, 1 requests removed" in result.output
    assert old not in facts(app)[0]
    with app.app_context():
        [report] = db.session.scalars(db.select(RetentionRun)).all()
        assert report.finished_at is None and report.removed["sample"]["requests"] == 1
    html = client_for(app, people.admin).get("/admin/retention/report").get_data(as_text=True)
    assert "Not finished" in html
