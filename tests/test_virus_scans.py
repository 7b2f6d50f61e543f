"""Every file scanned, and none stuck: message attachments, document versions and resource files
go through one scanning path against a real clamd (tests/clamd.py: the EICAR test file is its
one signature); a file is downloadable only once clean; a file clamd gave no verdict on stays
pending until the worker scans it again, later after each attempt; administrators see what is
pending or infected, with the reason and the last attempt."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from extranet.testing import csrf_token
from tests.clamd import EICAR, SIGNATURE
from tests.sample_plugin import SamplePlugin
from tests.test_attachments import PDF, file_request, send
from tests.test_documents import new_version, upload
from tests.test_resources import LIBRARY, publish
from tests.test_resources import PDF as GUIDE

PNG = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89" + b"\0" * 20


@pytest.fixture
def app(register_plugin, storage_root):
    """The sample field, without clamd. ``people`` (built on this app) subscribes organizations A
    and B to it."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}")


@pytest.fixture
def scanning(register_plugin, storage_root, clamd):
    """The sample field, with uploads scanned by the session's real clamd over its UNIX socket."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}", CLAMD_SOCKET=clamd.socket_path)


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def files(app):
    """(kind, filename, scan status) of every stored file's row."""
    from extranet.extensions import db
    from extranet.files.models import FileVersion

    with app.app_context():
        return [(f.kind, f.filename, f.scan_status)
                for f in db.session.scalars(db.select(FileVersion).order_by(FileVersion.id))]


def file_row(app, filename):
    from extranet.extensions import db
    from extranet.files.models import FileVersion

    with app.app_context():
        f = db.session.scalar(db.select(FileVersion).where(FileVersion.filename == filename))
        return {"id": f.id, "kind": f.kind, "status": f.scan_status, "attempts": f.scan_attempts,
                "scanned_at": f.scanned_at, "next": f.next_scan_at, "detail": f.scan_detail,
                "document": f.document_id, "number": f.number}


def set_clamd(app, address):
    app.config["CLAMD_SOCKET"] = address


# -- the real clamd, on each way a file comes in -----------------------------------------------


def test_the_real_clamd_finds_eicar_and_passes_a_clean_file_on_both_sockets(app, clamd, tmp_path):
    from extranet.files import scan
    from extranet.storage.local import LocalStorage

    storage = LocalStorage(tmp_path / "objects")
    infected = storage.save(io.BytesIO(EICAR)).key
    clean = storage.save(io.BytesIO(PDF)).key
    with app.app_context():
        for address in (clamd.socket_path, clamd.tcp_address):
            assert scan.check(storage, infected, address) == scan.Verdict("infected", f"{SIGNATURE}.UNOFFICIAL")
            assert scan.check(storage, clean, address) == scan.Verdict("clean")


def test_a_file_larger_than_clamd_accepts_gets_no_verdict(app, clamd, tmp_path):
    from extranet.files import scan
    from extranet.storage.local import LocalStorage
    from tests.clamd import STREAM_MAX

    storage = LocalStorage(tmp_path / "objects")
    big = storage.save(io.BytesIO(b"a" * (STREAM_MAX + 1))).key
    with app.app_context():
        verdict = scan.check(storage, big, clamd.tcp_address)
    assert verdict.status == "pending" and "size limit" in verdict.detail


def test_a_message_attachment_with_eicar_is_refused_and_a_clean_one_served(scanning, client_for, people, storage_root):
    member = client_for(scanning, people.member_a)
    reference = file_request(member)
    response = send(member, reference, files=[(EICAR, "eicar.txt"), (PDF, "devis.pdf")])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "eicar.txt contains a virus" in html and "devis.pdf was not kept either" in html
    assert files(scanning) == [] and stored_files(storage_root) == []

    assert send(member, reference, files=[(PDF, "devis.pdf")]).status_code == 303
    row = file_row(scanning, "devis.pdf")
    assert (row["kind"], row["status"], row["attempts"], row["next"], row["detail"]) == (
        "attachment", "clean", 1, None, "")
    assert row["scanned_at"] is not None
    response = member.get(f"/requests/{reference}/attachments/{row['id']}")
    assert response.status_code == 200 and response.get_data() == PDF


def test_a_document_upload_or_version_with_eicar_is_refused_and_a_clean_one_served(
        scanning, client_for, people, storage_root):
    member = client_for(scanning, people.member_a)
    response = upload(member, [(EICAR, "eicar.txt")])
    assert response.status_code == 422 and "eicar.txt contains a virus" in response.get_data(as_text=True)
    assert files(scanning) == [] and stored_files(storage_root) == []

    assert upload(member, [(PDF, "statuts.pdf")]).status_code == 303
    row = file_row(scanning, "statuts.pdf")
    assert (row["kind"], row["status"]) == ("document", "clean")
    url = f"/documents/sample/files/{row['document']}/versions/1"
    response = member.get(url)
    assert response.status_code == 200 and response.get_data() == PDF

    response = new_version(member, row["document"], EICAR, "eicar.txt")
    assert response.status_code == 422 and "eicar.txt contains a virus" in response.get_data(as_text=True)
    assert files(scanning) == [("document", "statuts.pdf", "clean")] and len(stored_files(storage_root)) == 1
    assert new_version(member, row["document"], PNG, "photo.png").status_code == 303
    assert files(scanning)[-1] == ("document", "photo.png", "clean")


def test_a_resource_file_with_eicar_is_refused_and_a_clean_one_served(scanning, client_for, people, storage_root):
    expert = client_for(scanning, people.expert)
    response = publish(expert, "Guide piégé", data=EICAR, filename="eicar.txt")
    assert response.status_code == 422 and "eicar.txt contains a virus" in response.get_data(as_text=True)
    assert files(scanning) == [] and stored_files(storage_root) == []

    assert publish(expert, "Guide de l'assemblée").status_code == 303
    assert files(scanning) == [("document", "guide.pdf", "clean")]
    member = client_for(scanning, people.member_a)
    html = member.get(LIBRARY).get_data(as_text=True)
    url = next(part.split('"')[0] for part in html.split('href="')[1:] if part.split('"')[0].endswith("/download"))
    response = member.get(url)
    assert response.status_code == 200 and response.get_data() == GUIDE


# -- pending, the worker and its back-off --------------------------------------------------------


@pytest.fixture
def down(register_plugin, storage_root, tmp_path):
    """clamd configured on a socket where none listens (stopped, or not started yet)."""
    return register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}",
                           CLAMD_SOCKET=str(tmp_path / "stopped-clamd.sock"))


def rescan(app, now):
    from extranet.files.rescan import rescan_due

    with app.app_context():
        return dict(rescan_due(now=now))


def test_a_file_left_pending_by_a_stopped_clamd_is_rescanned_with_back_off_until_clean(
        down, client_for, people, clamd):
    member = client_for(down, people.member_a)
    reference = file_request(member)
    assert send(member, reference, files=[(PDF, "devis.pdf")]).status_code == 303
    row = file_row(down, "devis.pdf")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "stopped-clamd.sock" in row["detail"]
    first = row["scanned_at"]
    assert row["next"] - first == timedelta(minutes=1)
    url = f"/requests/{reference}/attachments/{row['id']}"
    response = member.get(url)
    assert response.status_code == 409 and "still being checked" in response.get_data(as_text=True)
    assert PDF not in response.get_data()
    # The request's page names the file and says why, without a link that would fail.
    page = member.get(f"/requests/{reference}").get_data(as_text=True)
    assert "devis.pdf" in page and "still being checked" in page and url not in page

    # Not due yet: the worker leaves it; then each attempt without a verdict waits twice as long.
    assert rescan(down, first + timedelta(seconds=30)) == {}
    waits = []
    at = first
    for _ in range(8):
        at = file_row(down, "devis.pdf")["next"]
        assert rescan(down, at) == {"pending": 1}
        row = file_row(down, "devis.pdf")
        waits.append(row["next"] - at)
    assert waits == [timedelta(minutes=m) for m in (2, 4, 8, 16, 32, 60, 60, 60)]
    assert row["attempts"] == 9 and row["scanned_at"] == at
    assert member.get(url).status_code == 409

    # clamd is back: at the next due attempt the file is found clean and served.
    set_clamd(down, clamd.socket_path)
    assert rescan(down, row["next"]) == {"clean": 1}
    row = file_row(down, "devis.pdf")
    assert (row["status"], row["attempts"], row["next"], row["detail"]) == ("clean", 10, None, "")
    response = member.get(url)
    assert response.status_code == 200 and response.get_data() == PDF
    assert url in member.get(f"/requests/{reference}").get_data(as_text=True)
    assert rescan(down, row["scanned_at"] + timedelta(days=1)) == {}


def test_the_worker_command_rescans_and_an_infected_file_is_audited_and_never_served(
        down, client_for, people, clamd):
    from extranet.audit.models import AuditEvent
    from extranet.db_types import utcnow
    from extranet.extensions import db
    from extranet.files.models import FileVersion

    member = client_for(down, people.member_a)
    assert upload(member, [(EICAR, "eicar.txt")]).status_code == 303  # no verdict: kept, pending
    row = file_row(down, "eicar.txt")
    assert row["status"] == "pending"
    url = f"/documents/sample/files/{row['document']}/versions/1"
    assert member.get(url).status_code == 409

    set_clamd(down, clamd.socket_path)
    with down.app_context():  # its next attempt is due (a minute went by)
        db.session.execute(db.update(FileVersion).values(next_scan_at=utcnow()))
        db.session.commit()
    result = down.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "scan: 1 infected" in result.output
    row = file_row(down, "eicar.txt")
    assert (row["status"], row["detail"], row["next"]) == ("infected", f"{SIGNATURE}.UNOFFICIAL", None)
    response = member.get(url)
    assert response.status_code == 409 and EICAR not in response.get_data()
    assert "contain a virus" in response.get_data(as_text=True)
    with down.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "file.infected"))
        assert event.details["filename"] == "eicar.txt" and event.details["signature"] == f"{SIGNATURE}.UNOFFICIAL"


def test_files_stored_before_clamd_was_configured_are_scanned_before_they_are_served(
        register_plugin, storage_root, client_for, people, clamd):
    app = register_plugin(SamplePlugin(), STORAGE_URL=f"file://{storage_root}")
    member = client_for(app, people.member_a)
    assert upload(member, [(PDF, "ancien.pdf")]).status_code == 303
    row = file_row(app, "ancien.pdf")
    assert row["status"] == "not_scanned"
    url = f"/documents/sample/files/{row['document']}/versions/1"
    assert member.get(url).status_code == 200
    assert rescan(app, None) == {}  # no clamd: nothing to do

    set_clamd(app, clamd.socket_path)
    assert member.get(url).status_code == 409
    assert rescan(app, None) == {"clean": 1}
    assert member.get(url).status_code == 200


def test_two_workers_never_scan_the_same_file(down, client_for, people, clamd):
    """A claim moves the next attempt ahead: the second worker finds nothing due."""
    from extranet.extensions import db
    from extranet.files import rescan as job

    member = client_for(down, people.member_a)
    assert upload(member, [(PDF, "a.pdf")]).status_code == 303
    row = file_row(down, "a.pdf")
    with down.app_context():
        assert job._claim(row["id"], row["next"]) is not None
        assert job._claim(row["id"], row["next"]) is None
        db.session.rollback()
    assert file_row(down, "a.pdf")["next"] == row["next"] + job.LEASE


# -- what administrators see ---------------------------------------------------------------------


def test_administrators_see_pending_and_infected_files_with_reason_and_last_attempt(
        down, client_for, people, clamd):
    member = client_for(down, people.member_a)
    assert upload(member, [(EICAR, "eicar.txt")]).status_code == 303
    stopped = down.config["CLAMD_SOCKET"]
    set_clamd(down, clamd.socket_path)
    assert rescan(down, file_row(down, "eicar.txt")["next"]) == {"infected": 1}
    set_clamd(down, stopped)
    reference = file_request(member)
    assert send(member, reference, files=[(PDF, "devis.pdf")]).status_code == 303

    admin = client_for(down, people.admin)
    assert 'href="/admin/files"' in admin.get("/admin/").get_data(as_text=True)
    html = admin.get("/admin/files").get_data(as_text=True)
    assert "eicar.txt" in html and f"{SIGNATURE}.UNOFFICIAL" in html and "Coopérative A" in html
    assert "devis.pdf" in html and f"Request {reference}" in html and "stopped-clamd.sock" in html
    assert "Infected: 1" in html and "Pending: 1" in html
    assert html.index("eicar.txt") < html.index("devis.pdf")  # infected first
    only_infected = admin.get("/admin/files?status=infected").get_data(as_text=True)
    assert "eicar.txt" in only_infected and "devis.pdf" not in only_infected

    for person in (people.member_a, people.manager_a, people.expert):
        assert client_for(down, person).get("/admin/files").status_code == 404


def test_an_administrator_asks_for_a_pending_file_to_be_scanned_again(down, client_for, people):
    member = client_for(down, people.member_a)
    reference = file_request(member)
    assert send(member, reference, files=[(PDF, "devis.pdf")]).status_code == 303
    row = file_row(down, "devis.pdf")

    admin = client_for(down, people.admin)
    html = admin.get("/admin/files").get_data(as_text=True)
    assert "devis.pdf" in html and f"Request {reference}" in html and "stopped-clamd.sock" in html
    assert "Pending" in html and "Scan again now" in html
    url = f"/admin/files/{row['id']}/rescan"
    assert admin.post(url).status_code == 400  # no CSRF token
    assert file_row(down, "devis.pdf")["next"] == row["next"]
    response = admin.post(url, data={"csrf_token": csrf_token(admin, "/admin/files")})
    assert response.status_code == 303 and response.location.endswith("/admin/files")
    assert file_row(down, "devis.pdf")["next"] < row["next"]
    assert member.post(url, data={"csrf_token": csrf_token(member, "/requests/")}).status_code == 404
    assert admin.post("/admin/files/999999/rescan",
                      data={"csrf_token": csrf_token(admin, "/admin/files")}).status_code == 404
